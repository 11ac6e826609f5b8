"""dispatch(mission, vehicle): checks → upload + verify → arm → take-off → AUTO → follow progress
→ return and land → the sortie closed with its outcome. Several sorties fly at once, one thread
each; abort, pause and resume reach a running sortie by vehicle name.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from command.dispatch.audited import AuditedFleet
from command.dispatch.owner import LEASE_RENEW_S, this_process
from command.dispatch.readiness import (
    MIN_START_BATTERY_PCT,
    battery_calibration,
    battery_check,
    vehicle_problems,
)
from command.dispatch.reconcile import Reconciliation, reconcile
from command.dispatch.sortie import (
    ArmDeclined,
    DispatchError,
    PreflightRefused,
    SortieHandle,
    VehicleNotReady,
    clamp_pct,
    record_start,
    returns_home,
    takeoff_altitude_m,
    used_mah,
)
from command.dispatch.tracker import SortieTracker, ground_distance_m
from command.link import CommandError, Fleet, LinkError
from command.storage import (
    Database,
    SortieOutcome,
    StorageError,
    TrackPoint,
    TrackWriter,
    advance_sortie,
    close_sortie,
    get_sortie,
    list_open_sorties,
    record_event,
    renew_owner,
)
from missions.checks import Finding, Limits, blocks_upload, check_mission
from missions.items import Cmd, Mission

log = logging.getLogger("command.dispatch")

MAX_HOME_OFFSET_M = 50.0
"""The vehicle must stand within this of the mission's planned home."""


class Dispatcher:
    """Starts and follows sorties on the vehicles of a fleet, recording them in the database."""

    def __init__(
        self,
        fleet: Fleet,
        db: Database,
        *,
        actor: str,
        zones: Sequence = (),
        limits: Limits | None = None,
        tracks_dir: Path,
        reserve_pct: float = 25.0,
        min_start_battery_pct: float = MIN_START_BATTERY_PCT,
        poll_s: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.fleet = fleet
        self.db = db
        self.commands = AuditedFleet(fleet, db, actor, utcnow)
        self.zones = zones
        self.limits = limits or Limits()
        self.reserve_pct = reserve_pct
        self.min_start_battery_pct = min_start_battery_pct
        self.tracks_dir = tracks_dir
        self.poll_s = poll_s
        self.clock = clock
        self.utcnow = utcnow
        self.owner = this_process()
        self._sorties: dict[str, SortieHandle] = {}
        self._reserved: set[str] = set()
        self._lock = threading.Lock()

    # --- starting --------------------------------------------------------------------------
    def preflight(self, mission: Mission, vehicle: str) -> list[Finding]:
        """Mission checks and vehicle readiness; raises when the sortie may not start."""
        findings = check_mission(mission, zones=self.zones, limits=self.limits)
        if blocks_upload(findings):
            raise PreflightRefused(findings)
        snap = self.fleet.snapshot(vehicle)
        problems = vehicle_problems(snap, self.min_start_battery_pct)
        if snap.battery_remaining_pct is not None:
            calibration = battery_calibration(self.db, vehicle)
            problems += battery_check(
                mission, snap, self.limits, self.reserve_pct, calibration
            ).problems
        if snap.has_position and snap.latitude_deg is not None and snap.longitude_deg is not None:
            offset = ground_distance_m(
                (snap.latitude_deg, snap.longitude_deg),
                (mission.home.latitude_deg, mission.home.longitude_deg),
            )
            if offset > MAX_HOME_OFFSET_M:
                problems.append(
                    f"vehicle stands {offset:.0f} m from the mission's home "
                    f"(at most {MAX_HOME_OFFSET_M:.0f} m)"
                )
        with self._lock:
            if vehicle in self._sorties:
                problems.append(f"sortie {self._sorties[vehicle].sortie_id} is still flying")
            mine = {h.sortie_id for h in self._sorties.values()}
        for other in list_open_sorties(self.db, vehicle):
            if other.id not in mine:
                problems.append(
                    f"sortie {other.id} is still open ({other.outcome.value}, followed by "
                    f"{other.owner or 'no one'}): reconcile it first"
                )
        if problems:
            raise VehicleNotReady(vehicle, problems)
        return findings

    def dispatch(
        self,
        mission: Mission,
        vehicle: str,
        *,
        name: str,
        confirm: Callable[[str], bool],
        source_file: str | None = None,
        zone_name: str | None = None,
    ) -> SortieHandle:
        """Fly mission on vehicle as a new sortie; returns once it is airborne in AUTO.

        confirm(prompt) is asked before arming (the pilot's yes); False keeps the motors off.
        """
        self.preflight(mission, vehicle)
        with self._lock:  # one sortie per vehicle, even with two callers at once
            if vehicle in self._reserved:
                raise VehicleNotReady(vehicle, ["another sortie is starting or flying on it"])
            self._reserved.add(vehicle)
        try:
            return self._dispatch(mission, vehicle, name, confirm, source_file, zone_name)
        finally:
            with self._lock:
                if vehicle not in self._sorties:
                    self._reserved.discard(vehicle)

    def _dispatch(
        self,
        mission: Mission,
        vehicle: str,
        name: str,
        confirm: Callable[[str], bool],
        source_file: str | None,
        zone_name: str | None,
    ) -> SortieHandle:
        snap = self.fleet.snapshot(vehicle)
        try:
            stored, sortie = record_start(
                self.db,
                mission,
                snap,
                name=name,
                connection=str(self.fleet.link(vehicle).endpoint),
                limits=self.limits,
                owner=self.owner,
                tracks_dir=self.tracks_dir,
                now=self.utcnow(),
                source_file=source_file,
                zone_name=zone_name,
            )
        except StorageError as exc:
            raise DispatchError(
                f"{vehicle}: the sortie cannot be recorded, nothing was sent: {exc}"
            ) from exc
        tracker = SortieTracker(
            len(mission.items) + 1, returns_home(mission), self.reserve_pct, self.clock()
        )
        handle = SortieHandle(sortie.id, vehicle, tracker, start_mah=snap.battery_consumed_mah)
        armed = False
        try:
            advance_sortie(self.db, sortie.id, SortieOutcome.UPLOADING)
            self.commands.upload_mission(vehicle, mission, stored.name)
            if not confirm(f"Arm {vehicle} and fly '{name}' ({len(mission.items)} items)?"):
                raise ArmDeclined(
                    f"arming {vehicle} not confirmed: the mission is uploaded, the motors stay off"
                )
            if not get_sortie(self.db, sortie.id).is_open:
                raise ArmDeclined(f"sortie {sortie.id} was closed elsewhere: the motors stay off")
            renew_owner(self.db, sortie.id, self.owner, self.utcnow())
            self.commands.set_mode(vehicle, "GUIDED")
            armed = True  # from here on a failure must bring the aircraft down safely
            self.commands.arm(vehicle)
            if not mission.items or mission.items[0].command != Cmd.NAV_TAKEOFF:
                self.commands.takeoff(vehicle, takeoff_altitude_m(mission))
            self.commands.start_mission(vehicle)
        except ArmDeclined as exc:
            self._close(handle, SortieOutcome.ABORTED, str(exc))
            raise
        except (CommandError, LinkError) as exc:
            if armed:
                self._safe_out(vehicle)
            self._close(handle, SortieOutcome.FAILED, str(exc))
            raise DispatchError(f"{vehicle}: {exc}") from exc
        except BaseException as exc:  # Ctrl-C at the prompt, a database error: recorded, safe
            if armed:
                self._safe_out(vehicle)
            self._close(handle, SortieOutcome.ABORTED, f"interrupted while starting: {exc!r}")
            raise
        advance_sortie(self.db, sortie.id, SortieOutcome.FLYING)
        self._event(handle, "sortie", "info", f"sortie {sortie.id} flying '{name}'")
        with self._lock:
            self._sorties[vehicle] = handle
        handle.thread = threading.Thread(
            target=self._follow,
            args=(handle, sortie.track_path),
            name=f"sortie-{sortie.id}",
            daemon=True,
        )
        handle.thread.start()
        return handle

    # --- running sorties ----------------------------------------------------------------------
    def active(self) -> dict[str, SortieHandle]:
        """Sorties being flown, by vehicle."""
        with self._lock:
            return dict(self._sorties)

    def abort(self, vehicle: str, reason: str = "aborted by the pilot") -> SortieHandle:
        """Bring the vehicle home now; the sortie ends as aborted when it has landed."""
        handle = self._handle(vehicle)
        handle.tracker.request_abort(reason)
        return handle

    def pause(self, vehicle: str) -> None:
        """Hold position in the mission."""
        handle = self._handle(vehicle)
        self.commands.pause(vehicle)
        self._event(handle, "sortie", "info", "paused")

    def resume(self, vehicle: str) -> None:
        """Carry on with the mission."""
        handle = self._handle(vehicle)
        self.commands.resume(vehicle)
        self._event(handle, "sortie", "info", "resumed")

    def reconcile(self, vehicle: str) -> list[Reconciliation]:
        """Close the open sorties of `vehicle` that no running process follows, from what the
        vehicle reports now (nothing is sent to it); see command.dispatch.reconcile."""
        return reconcile(self.db, vehicle, self.fleet.snapshot(vehicle), self.utcnow())

    def _handle(self, vehicle: str) -> SortieHandle:
        with self._lock:
            handle = self._sorties.get(vehicle)
        if handle is None:
            raise DispatchError(f"no sortie is flying on {vehicle}")
        return handle

    def _follow(self, handle: SortieHandle, track_path: str | None) -> None:
        writer = TrackWriter(Path(track_path)) if track_path else None
        renewed = self.clock()
        try:
            while True:
                snap = self.fleet.snapshot(handle.vehicle)
                handle.last_mah = snap.battery_consumed_mah
                if self.clock() - renewed >= LEASE_RENEW_S:
                    renew_owner(self.db, handle.sortie_id, self.owner, self.utcnow())
                    renewed = self.clock()
                decision = handle.tracker.observe(snap, self.clock())
                if writer is not None and snap.latitude_deg is not None:
                    writer.append(
                        TrackPoint(
                            time_utc_s=self.utcnow().timestamp(),
                            latitude_deg=snap.latitude_deg,
                            longitude_deg=snap.longitude_deg or 0.0,
                            altitude_m=snap.altitude_relative_m or 0.0,
                            groundspeed_mps=snap.groundspeed_mps or 0.0,
                            battery_pct=float(snap.battery_remaining_pct or 0),
                            mode=snap.mode_name,
                        )
                    )
                if decision.event:
                    self._event(handle, "sortie", "warning", decision.event)
                if decision.command_return:
                    try:
                        self.commands.return_to_launch(handle.vehicle)
                    except (CommandError, LinkError) as exc:
                        self._event(handle, "sortie", "error", f"RTL not taken: {exc}")
                if decision.outcome is not None:
                    self._close(handle, decision.outcome, decision.reason)
                    return
                time.sleep(self.poll_s)
        except Exception as exc:  # the sortie must end recorded, whatever broke
            log.exception("sortie %s", handle.sortie_id)
            self._close(handle, SortieOutcome.FAILED, f"monitor failed: {exc}")
        finally:
            if writer is not None:
                writer.close()

    def _safe_out(self, vehicle: str) -> None:
        """After a failed start with the motors armed: land if on the ground, else come home."""
        snap = self.fleet.snapshot(vehicle)
        if not snap.armed:
            return
        try:
            if (snap.altitude_relative_m or 0.0) < 1.0:
                self.commands.run(vehicle, "disarm", {}, lambda: self.fleet.disarm(vehicle))
            else:
                self.commands.return_to_launch(vehicle)
        except (CommandError, LinkError):
            log.exception("%s: could not make the vehicle safe after a failed start", vehicle)

    def _close(self, handle: SortieHandle, outcome: SortieOutcome, reason: str) -> None:
        t = handle.tracker
        try:
            close_sortie(
                self.db,
                handle.sortie_id,
                outcome,
                reason,
                self.utcnow(),
                distance_m=t.distance_m,
                battery_used_pct=clamp_pct(t.battery_used_pct),
                battery_start_pct=clamp_pct(t.start_battery_pct),
                battery_end_pct=clamp_pct(t.last_battery_pct),
                battery_used_mah=used_mah(handle),
            )
        except StorageError:  # closed elsewhere (e.g. `abort` from another terminal): keep that
            record = get_sortie(self.db, handle.sortie_id)
            outcome, reason = SortieOutcome(record.outcome), record.reason
        handle.outcome, handle.reason = outcome, reason
        self._event(
            handle,
            "sortie",
            "info" if outcome == SortieOutcome.COMPLETED else "warning",
            f"sortie {handle.sortie_id} {outcome.value}: {reason}",
        )
        with self._lock:
            if self._sorties.get(handle.vehicle) is handle:
                del self._sorties[handle.vehicle]
                self._reserved.discard(handle.vehicle)
        handle.done.set()

    def _event(self, handle: SortieHandle, kind: str, severity: str, message: str) -> None:
        record_event(
            self.db,
            vehicle_name=handle.vehicle,
            kind=kind,
            severity=severity,
            message=message,
            now=self.utcnow(),
            sortie_id=handle.sortie_id,
        )
