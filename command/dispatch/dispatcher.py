"""The dispatcher that a web request, a schedule and an alert all use: calls that return at once.

`prepare(mission, vehicle, ...)` checks the mission and the vehicle (refusals raised at once,
nothing sent), records the sortie and returns its id; the upload and read-back run on the
vehicle's worker and end as SortiePrepared or SortieFailed. `launch(sortie_id, confirmed=...)`
arms, takes off and starts AUTO on the worker (SortieStarted, or SortieFailed); it may come
before the upload ended. Progress is published from the bus's telemetry (SortieAirborne,
ItemReached, SortieCompleted / SortieInterrupted / SortieFailed). `abort` is the one way to
end a sortie early, `retask` switches an airborne drone to a new mission, and what a sortie
leaves undone is published as WorkLeft (and handed to `requeue`). Every command is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

from command.dispatch import aborts, steps
from command.dispatch.adopt import Adopted, adopt
from command.dispatch.ledger import Ledger, Requeue
from command.dispatch.progress import Progress
from command.dispatch.readiness import (
    MIN_START_BATTERY_PCT,
    battery_calibration,
    battery_check,
    home_problems,
    vehicle_problems,
)
from command.dispatch.reconcile import Reconciliation, reconcile
from command.dispatch.sortie import (
    AbortOrder,
    DispatchError,
    PreflightRefused,
    Retasked,
    Sortie,
    Stage,
    VehicleNotReady,
    Work,
    continue_seq,
    record_start,
    returns_home,
)
from command.dispatch.tracker import SortieTracker
from command.events import EventBus
from command.link import Fleet, LinkState, VehicleSnapshot
from command.storage import (
    Database,
    SortieOutcome,
    StorageError,
    list_open_sorties,
    sortie_for_task,
)
from missions.checks import Finding, Limits, blocks_upload, check_mission
from missions.items import Mission
from missions.zones import Zone

MAX_HOME_OFFSET_M = 50.0
"""The vehicle must stand within this of the mission's planned home."""
AIRBORNE_ABOVE_M = 2.0
"""A re-tasked drone must be at least this high above home."""


class Dispatcher(Ledger):
    """Prepares, launches and follows sorties on the vehicles of a fleet, recording them."""

    def __init__(
        self,
        fleet: Fleet,
        db: Database,
        *,
        actor: str,
        bus: EventBus | None = None,
        zones: Sequence[Zone] = (),
        limits: Limits | None = None,
        tracks_dir: Path,
        reserve_pct: float = 25.0,
        min_start_battery_pct: float = MIN_START_BATTERY_PCT,
        clock: Callable[[], float] | None = None,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
        requeue: Requeue | None = None,
    ) -> None:
        """`bus`: the one the fleet publishes on (default: the fleet's); `actor`: who the
        dispatcher's own commands (a reserve RTL) are audited as; `requeue(work_left)` hands
        unfinished work to the queue and returns the id of the task that will fly it."""
        chosen = bus if bus is not None else fleet.bus
        if not isinstance(chosen, EventBus):
            raise DispatchError("the dispatcher needs the event bus the fleet publishes on")
        super().__init__(
            fleet,
            db,
            chosen,
            actor=actor,
            zones=zones,
            limits=limits or Limits(),
            reserve_pct=reserve_pct,
            min_start_battery_pct=min_start_battery_pct,
            tracks_dir=tracks_dir,
            clock=clock or fleet.clock,
            utcnow=utcnow,
            requeue=requeue,
        )
        self._starting: set[str] = set()
        self.progress = Progress(self)

    # --- checks ----------------------------------------------------------------------------
    def preflight(self, mission: Mission, vehicle: str) -> list[Finding]:
        """Mission checks and vehicle readiness; raises when the sortie may not start."""
        findings = self._mission_checks(mission)
        snap = self.fleet.snapshot(vehicle)
        problems = vehicle_problems(snap, self.min_start_battery_pct)
        problems += self._battery(mission, snap, vehicle) + self._home(mission, snap)
        with self.lock:
            here = self.by_vehicle.get(vehicle)
            if here is not None:
                problems.append(f"sortie {here.sortie_id} is {here.stage.value} on it")
            elif vehicle in self._starting:
                problems.append("another sortie is being prepared on it")
            mine = set(self.by_id)
        for other in list_open_sorties(self.db, vehicle):
            if other.id not in mine:
                problems.append(
                    f"sortie {other.id} is still open ({other.outcome.value}, followed by "
                    f"{other.owner or 'no one'}): reconcile it first"
                )
        if problems:
            raise VehicleNotReady(vehicle, problems)
        return findings

    def _mission_checks(self, mission: Mission) -> list[Finding]:
        findings = check_mission(mission, zones=self.zones, limits=self.limits)
        if blocks_upload(findings):
            raise PreflightRefused(findings)
        return findings

    def _battery(self, mission: Mission, snap: VehicleSnapshot, vehicle: str) -> list[str]:
        if snap.battery_remaining_pct is None:
            return []  # vehicle_problems says so already
        calibration = battery_calibration(self.db, vehicle)
        return list(
            battery_check(mission, snap, self.limits, self.reserve_pct, calibration).problems
        )

    def _home(self, mission: Mission, snap: VehicleSnapshot) -> list[str]:
        return home_problems(mission, snap, MAX_HOME_OFFSET_M)

    # --- prepare and launch ------------------------------------------------------------------
    def prepare(
        self,
        mission: Mission,
        vehicle: str,
        *,
        name: str,
        actor: str,
        work: Work | None = None,
        source_file: str | None = None,
        zone_name: str | None = None,
    ) -> int:
        """Check, record and start the upload of a new sortie; returns its id at once.

        Raises PreflightRefused / VehicleNotReady (nothing sent or stored) or DispatchError.
        The upload's end is published as SortiePrepared or SortieFailed.
        """
        work = work or Work()
        self._open()
        self.preflight(mission, vehicle)
        snap = self.fleet.snapshot(vehicle)
        with self.lock:  # one sortie per vehicle, even with two callers at once
            if self.closing or vehicle in self.by_vehicle or vehicle in self._starting:
                busy = "the dispatcher is closing" if self.closing else "another sortie took it"
                raise VehicleNotReady(vehicle, [busy])
            self._starting.add(vehicle)
        try:
            sortie = self._record(mission, vehicle, snap, name, actor, work, source_file, zone_name)
            with self.lock:
                self.by_vehicle[vehicle] = sortie
                self.by_id[sortie.sortie_id] = sortie
        finally:
            with self.lock:
                self._starting.discard(vehicle)
        self.submit(vehicle, steps.upload, self, sortie)
        return sortie.sortie_id

    def launch(self, sortie_id: int, *, confirmed: bool, actor: str) -> None:
        """Arm, take off and fly a prepared sortie (on its worker; returns at once). Without
        confirmation the sortie ends as aborted and the motors stay off."""
        with self.lock:
            sortie = self.by_id.get(sortie_id)
            if sortie is None:
                raise DispatchError(f"sortie {sortie_id} is not being prepared here")
            if sortie.stage not in (Stage.PREPARING, Stage.PREPARED) or sortie.launch_by:
                raise DispatchError(
                    f"sortie {sortie_id} is {sortie.stage.value}: not launched again"
                )
            if not confirmed:
                sortie.abort_reason = f"arming not confirmed by {actor}"
                prepared = sortie.stage is Stage.PREPARED
            else:
                sortie.launch_by = actor
                prepared = sortie.stage is Stage.PREPARED
        if not confirmed:
            if prepared:  # else the upload step closes it when the upload is done
                reason = f"{sortie.abort_reason}: the mission is uploaded, the motors stay off"
                self.submit(sortie.vehicle, self.end, sortie, SortieOutcome.ABORTED, reason)
            return
        if prepared:
            self.submit(sortie.vehicle, steps.launch, self, sortie)

    def _record(
        self,
        mission: Mission,
        vehicle: str,
        snap: VehicleSnapshot,
        name: str,
        actor: str,
        work: Work,
        source_file: str | None,
        zone_name: str | None,
    ) -> Sortie:
        try:
            stored, record = record_start(
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
                zone_name=zone_name or work.zone,
                task_id=work.task_id,
            )
        except StorageError as exc:
            raise DispatchError(
                f"{vehicle}: the sortie cannot be recorded, nothing was sent: {exc}"
            ) from exc
        tracker = SortieTracker(
            len(mission.items) + 1, returns_home(mission), self.reserve_pct, self.clock()
        )
        return Sortie(
            record.id,
            vehicle,
            name,
            mission,
            stored.name,
            actor,
            work,
            tracker,
            track_path=record.track_path,
            start_mah=snap.battery_consumed_mah,
        )

    def _open(self) -> None:
        if self.closing:
            raise DispatchError("the dispatcher is closing: nothing was sent")

    def _drop(self, sortie: Sortie, why: str) -> None:
        sortie.stage = Stage.PREPARING
        self.submit(sortie.vehicle, self.end, sortie, SortieOutcome.FAILED, f"{why}: nothing sent")

    # --- in the air --------------------------------------------------------------------------
    def retask(
        self,
        vehicle: str,
        mission: Mission,
        *,
        name: str,
        actor: str,
        work: Work | None = None,
        source_file: str | None = None,
    ) -> Retasked:
        """Switch the airborne drone flying one of our sorties to `mission`: checked and
        recorded now; the upload, read-back and switch (from the item after the take-off) run
        on its worker. The interrupted sortie's rest is returned, and published as WorkLeft
        (handed to `requeue`) once the switch is made."""
        work = work or Work()
        self._open()
        self._mission_checks(mission)
        snap = self.fleet.snapshot(vehicle)
        with self.lock:
            old = self.by_vehicle.get(vehicle)
        problems = self._airborne_problems(old, snap)
        problems += self._battery(mission, snap, vehicle) + self._home(mission, snap)
        if problems or old is None:
            raise VehicleNotReady(vehicle, problems)
        new = self._record(mission, vehicle, snap, name, actor, work, source_file, None)
        reason = f"re-tasked to sortie {new.sortie_id} ('{name}')"
        left = self.work_left(old, SortieOutcome.ABORTED, reason)
        with self.lock:
            if self.by_vehicle.get(vehicle) is not old or old.stage is not Stage.FLYING:
                self._drop(new, "the sortie in the air ended meanwhile")
                raise VehicleNotReady(vehicle, ["the sortie in the air ended meanwhile"])
            old.stage, old.left = Stage.RETASKING, left
            new.stage = Stage.RETASKING
            self.by_id[new.sortie_id] = new
        self.submit(vehicle, steps.switch, self, old, new, continue_seq(mission), actor)
        return Retasked(new.sortie_id, left)

    def _airborne_problems(self, old: Sortie | None, snap: VehicleSnapshot) -> list[str]:
        if old is None or old.stage is not Stage.FLYING:
            state = "none" if old is None else old.stage.value
            return [f"no sortie of this dispatcher is flying on it (sortie: {state})"]
        if snap.link is not LinkState.OK:
            return [f"link is {snap.link.value}"]
        if not snap.armed or (snap.altitude_relative_m or 0.0) < AIRBORNE_ABOVE_M:
            return ["it is not airborne"]
        if old.tracker.returning or old.tracker.pending is not None:
            return ["it is already coming home"]
        return []

    def abort(self, target: str | int, reason: str, actor: str) -> AbortOrder:
        """End a sortie early (by vehicle name or sortie id): one that has not flown stays on
        the ground; one in the air is brought home and ends as aborted once landed. A vehicle
        this dispatcher does not follow is sent home if armed, and its open sorties closed.
        The one abort path of the CLI, the console and the scheduler; returns at once."""
        return aborts.abort(self, target, reason, actor)

    def pause(self, vehicle: str, actor: str) -> Future[object]:
        """Hold position in the mission (on the vehicle's worker)."""
        sortie = self._flying(vehicle)
        self.note(sortie, "info", f"paused by {actor}")
        return self.submit(vehicle, self.commands(actor).pause, vehicle)

    def resume(self, vehicle: str, actor: str) -> Future[object]:
        """Carry on with the mission (on the vehicle's worker)."""
        sortie = self._flying(vehicle)
        self.note(sortie, "info", f"resumed by {actor}")
        return self.submit(vehicle, self.commands(actor).resume, vehicle)

    def _flying(self, vehicle: str) -> Sortie:
        with self.lock:
            sortie = self.by_vehicle.get(vehicle)
        if sortie is None or sortie.stage is not Stage.FLYING:
            raise DispatchError(f"no sortie is flying on {vehicle}")
        return sortie

    # --- reading -----------------------------------------------------------------------------
    def active(self) -> dict[str, Sortie]:
        """Sorties being prepared, launched or flown, by vehicle."""
        with self.lock:
            return dict(self.by_vehicle)

    def sortie(self, sortie_id: int) -> Sortie | None:
        """A sortie of this dispatcher not closed yet."""
        with self.lock:
            return self.by_id.get(sortie_id)

    def sortie_for(self, task_id: int) -> int | None:
        """The sortie flown (or flying) for a queued task, from the records."""
        with self.lock:
            for sortie in self.by_id.values():
                if sortie.work.task_id == task_id:
                    return sortie.sortie_id
        record = sortie_for_task(self.db, task_id)
        return None if record is None else record.id

    def reconcile(self, vehicle: str) -> list[Reconciliation]:
        """Close the open sorties of `vehicle` that no running process follows, from what the
        vehicle reports now (nothing is sent to it); see command.dispatch.reconcile."""
        return reconcile(self.db, vehicle, self.fleet.snapshot(vehicle), self.utcnow())

    def adopt(self, vehicle: str, gone: Collection[str] = ()) -> list[Adopted]:
        """Follow here the open sorties of `vehicle` that a stopped process (one of `gone`, or
        any whose owner no longer runs) left in the air; close those found landed. Nothing is
        sent to the vehicle; see command.dispatch.adopt."""
        if self.closing:
            return []
        return adopt(self, vehicle, gone, self.utcnow())

    # --- shutting down -----------------------------------------------------------------------
    def fence(self, reason: str) -> None:
        """Stop acting at once (this process lost the right to): no step starts, the queued
        ones are dropped, the sorties are no longer followed and nothing more is recorded for
        them — the process that takes over adopts them. A step already sending finishes."""
        with self.lock:
            self.closing = True
            self.fenced = reason
            workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.shutdown(wait=False, cancel_futures=True)
        self.progress.close()

    def close(self) -> None:
        """Shut down: running steps end (none starts), open sorties close as aborted — a drone
        in the air flies on under its own failsafes (no command is sent) — and following stops.
        A fenced dispatcher records nothing more: its open sorties stay for their new owner."""
        with self.lock:
            self.closing = True
        self.stop_workers()
        if self.fenced is not None:
            return
        with self.lock:
            left = list(self.by_id.values())
        for s in left:
            flying = s.stage in (Stage.FLYING, Stage.RETASKING, Stage.LAUNCHING)
            why = (
                "the command centre shut down while it flew: the vehicle flies on under its "
                "own failsafes"
                if flying
                else "the command centre shut down before launch: the motors stay off"
            )
            self.end(s, SortieOutcome.ABORTED, why)
        self.progress.close()
