"""Following a sortie from its vehicle's snapshots: when it is done, when it must come home, and
how it ended. Pure: fed snapshots and the time, it returns decisions; the runner acts on them.

The mission is done when the vehicle reports it complete (MISSION_STATE_COMPLETE; ArduCopter
then reports item 0) or has reached the last item — counted only once the vehicle has reported
this mission active, and (given `reached_before`, the vehicle's count of items reached when the
sortie began) only from reports made since, so figures left from an earlier flight or from the
mission a re-tasked drone flew before do not end a new one. A return the
vehicle flies without us asking is a failsafe when the vehicle announced one around it (its
STATUSTEXT "GCS Failsafe", "Battery 1 is low …", "Fence Breached …"); otherwise another ground
station or the RC sent it home, and the sortie ends aborted with that reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from command.link import LinkState, MissionState, VehicleSnapshot
from command.storage import SortieOutcome

RETURN_MODES = frozenset({"RTL", "LAND", "SMART_RTL"})
DISARMED_BEFORE_TAKEOFF_S = 15.0
"""A sortie whose vehicle has not left the ground this long after the start has failed."""
FAILSAFE_BEFORE_S = 10.0
"""A failsafe text this long (link seconds) before a return explains it."""
FAILSAFE_AFTER_S = 3.0
"""How long after a return began a failsafe text may still arrive to explain it."""
EXTERNAL_RETURN = "returned by another ground station or the RC"


@dataclass(frozen=True)
class Decision:
    """What the runner must do now: command a return, record an event, close the sortie."""

    command_return: bool = False
    event: str | None = None
    outcome: SortieOutcome | None = None
    reason: str = ""


class SortieTracker:
    """State of one sortie, advanced by observe(snapshot, now)."""

    def __init__(
        self,
        total_items: int,
        returns_home: bool,
        reserve_pct: float,
        started_s: float,
        reached_before: int | None = None,
    ) -> None:
        self.total_items = total_items  # items numbered as uploaded: home at 0 included
        self.reached_before = reached_before
        self.returns_home = returns_home  # the mission ends with RTL or LAND
        self.reserve_pct = reserve_pct
        self.started_s = started_s
        self.airborne = False
        self.returning = False  # we commanded the return (mission end, reserve, abort)
        self.complete = False
        self.seen_active = False
        self.pending: tuple[SortieOutcome, str] | None = None
        self.distance_m = 0.0
        self.start_battery_pct: int | None = None
        self.last_battery_pct: int | None = None
        self.reached = 0  # highest mission item the vehicle reported reached
        self._last_pos: tuple[float, float] | None = None
        self._abort: str | None = None
        self._external_at: float | None = None  # link time of a return nobody explained yet

    def request_abort(self, reason: str) -> None:
        """Ask for the sortie to be aborted (the vehicle comes home); thread-safe by assignment."""
        self._abort = reason

    def aborted(self, reason: str) -> None:
        """The return was commanded already (an abort sent RTL): the sortie ends as aborted."""
        self.returning = True
        if self.pending is None or self.pending[0] is not SortieOutcome.ABORTED:
            self.pending = (SortieOutcome.ABORTED, reason)

    @property
    def unfinished(self) -> bool:
        """True once the sortie is known to end before its work is done (and why is settled: a
        return nobody explained yet may still turn out to be a failsafe)."""
        return self.pending is not None and not self.complete and self._external_at is None

    @property
    def mission_items(self) -> int:
        """Items of the mission, home not counted."""
        return max(self.total_items - 1, 0)

    def progress(self, snap: VehicleSnapshot) -> tuple[int, int]:
        """(item, of) for a pilot: the item being flown, all of them once complete."""
        total = self.mission_items
        if self.complete:
            return total, total
        seq = (snap.mission_seq or 0) if self.seen_active else 0
        return min(max(seq, self.reached), total), total

    def observe(self, snap: VehicleSnapshot, now: float) -> Decision:
        """Advance with a new snapshot taken at link time now (seconds)."""
        self._account(snap)
        if snap.link is LinkState.LOST:
            item, total = self.progress(snap)
            where = f"item {item}/{total}" if item else "start"
            return Decision(
                outcome=SortieOutcome.LOST,
                reason=f"link lost at {where}; the vehicle's own failsafes take over",
            )
        self._follow_mission(snap)
        rel = snap.altitude_relative_m or 0.0
        if snap.armed and rel > 1.0:
            self.airborne = True
        if not snap.armed and (self.airborne or now - self.started_s > DISARMED_BEFORE_TAKEOFF_S):
            if not self.airborne:
                return Decision(outcome=SortieOutcome.FAILED, reason="disarmed before take-off")
            if rel < 2.0:
                return self._landed()
        if self._abort is not None and self.pending is None:
            self.pending = (SortieOutcome.ABORTED, self._abort)
            return self._return(f"abort: {self._abort}")
        if self._external_at is not None:
            explained = self._explain_external(snap)
            if explained is not None:
                return explained
        if (
            self.airborne
            and snap.mode_name in RETURN_MODES
            and not self.returning
            and not self.complete
            and self.pending is None
        ):
            return self._vehicle_returns(snap)
        pct = snap.battery_remaining_pct
        if (
            self.airborne
            and not self.returning
            and pct is not None
            and pct < self.reserve_pct
            and self.pending is None
            and snap.mode_name not in RETURN_MODES
        ):
            self.pending = (
                SortieOutcome.FAILSAFE,
                f"battery {pct}% under the {self.reserve_pct:.0f}% reserve: RTL",
            )
            return self._return(self.pending[1])
        if (
            self.complete
            and not self.returns_home
            and not self.returning
            and snap.mode_name not in RETURN_MODES
        ):
            return self._return("mission complete: RTL")
        return Decision()

    def _follow_mission(self, snap: VehicleSnapshot) -> None:
        if snap.mission_state == MissionState.ACTIVE:
            self.seen_active = True
        if not self.seen_active:
            return
        fresh = self.reached_before is None or snap.items_reached > self.reached_before
        if snap.last_reached_seq is not None and fresh:
            self.reached = max(self.reached, snap.last_reached_seq)
        if snap.mission_state == MissionState.COMPLETE or self.reached >= self.total_items - 1:
            self.complete = True

    def _vehicle_returns(self, snap: VehicleSnapshot) -> Decision:
        """The vehicle went home on its own: a failsafe it announced, or someone else's call."""
        failsafe = self._failsafe_text(snap, snap.time_s)
        if failsafe is not None:
            self.pending = (SortieOutcome.FAILSAFE, f"{snap.mode_name}: {failsafe}")
            return Decision(event=f"vehicle returning on its own ({snap.mode_name}): {failsafe}")
        self._external_at = snap.time_s
        self.pending = (SortieOutcome.ABORTED, f"{snap.mode_name}: {EXTERNAL_RETURN}")
        return Decision(event=f"vehicle switched to {snap.mode_name}: {EXTERNAL_RETURN}")

    def _explain_external(self, snap: VehicleSnapshot) -> Decision | None:
        """A failsafe text that arrives just after the mode change still explains it."""
        assert self._external_at is not None
        failsafe = self._failsafe_text(snap, self._external_at)
        if failsafe is not None:
            self._external_at = None
            self.pending = (SortieOutcome.FAILSAFE, f"{snap.mode_name}: {failsafe}")
            return Decision(event=f"vehicle failsafe: {failsafe}")
        if snap.time_s - self._external_at > FAILSAFE_AFTER_S:
            self._external_at = None
        return None

    def _failsafe_text(self, snap: VehicleSnapshot, returned_at: float) -> str | None:
        fs = snap.failsafe_text
        if fs is None or fs.time_s < returned_at - FAILSAFE_BEFORE_S:
            return None
        return fs.text

    def _return(self, why: str) -> Decision:
        self.returning = True
        return Decision(command_return=True, event=why)

    def _landed(self) -> Decision:
        if self.pending is not None:
            return Decision(outcome=self.pending[0], reason=self.pending[1])
        if self.complete:
            return Decision(outcome=SortieOutcome.COMPLETED, reason="mission complete, landed")
        return Decision(outcome=SortieOutcome.FAILED, reason="landed before the mission completed")

    def _account(self, snap: VehicleSnapshot) -> None:
        if snap.battery_remaining_pct is not None:
            if self.start_battery_pct is None:
                self.start_battery_pct = snap.battery_remaining_pct
            self.last_battery_pct = snap.battery_remaining_pct
        if snap.latitude_deg is None or snap.longitude_deg is None:
            return
        pos = (snap.latitude_deg, snap.longitude_deg)
        if self._last_pos is not None:
            self.distance_m += ground_distance_m(self._last_pos, pos)
        self._last_pos = pos

    @property
    def battery_used_pct(self) -> float | None:
        """Charge used so far (percentage points)."""
        if self.start_battery_pct is None or self.last_battery_pct is None:
            return None
        return float(self.start_battery_pct - self.last_battery_pct)


def ground_distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lat, lon) points a few kilometres apart (equirectangular)."""
    lat = math.radians((a[0] + b[0]) / 2)
    dn = math.radians(b[0] - a[0]) * 6_371_000.0
    de = math.radians(b[1] - a[1]) * 6_371_000.0 * math.cos(lat)
    return math.hypot(dn, de)
