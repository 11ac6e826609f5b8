"""What the dispatcher's parts share: the fleet, database, bus and clocks; the sorties being
prepared or flown, by vehicle and by id; one worker thread per vehicle, on which every command
to that vehicle runs in order; and the closing of a sortie — its record, its last events and,
when it ends before its work is done, the work it leaves for the queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from command.dispatch.audited import AuditedFleet
from command.dispatch.owner import this_process
from command.dispatch.sortie import Sortie, Stage, clamp_pct, used_mah
from command.events import (
    Event,
    EventBus,
    SortieCompleted,
    SortieFailed,
    SortieInterrupted,
    WorkLeft,
)
from command.link import Fleet
from command.storage import (
    Database,
    SortieOutcome,
    StorageError,
    close_sortie,
    get_sortie,
    record_event,
)
from missions.checks import Limits
from missions.remainder import remaining_work, resume_mission
from missions.transit import TransitError
from missions.zones import Zone

log = logging.getLogger("command.dispatch")

Requeue = Callable[[WorkLeft], int | None]
"""Hands work left to the queue; returns the id of the task that will fly it, if any."""


class Ledger:
    """Shared state of one dispatcher; thread-safe."""

    def __init__(
        self,
        fleet: Fleet,
        db: Database,
        bus: EventBus,
        *,
        actor: str,
        zones: Sequence[Zone],
        limits: Limits,
        reserve_pct: float,
        min_start_battery_pct: float,
        tracks_dir: Path,
        clock: Callable[[], float],
        utcnow: Callable[[], datetime],
        requeue: Requeue | None,
    ) -> None:
        self.fleet = fleet
        self.db = db
        self.bus = bus
        self.actor = actor
        self.zones = zones
        self.limits = limits
        self.reserve_pct = reserve_pct
        self.min_start_battery_pct = min_start_battery_pct
        self.tracks_dir = tracks_dir
        self.clock = clock
        self.utcnow = utcnow
        self.requeue = requeue
        self.owner = this_process()
        self.lock = threading.RLock()
        self.by_vehicle: dict[str, Sortie] = {}
        self.by_id: dict[int, Sortie] = {}
        self.closing = False
        self.fenced: str | None = None  # why this process stopped acting (see Dispatcher.fence)
        self._workers: dict[str, ThreadPoolExecutor] = {}
        self._audited: dict[str, AuditedFleet] = {}

    # --- commands --------------------------------------------------------------------------
    def commands(self, actor: str) -> AuditedFleet:
        """The fleet's commands audited as `actor`."""
        with self.lock:
            audited = self._audited.get(actor)
            if audited is None:
                audited = AuditedFleet(self.fleet, self.db, actor, self.utcnow, self.limits)
                self._audited[actor] = audited
            return audited

    def submit(self, vehicle: str, step: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run a step on the vehicle's worker, after the steps queued before it (none once the
        dispatcher is closing: the future fails)."""
        with self.lock:
            if self.closing:
                refused: Future[Any] = Future()
                refused.set_exception(RuntimeError("the dispatcher is closing: nothing was sent"))
                return refused
            worker = self._workers.get(vehicle)
            if worker is None:
                worker = ThreadPoolExecutor(1, thread_name_prefix=f"dispatch-{vehicle}")
                self._workers[vehicle] = worker
        return worker.submit(_logged, step, *args)

    def stop_workers(self) -> None:
        """Let each worker finish its running step; queued steps are dropped."""
        with self.lock:
            workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.shutdown(wait=True, cancel_futures=True)

    # --- events and records ----------------------------------------------------------------
    def publish(self, event: Event) -> None:
        """Hand an event to the bus (never waits)."""
        self.bus.publish(event)

    def note(self, sortie: Sortie, severity: str, message: str) -> None:
        """A line in the vehicle's event log, for the sortie."""
        try:
            record_event(
                self.db,
                vehicle_name=sortie.vehicle,
                kind="sortie",
                severity=severity,
                message=message,
                now=self.utcnow(),
                sortie_id=sortie.sortie_id,
            )
        except StorageError:
            log.exception("sortie %s: event not recorded: %s", sortie.sortie_id, message)

    def work_left(self, sortie: Sortie, outcome: SortieOutcome, reason: str) -> WorkLeft | None:
        """What the sortie leaves undone, from the last item its vehicle reported reached (None:
        nothing left, or a mission whose rest cannot be worked out)."""
        reached = sortie.tracker.reached
        try:
            rest = remaining_work(
                sortie.mission, sortie.work.lanes, reached - 1 if reached else None
            )
            if rest is None:
                return None
            mission = resume_mission(rest, sortie.mission.home, self.zones)
        except (TransitError, ValueError, IndexError):
            log.exception("sortie %s: what is left cannot be worked out", sortie.sortie_id)
            return None
        w = sortie.work
        return WorkLeft(
            time_utc=self.utcnow(),
            sortie_id=sortie.sortie_id,
            vehicle=sortie.vehicle,
            task_id=w.task_id,
            zone=w.zone,
            priority=w.priority,
            outcome=outcome.value,
            reason=reason,
            work_s=rest.work_s,
            first_lane=rest.first_lane,
            lanes_left=rest.lanes_left,
            lanes_total=rest.lanes_total,
            rest=rest,
            mission=mission,
        )

    def hand_over(self, sortie: Sortie, outcome: SortieOutcome, reason: str) -> None:
        """Publish (once) the work the sortie leaves, after handing it to the queue."""
        with self.lock:
            if sortie.left_sent or not sortie.flew:
                return
            sortie.left_sent = True
        left = sortie.left or self.work_left(sortie, outcome, reason)
        sortie.left = left
        if left is None:
            return
        if self.requeue is not None:
            try:
                sortie.requeued_task_id = self.requeue(left)
            except Exception:  # the queue's trouble must not keep the sortie open
                log.exception("sortie %s: the work left was not queued", sortie.sortie_id)
        self.publish(left)

    def end(self, sortie: Sortie, outcome: SortieOutcome, reason: str) -> None:
        """Record the sortie's outcome (a stored one set elsewhere wins), publish its last
        events and free its vehicle. Closing twice does nothing."""
        with self.lock:
            if sortie.stage is Stage.CLOSED:
                return
            if self.fenced is not None:  # not ours to record any more: its new owner will
                log.warning("sortie %s not closed here (%s)", sortie.sortie_id, self.fenced)
                return
            sortie.stage = Stage.CLOSED
        t = sortie.tracker
        try:
            close_sortie(
                self.db,
                sortie.sortie_id,
                outcome,
                reason,
                self.utcnow(),
                distance_m=t.distance_m,
                battery_used_pct=clamp_pct(t.battery_used_pct),
                battery_start_pct=clamp_pct(t.start_battery_pct),
                battery_end_pct=clamp_pct(t.last_battery_pct),
                battery_used_mah=used_mah(sortie),
            )
        except StorageError:  # closed elsewhere (an `abort` from another terminal): keep that
            try:
                record = get_sortie(self.db, sortie.sortie_id)
                outcome, reason = SortieOutcome(record.outcome), record.reason
            except StorageError:
                log.exception("sortie %s: its outcome cannot be read back", sortie.sortie_id)
        if sortie.writer is not None:
            sortie.writer.close()
        sortie.outcome, sortie.reason = outcome, reason
        done = outcome is SortieOutcome.COMPLETED
        self.note(
            sortie, "info" if done else "warning", f"sortie {sortie.sortie_id} {outcome}: {reason}"
        )
        if not done:
            self.hand_over(sortie, outcome, reason)
        with self.lock:
            if self.by_vehicle.get(sortie.vehicle) is sortie:
                del self.by_vehicle[sortie.vehicle]
            self.by_id.pop(sortie.sortie_id, None)
        self.publish(self._last_event(sortie, outcome, reason))
        sortie.done.set()

    def _last_event(self, sortie: Sortie, outcome: SortieOutcome, reason: str) -> Event:
        at, sid, vehicle = self.utcnow(), sortie.sortie_id, sortie.vehicle
        if outcome is SortieOutcome.COMPLETED:
            used = sortie.tracker.battery_used_pct
            return SortieCompleted(
                time_utc=at,
                sortie_id=sid,
                vehicle=vehicle,
                distance_m=sortie.tracker.distance_m,
                battery_used_pct=used,
            )
        if outcome is SortieOutcome.FAILED:
            return SortieFailed(time_utc=at, sortie_id=sid, vehicle=vehicle, reason=reason)
        return SortieInterrupted(
            time_utc=at,
            sortie_id=sid,
            vehicle=vehicle,
            outcome=outcome.value,
            reason=reason,
            requeued_task_id=sortie.requeued_task_id,
        )


def _logged(step: Callable[..., Any], *args: Any) -> Any:
    try:
        return step(*args)
    except Exception:  # a step's own handlers close the sortie; this is the last guard
        log.exception("dispatch step %s failed", getattr(step, "__name__", step))
        raise
