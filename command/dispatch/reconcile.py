"""Open sorties whose ground station stopped (killed in the air or during an upload): closed
from what the vehicle reports now, or left open with the reason. Nothing is sent to the vehicle.

`judge` is pure (a sortie, the vehicle's snapshot, whether its owner still runs); `reconcile`
reads the open sorties of a vehicle and closes those that can be judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from command.dispatch.owner import owner_alive
from command.link import LinkState, MissionState, VehicleSnapshot
from command.storage import (
    Database,
    SortieOutcome,
    SortieRecord,
    SortieStateError,
    close_sortie,
    list_open_sorties,
    record_event,
)

RETURN_MODES = frozenset({"RTL", "LAND", "SMART_RTL"})
LANDED_BELOW_M = 1.0
"""A disarmed vehicle lower than this above home is on the ground."""


@dataclass(frozen=True)
class Verdict:
    """What to do with one open sortie: close it with `outcome`, or leave it (outcome None)."""

    outcome: SortieOutcome | None
    reason: str


@dataclass(frozen=True)
class Reconciliation:
    """One open sortie looked at: closed with `outcome`, or left open (None), and why."""

    sortie_id: int
    vehicle: str
    outcome: SortieOutcome | None
    reason: str

    def __str__(self) -> str:
        if self.outcome is None:
            return f"sortie {self.sortie_id} on {self.vehicle} left open: {self.reason}"
        return f"sortie {self.sortie_id} on {self.vehicle} closed as {self.outcome}: {self.reason}"


def judge(sortie: SortieRecord, snap: VehicleSnapshot, owner_running: bool) -> Verdict:
    """The verdict on an open sortie from the vehicle's snapshot; never a guess: what cannot be
    judged (link not up, no telemetry, still in the air) is left open."""
    if owner_running:
        return Verdict(None, f"followed by {sortie.owner}")
    if snap.link is not LinkState.OK:
        return Verdict(None, f"cannot judge: the link is {snap.link.value}")
    if snap.altitude_relative_m is None:
        return Verdict(None, "cannot judge: no telemetry from the vehicle yet")
    if snap.armed or snap.altitude_relative_m >= LANDED_BELOW_M:
        where = f", item {snap.mission_seq}" if snap.mission_seq else ""
        return Verdict(
            None,
            f"still flying ({'armed' if snap.armed else 'disarmed'}, {snap.mode_name}{where}, "
            f"{snap.altitude_relative_m:.0f} m): `watch --until-landed` closes it once landed, "
            "`abort` brings it home",
        )
    stopped = f"the ground station stopped while the sortie was {sortie.outcome.value}"
    if sortie.outcome is not SortieOutcome.FLYING:
        return Verdict(SortieOutcome.FAILED, f"{stopped}; found landed and disarmed")
    if snap.mission_state == MissionState.COMPLETE:
        return Verdict(SortieOutcome.COMPLETED, f"mission complete, landed ({stopped})")
    if snap.mode_name in RETURN_MODES:
        return Verdict(
            SortieOutcome.FAILSAFE,
            f"{snap.mode_name}: the vehicle came back on its own before the mission completed "
            f"({stopped})",
        )
    return Verdict(SortieOutcome.FAILED, f"landed before the mission completed ({stopped})")


def reconcile(
    db: Database,
    vehicle: str,
    snap: VehicleSnapshot,
    now: datetime,
    running: Callable[[SortieRecord, datetime], bool] | None = None,
) -> list[Reconciliation]:
    """Judge every open sortie of `vehicle` and close those with a verdict; returns them all.

    `running(sortie, now)` says whether the sortie's owner still follows it (default: its
    process runs on this host, or its lease is fresh).
    """
    running = running or _owner_running
    done = []
    for sortie in list_open_sorties(db, vehicle):
        verdict = judge(sortie, snap, running(sortie, now))
        if verdict.outcome is None:
            done.append(Reconciliation(sortie.id, vehicle, None, verdict.reason))
            continue
        try:
            close_sortie(
                db,
                sortie.id,
                verdict.outcome,
                verdict.reason,
                max(now, sortie.started_at),
                battery_end_pct=_pct(snap.battery_remaining_pct),
            )
        except SortieStateError:  # closed meanwhile by its owner or another terminal
            continue
        record_event(
            db,
            vehicle_name=vehicle,
            kind="sortie",
            severity="warning",
            message=f"sortie {sortie.id} reconciled as {verdict.outcome.value}: {verdict.reason}",
            now=max(now, sortie.started_at),
            sortie_id=sortie.id,
        )
        done.append(Reconciliation(sortie.id, vehicle, verdict.outcome, verdict.reason))
    return done


def _owner_running(sortie: SortieRecord, now: datetime) -> bool:
    return sortie.owner is not None and owner_alive(sortie.owner, sortie.owner_seen_at, now)


def _pct(value: int | None) -> float | None:
    return None if value is None or not 0 <= value <= 100 else float(value)
