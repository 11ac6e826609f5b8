"""The dispatch queue: tasks in the database, ordered by priority then due time, given to drones.

Every change is committed before the method returns, so a killed process loses nothing; a task
that waits has its reason stored (and logged for compliance) and shown. `pick(now)` decides
for every pending task — assign, pre-empt, or wait — and carries the decisions out through the
`Dispatch` seam. Time is passed in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from command.events import EventBus, TaskAssigned, TaskWaiting
from command.events.types import Event
from command.storage import Database, DuplicateNameError

from . import log
from .choice import DroneChooser, Pick
from .conditions import Conditions
from .tables import PatrolTaskRow
from .tasks import (
    CRITICAL,
    OPEN_STATES,
    PENDING_STATES,
    Assign,
    Cause,
    Decision,
    Dispatch,
    DispatchRefused,
    Hold,
    NewTask,
    Preempt,
    Remainder,
    Task,
    TaskKind,
    TaskState,
    VehicleState,
    Wait,
)

_log = logging.getLogger("command.patrols")
ZONE_WORK = (TaskKind.PATROL, TaskKind.RESUME_REMAINING)


class TaskError(ValueError):
    """A task cannot be changed as asked (unknown id, wrong state): nothing was changed."""


class DuplicateRun(TaskError):
    """A task for this scheduled run is already stored."""


class DispatchQueue:
    """Queued work for the fleet, persisted in `patrol_tasks`; thread-safe.

    `critical_reserve` free drones are kept on the ground when a critical patrol falls due
    (`critical_due`, set by the patrol scheduler) before a less urgent sortie would be back.
    """

    def __init__(
        self,
        database: Database,
        dispatch: Dispatch,
        conditions: Conditions | None = None,
        chooser: DroneChooser | None = None,
        bus: EventBus | None = None,
        critical_reserve: int = 0,
    ) -> None:
        if critical_reserve < 0:
            raise ValueError("critical_reserve must be zero or more")
        self.database = database
        self.critical_reserve = critical_reserve
        self.critical_due: Callable[[], datetime | None] | None = None
        self._critical_due_now: tuple[datetime | None] | None = None
        self.dispatch = dispatch
        self.conditions = conditions or Conditions()
        self.chooser = chooser or DroneChooser()
        self.bus = bus
        self._lock = threading.RLock()

    # --- adding and reading ----------------------------------------------------------------
    def enqueue(self, new: NewTask, now: datetime) -> Task:
        """Store a new queued task (DuplicateRun if its scheduled run is already stored)."""
        if not 1 <= new.priority <= 4:
            raise TaskError(f"task for {new.zone!r}: priority {new.priority!r} not 1 … 4")
        if not new.work_s >= 0:
            raise TaskError(f"task for {new.zone!r}: work_s {new.work_s!r} is negative")
        row = PatrolTaskRow(
            kind=new.kind.value,
            zone=new.zone,
            priority=new.priority,
            due_at=new.due_at,
            run_key=new.run_key,
            state=TaskState.QUEUED.value,
            cause="",
            reason="",
            latitude_deg=new.latitude_deg,
            longitude_deg=new.longitude_deg,
            work_s=new.work_s,
            sensors=list(new.sensors),
            detail=dict(new.detail),
            parent_task_id=new.parent_task_id,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._lock, self.database.transaction() as session:
                session.add(row)
                session.flush()
                return _task(row)
        except DuplicateNameError as error:
            raise DuplicateRun(f"run {new.run_key!r} is already queued") from error

    def get(self, task_id: int) -> Task:
        """The task with that id (TaskError when unknown)."""
        with self.database.reading() as session:
            row = session.get(PatrolTaskRow, task_id)
            if row is None:
                raise TaskError(f"no task {task_id}")
            return _task(row)

    def tasks(
        self, states: Iterable[TaskState] | None = None, zone: str | None = None
    ) -> list[Task]:
        """Tasks in queue order (priority, due time), optionally of some states or one zone."""
        query = select(PatrolTaskRow).order_by(
            PatrolTaskRow.priority, PatrolTaskRow.due_at, PatrolTaskRow.id
        )
        if states is not None:
            query = query.where(PatrolTaskRow.state.in_([s.value for s in states]))
        if zone is not None:
            query = query.where(PatrolTaskRow.zone == zone)
        with self.database.reading() as session:
            return [_task(r) for r in session.scalars(query)]

    def open_task(self, zone: str) -> Task | None:
        """The zone's patrol (or resumed remainder) still queued, waiting or flying, if any."""
        query = (
            select(PatrolTaskRow)
            .where(PatrolTaskRow.zone == zone)
            .where(PatrolTaskRow.kind.in_([k.value for k in ZONE_WORK]))
            .where(PatrolTaskRow.state.in_([s.value for s in OPEN_STATES]))
            .order_by(PatrolTaskRow.id)
            .limit(1)
        )
        with self.database.reading() as session:
            row = session.scalars(query).first()
            return _task(row) if row is not None else None

    def task_for_sortie(self, sortie_id: int) -> Task | None:
        """The open task a sortie flies, if any."""
        query = select(PatrolTaskRow).where(
            PatrolTaskRow.sortie_id == sortie_id, PatrolTaskRow.state == TaskState.FLYING.value
        )
        with self.database.reading() as session:
            row = session.scalars(query).first()
            return _task(row) if row is not None else None

    # --- deciding ----------------------------------------------------------------------------
    def pick(self, now: datetime) -> list[Decision]:
        """Decide for every pending task due by `now` and carry the decisions out."""
        with self._lock:
            open_tasks = self.tasks(PENDING_STATES | {TaskState.FLYING})
            pending = [t for t in open_tasks if t.state in PENDING_STATES and t.due_at <= now]
            if not pending:
                return []
            fleet = list(self.dispatch.fleet(now))
            flying = {t.id: t for t in open_tasks if t.state is TaskState.FLYING}
            self._critical_due_now = None
            decisions = self._decide(pending, fleet, flying, now)
            done = [self._carry_out(d, now) for d in decisions]
            self._wait_all([d for d in done if isinstance(d, Wait)], now)
            return done

    def _decide(
        self,
        pending: Sequence[Task],
        fleet: list[VehicleState],
        flying: dict[int, Task],
        now: datetime,
    ) -> list[Decision]:
        taken: set[str] = set()
        decisions: list[Decision] = []
        for task in pending:
            hold = self.conditions.forbids(
                task.latitude_deg, task.longitude_deg, task.priority, now
            )
            if hold is not None:
                decisions.append(Wait(task, hold))
                continue
            vehicles = [v for v in fleet if v.name not in taken]
            chosen = self.chooser.choose(task, vehicles)
            if isinstance(chosen, Pick):
                kept = self._kept_for_critical(task, vehicles, chosen, now)
                if kept is not None:
                    decisions.append(Wait(task, kept))
                    continue
                decisions.append(Assign(task, chosen.vehicle))
                taken.add(chosen.vehicle)
                continue
            if task.priority <= CRITICAL:
                displaceable = {
                    t.id
                    for t in flying.values()
                    if t.priority > task.priority and t.kind is not TaskKind.QUICK_RESPONSE
                }
                airborne = self.chooser.choose_airborne(task, vehicles, displaceable)
                if airborne is not None:
                    on = next(v for v in vehicles if v.name == airborne.vehicle)
                    assert on.task_id is not None
                    decisions.append(Preempt(airborne.vehicle, task, flying[on.task_id]))
                    taken.add(airborne.vehicle)
                    continue
            decisions.append(Wait(task, chosen))
        return decisions

    def _kept_for_critical(
        self, task: Task, vehicles: Sequence[VehicleState], chosen: Pick, now: datetime
    ) -> Hold | None:
        """Less urgent work may not take the last `critical_reserve` free drones when a critical
        patrol falls due before its sortie would be back."""
        if task.priority <= CRITICAL or not self.critical_reserve or self.critical_due is None:
            return None
        free = sum(1 for v in vehicles if v.unavailable() is None)
        if free > self.critical_reserve:
            return None
        if self._critical_due_now is None:  # asked once per round
            self._critical_due_now = (self.critical_due(),)
        (due,) = self._critical_due_now
        if due is None or due > now + timedelta(seconds=chosen.sortie_s):
            return None
        return Hold(
            Cause.KEPT_FOR_CRITICAL,
            f"the last free drone{'s' if free > 1 else ''} kept for critical patrols "
            f"(next due {due.strftime('%H:%M UTC')})",
        )

    def _carry_out(self, decision: Decision, now: datetime) -> Decision:
        """Assignments and pre-emptions now, one by one; waits are recorded together after."""
        if isinstance(decision, Wait):
            return decision
        task = decision.task
        vehicle = decision.vehicle
        self._update(task.id, now, state=TaskState.ASSIGNED, vehicle=vehicle, assigned=True)
        try:
            if isinstance(decision, Preempt):
                sortie = self.dispatch.retask(decision, now)
            else:
                sortie = self.dispatch.prepare(task, vehicle, now)
        except DispatchRefused as refused:
            hold = Hold(Cause.REFUSED, f"{vehicle}: {refused.reason}")
            return Wait(replace(task, state=TaskState.ASSIGNED), hold)
        self._update(task.id, now, state=TaskState.FLYING, sortie_id=sortie)
        displaced = None
        if isinstance(decision, Preempt):
            displaced = decision.displaced_task.id
            self._finish(
                displaced,
                now,
                TaskState.INTERRUPTED,
                f"re-tasked to critical task {task.id} ({task.zone}) on {vehicle}",
            )
        self._publish(
            TaskAssigned(
                time_utc=now,
                task_id=task.id,
                zone=task.zone,
                vehicle=vehicle,
                preempted_task_id=displaced,
            )
        )
        return decision

    def _wait_all(self, waits: Sequence[Wait], now: datetime) -> None:
        """Store the new wait reasons of a round in one transaction; unchanged ones are left."""
        changed = [
            w
            for w in waits
            if not (
                w.task.state is TaskState.WAITING
                and w.task.cause == w.hold.cause.value
                and w.task.reason == w.hold.reason
            )
        ]
        if not changed:
            return
        ids = [w.task.id for w in changed]
        with self.database.transaction() as session:
            rows = {r.id: r for r in session.scalars(select(PatrolTaskRow).where(_in(ids)))}
            spells = log.open_task_spells(session, ids)
            for wait in changed:
                row = rows[wait.task.id]
                row.state = TaskState.WAITING.value
                row.cause = wait.hold.cause.value
                row.reason = wait.hold.reason
                row.vehicle = None
                row.updated_at = now
                spell = spells.get(row.id)
                if spell is None or spell.cause != wait.hold.cause.value:
                    if spell is not None:
                        spell.until = now
                    log.add_spell(session, row.zone, wait.hold, now, row.id)
        for wait in changed:
            task = wait.task
            if task.state is not TaskState.WAITING or task.cause != wait.hold.cause.value:
                self._publish(
                    TaskWaiting(
                        time_utc=now, task_id=task.id, zone=task.zone, reason=wait.hold.reason
                    )
                )

    # --- what the fleet reports ------------------------------------------------------------
    def task_completed(self, task_id: int, now: datetime) -> Task:
        """The task's sortie flew all of its work."""
        return self._finish(task_id, now, TaskState.DONE, "")

    def task_interrupted(
        self, task_id: int, now: datetime, reason: str, remainder: Remainder | None = None
    ) -> Task | None:
        """The task's sortie ended early; what remains goes back in the queue as a resume task
        (keeping the task's place: same priority and due time). The resume task, if any."""
        with self._lock:
            task = self.get(task_id)
            if task.state is not TaskState.INTERRUPTED:
                task = self._finish(task_id, now, TaskState.INTERRUPTED, reason)
            if remainder is None or remainder.work_s <= 0:
                return None
            with self.database.reading() as session:
                child = session.scalars(
                    select(PatrolTaskRow.id).where(PatrolTaskRow.parent_task_id == task_id)
                ).first()
            if child is not None:
                return self.get(child)
            return self.enqueue(
                NewTask(
                    kind=TaskKind.RESUME_REMAINING,
                    zone=task.zone,
                    priority=task.priority,
                    due_at=task.due_at,
                    latitude_deg=task.latitude_deg,
                    longitude_deg=task.longitude_deg,
                    work_s=remainder.work_s,
                    sensors=task.sensors,
                    detail=MappingProxyType({**task.detail, **remainder.detail}),
                    parent_task_id=task.id,
                ),
                now,
            )

    def cancel(self, task_id: int, now: datetime, reason: str) -> Task:
        """Take a task out of the queue (an officer's decision, a zone no longer patrolled)."""
        return self._finish(task_id, now, TaskState.CANCELLED, reason)

    def recover(self, now: datetime) -> list[Task]:
        """After a restart: tasks left assigned or flying keep the sortie the fleet knows for
        them; the others go back in the queue. The tasks put back."""
        requeued = []
        with self._lock:
            for task in self.tasks([TaskState.ASSIGNED, TaskState.FLYING]):
                sortie = self.dispatch.sortie_for(task.id)
                if sortie is not None:
                    self._update(task.id, now, state=TaskState.FLYING, sortie_id=sortie)
                    continue
                hold = Hold(Cause.RESTART, "restarted: no sortie known for it, queued again")
                with self.database.transaction() as session:
                    row = _row(session, task.id)
                    row.state = TaskState.QUEUED.value
                    row.vehicle = None
                    row.sortie_id = None
                    row.updated_at = now
                    log.note(session, task.zone, hold, now, task.id)
                requeued.append(self.get(task.id))
        return requeued

    # --- storage -------------------------------------------------------------------------------
    def _update(
        self,
        task_id: int,
        now: datetime,
        *,
        state: TaskState,
        vehicle: str | None = None,
        sortie_id: int | None = None,
        assigned: bool = False,
    ) -> None:
        with self.database.transaction() as session:
            row = _row(session, task_id)
            row.state = state.value
            row.cause = ""
            row.reason = ""
            if vehicle is not None:
                row.vehicle = vehicle
            if sortie_id is not None:
                row.sortie_id = sortie_id
            if assigned:
                row.assigned_at = now
            row.updated_at = now
            log.close_spells(session, row.zone, now, task_id)

    def _finish(self, task_id: int, now: datetime, state: TaskState, reason: str) -> Task:
        with self._lock, self.database.transaction() as session:
            row = _row(session, task_id)
            if not TaskState(row.state).is_open:
                raise TaskError(f"task {task_id} is already {row.state}")
            row.state = state.value
            row.cause = ""
            row.reason = reason
            row.finished_at = now
            row.updated_at = now
            log.close_spells(session, row.zone, now, task_id)
            return _task(row)

    def _publish(self, event: Event) -> None:
        if self.bus is not None:
            self.bus.publish(event)


def _in(ids: Sequence[int]) -> ColumnElement[bool]:
    return PatrolTaskRow.id.in_(ids)


def _row(session: Session, task_id: int) -> PatrolTaskRow:
    row = session.get(PatrolTaskRow, task_id)
    if row is None:
        raise TaskError(f"no task {task_id}")
    return row


def _task(row: PatrolTaskRow) -> Task:
    return Task(
        id=row.id,
        kind=TaskKind(row.kind),
        zone=row.zone,
        priority=row.priority,
        due_at=row.due_at,
        state=TaskState(row.state),
        cause=row.cause,
        reason=row.reason,
        vehicle=row.vehicle,
        sortie_id=row.sortie_id,
        latitude_deg=row.latitude_deg,
        longitude_deg=row.longitude_deg,
        work_s=row.work_s,
        sensors=tuple(row.sensors),
        detail=MappingProxyType(dict(row.detail)),
        parent_task_id=row.parent_task_id,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
