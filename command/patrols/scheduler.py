"""Recurring patrols: one APScheduler job per zone in its SQLAlchemy job store (the
application's database), driven with an injected clock.

APScheduler 3's own loop reads datetime.now(), so due jobs are run here by `advance(now)`, which
does what BaseScheduler._process_jobs does — the store's due jobs, each job's run times, one
run when they coalesce, the trigger's next fire time written back — and, instead of handing the
job to an executor, puts the zone's patrol in the dispatch queue unless the previous one is
still queued or flying. The same path serves tests (a week in seconds) and the edge thread
(`PatrolClock`) that waits for the real clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_PAUSED, BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

from command.events import EventBus, PatrolDue, PatrolSkipped
from command.events.types import Event
from command.storage import Database

from . import log
from .queue import DispatchQueue, DuplicateRun
from .tables import PatrolTaskRow
from .tasks import CRITICAL, Cause, Hold, NewTask, TaskKind
from .zones import PatrolZone, PatrolZoneError

JOB_TARGET = "command.patrols.scheduler:patrol_job"
JOB_PREFIX = "patrol:"
LATE = timedelta(minutes=1)
"""A run queued later than this after it came due gets the delay logged."""
EDITABLE = frozenset(
    {"revisit_minutes", "priority", "work_s", "sensors", "latitude_deg", "longitude_deg"}
)


def patrol_job(**kwargs: Any) -> None:
    """The target stored with every patrol job. `PatrolScheduler.advance` acts on the job's
    kwargs itself; an APScheduler executor must not run patrol jobs."""
    raise RuntimeError("patrol jobs are run by PatrolScheduler.advance(now), not an executor")


class ScheduleError(ValueError):
    """A schedule cannot be changed as asked (unknown zone, bad interval): nothing changed."""


@dataclass(frozen=True)
class PatrolSchedule:
    """A zone's schedule as stored: every `revisit_minutes`, next due (None: paused)."""

    zone: str
    priority: int
    revisit_minutes: float
    next_due: datetime | None
    work_s: float
    sensors: tuple[str, ...]

    @property
    def paused(self) -> bool:
        return self.next_due is None


class _StoreScheduler(BaseScheduler):
    """APScheduler's job bookkeeping (stores, jobs, pause/modify) without its own loop."""

    def __init__(self, on_wakeup: Callable[[], None]) -> None:
        self._on_wakeup = on_wakeup
        super().__init__(
            timezone=UTC,
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        self._on_wakeup()


class PatrolScheduler:
    """One recurring patrol job per zone; `advance(now)` queues the patrols that came due."""

    def __init__(
        self,
        database: Database,
        queue: DispatchQueue,
        bus: EventBus | None = None,
        *,
        misfire_grace_s: float | None = None,
        tablename: str = "apscheduler_jobs",
    ) -> None:
        self.database = database
        self.queue = queue
        self.bus = bus
        self.misfire_grace_s = misfire_grace_s
        self.wake = threading.Event()
        self._store = SQLAlchemyJobStore(engine=database.engine, tablename=tablename)
        self._aps = _StoreScheduler(self._changed)
        self._horizon: datetime | None = None  # nothing due before this (None: look)
        self._horizon_known = False
        self._priorities: dict[str, int] = {}  # job id → zone priority, kept with the store
        queue.critical_due = self.next_critical_due
        self._aps.add_jobstore(self._store, "default")
        self._lock = threading.RLock()

    def start(self) -> None:
        """Open the job store: the schedules stored before a restart are there again."""
        self._aps.start()
        self._priorities = {j.id: j.kwargs["priority"] for j in self._aps.get_jobs()}

    def close(self) -> None:
        """Stop using the job store (the stored schedules stay)."""
        if self._aps.running:
            self._aps.shutdown()
        self.wake.set()

    # --- schedules -------------------------------------------------------------------------
    def schedule(self, zone: PatrolZone, now: datetime, first_due: datetime | None = None) -> None:
        """Patrol the zone every revisit interval from `first_due` (default now); replaces its
        schedule. A zone without a revisit interval loses its schedule."""
        if not zone.patrolled:
            self.unschedule(zone.name, missing_ok=True)
            return
        assert zone.revisit_minutes is not None
        trigger = _trigger(zone.revisit_minutes, first_due or now)
        with self._lock:
            self._aps.add_job(
                JOB_TARGET,
                trigger,
                kwargs=_kwargs(zone),
                id=job_id(zone.name),
                name=zone.name,
                misfire_grace_time=self.misfire_grace_s,
                next_run_time=trigger.get_next_fire_time(None, now),
                replace_existing=True,
            )
            self._priorities[job_id(zone.name)] = zone.priority

    def sync(self, zones: Iterable[PatrolZone], now: datetime) -> dict[str, list[str]]:
        """Make the schedules match the zones: add new ones, edit changed ones (keeping their
        rhythm), drop those gone or no longer patrolled. The zone names per change."""
        changes: dict[str, list[str]] = {"added": [], "edited": [], "removed": []}
        wanted = {z.name: z for z in zones if z.patrolled}
        with self._lock:
            held = {s.zone: s for s in self.schedules()}
            for name in sorted(set(held) - set(wanted)):
                self.unschedule(name)
                changes["removed"].append(name)
            for name, zone in wanted.items():
                if name not in held:
                    self.schedule(zone, now)
                    changes["added"].append(name)
                elif _differs(held[name], zone):
                    self.edit(
                        name,
                        now,
                        revisit_minutes=zone.revisit_minutes,
                        priority=zone.priority,
                        work_s=zone.work_s,
                        sensors=zone.sensors,
                        latitude_deg=zone.latitude_deg,
                        longitude_deg=zone.longitude_deg,
                    )
                    changes["edited"].append(name)
        return changes

    def edit(self, zone: str, now: datetime, **fields: Any) -> PatrolSchedule:
        """Change a schedule at run time: revisit_minutes, priority, work_s, sensors,
        latitude_deg, longitude_deg. A new interval counts from the zone's last due time (due
        now if that is already past); a paused schedule stays paused."""
        unknown = set(fields) - EDITABLE
        if unknown:
            raise ScheduleError(f"zone {zone!r}: cannot edit {', '.join(sorted(unknown))}")
        with self._lock:
            job = self._job(zone)
            old = job.trigger.interval
            revisit = fields.pop("revisit_minutes", None)
            kwargs = {**job.kwargs, **fields}
            kwargs["sensors"] = sorted(set(kwargs["sensors"]))
            minutes = old.total_seconds() / 60.0 if revisit is None else revisit
            try:
                checked = PatrolZone(
                    name=zone,
                    priority=kwargs["priority"],
                    revisit_minutes=minutes,
                    latitude_deg=kwargs["latitude_deg"],
                    longitude_deg=kwargs["longitude_deg"],
                    work_s=kwargs["work_s"],
                    sensors=tuple(kwargs["sensors"]),
                )
            except PatrolZoneError as error:
                raise ScheduleError(str(error)) from error
            if not checked.patrolled:
                raise ScheduleError(f"zone {zone!r}: revisit_minutes {minutes!r} not positive")
            changes: dict[str, Any] = {"kwargs": _kwargs(checked)}
            if timedelta(minutes=minutes) != old:
                last_due = job.next_run_time - old if job.next_run_time is not None else now
                trigger = _trigger(minutes, max(last_due + timedelta(minutes=minutes), now))
                changes["trigger"] = trigger
                if job.next_run_time is not None:
                    changes["next_run_time"] = trigger.get_next_fire_time(None, now)
            self._aps.modify_job(job.id, **changes)
            self._priorities[job.id] = checked.priority
            return self.get(zone)

    def pause(self, zone: str, now: datetime, reason: str = "paused") -> None:
        """Stop the zone's patrols coming due until resumed (the gap's reason is logged)."""
        with self._lock:
            job = self._job(zone)
            if job.next_run_time is None:
                return
            self._aps.modify_job(job.id, next_run_time=None)
            with self.database.transaction() as session:
                log.open_spell(session, zone, Hold(Cause.PAUSED, f"schedule {reason}"), now)

    def resume(self, zone: str, now: datetime) -> None:
        """Resume a paused zone: next due at the next point of its rhythm from now."""
        with self._lock:
            job = self._job(zone)
            if job.next_run_time is not None:
                return
            self._aps.modify_job(job.id, next_run_time=job.trigger.get_next_fire_time(None, now))
            with self.database.transaction() as session:
                log.close_spells(session, zone, now, cause=Cause.PAUSED)

    def unschedule(self, zone: str, missing_ok: bool = False) -> None:
        """Remove the zone's schedule."""
        with self._lock:
            if self._aps.get_job(job_id(zone)) is None:
                if missing_ok:
                    return
                raise ScheduleError(f"zone {zone!r} has no patrol schedule")
            self._aps.remove_job(job_id(zone))
            self._priorities.pop(job_id(zone), None)

    def get(self, zone: str) -> PatrolSchedule:
        """One zone's schedule (ScheduleError when it has none)."""
        return _schedule(self._job(zone))

    def schedules(self) -> list[PatrolSchedule]:
        """Every stored schedule, soonest due first (paused last)."""
        return [_schedule(j) for j in self._aps.get_jobs() if j.id.startswith(JOB_PREFIX)]

    def next_due(self) -> datetime | None:
        """When the next patrol comes due (None: nothing scheduled)."""
        with self._lock:
            if not self._horizon_known:
                self._horizon = self._store.get_next_run_time()
                self._horizon_known = True
            return self._horizon

    def next_critical_due(self) -> datetime | None:
        """When the next critical patrol comes due (None: none scheduled)."""
        ids = [i for i, p in self._priorities.items() if p <= CRITICAL]
        if not ids:
            return None
        table = self._store.jobs_t
        query = select(func.min(table.c.next_run_time)).where(table.c.id.in_(ids))
        with self.database.reading() as session:
            stamp = session.execute(query).scalar()
        return None if stamp is None else datetime.fromtimestamp(stamp, UTC)

    def _changed(self) -> None:
        """A schedule changed: look in the store again, and wake the clock."""
        self._horizon_known = False
        self.wake.set()

    # --- running -----------------------------------------------------------------------------
    def advance(self, now: datetime) -> list[Event]:
        """Queue the patrols due by `now`, as BaseScheduler._process_jobs runs due jobs; the
        PatrolDue / PatrolSkipped events (also published)."""
        events: list[Event] = []
        with self._lock:
            if self._aps.state == STATE_PAUSED:
                return events
            due = self.next_due()
            if due is None or now < due:
                return events  # as _process_jobs sleeps until the store's next run time
            for job in self._store.get_due_jobs(now):
                run_times = job._get_run_times(now)
                if not run_times:
                    continue
                coalesced = job.coalesce and len(run_times) > 1
                if coalesced:
                    self._coalesced(job, run_times, now)
                if job.coalesce:
                    run_times = run_times[-1:]
                for run_time in run_times:
                    event = self._run(job, run_time, now, coalesced)
                    if event is not None:
                        events.append(event)
                following = job.trigger.get_next_fire_time(run_times[-1], now)
                if following:
                    job._modify(next_run_time=following)
                    self._store.update_job(job)
                else:
                    self._aps.remove_job(job.id)
                    self._priorities.pop(job.id, None)
            self._horizon_known = False
        if self.bus is not None:
            for event in events:
                self.bus.publish(event)
        return events

    def _run(self, job: Job, run_time: datetime, now: datetime, noted: bool) -> Event | None:
        zone: str = job.kwargs["zone"]
        grace = job.misfire_grace_time
        if grace is not None and now - run_time > timedelta(seconds=grace):
            late = (now - run_time).total_seconds()
            hold = Hold(Cause.MISSED, f"run of {_utc(run_time)} missed by {late:.0f} s")
            self._note(zone, hold, now)
            return PatrolSkipped(time_utc=now, zone=zone, reason=hold.reason)
        run_key = f"{zone}@{run_time.astimezone(UTC).isoformat()}"
        if self._queued_before(run_key):
            return None  # queued just before a restart; the job's next run was not yet stored
        previous = self.queue.open_task(zone)
        if previous is not None:
            where = f" on {previous.vehicle}" if previous.vehicle else ""
            why = f": {previous.reason}" if previous.reason else ""
            hold = Hold(
                Cause.OVERLAP,
                f"previous patrol (task {previous.id}) still {previous.state.value}{where}{why}",
            )
            self._note(zone, hold, now, previous.id)
            return PatrolSkipped(time_utc=now, zone=zone, reason=hold.reason)
        k = job.kwargs
        try:
            task = self.queue.enqueue(
                NewTask(
                    kind=TaskKind.PATROL,
                    zone=zone,
                    priority=k["priority"],
                    due_at=run_time,
                    latitude_deg=k["latitude_deg"],
                    longitude_deg=k["longitude_deg"],
                    work_s=k["work_s"],
                    sensors=tuple(k["sensors"]),
                    run_key=run_key,
                ),
                now,
            )
        except DuplicateRun:
            return None
        late = now - run_time
        if late > LATE and not noted:
            hold = Hold(
                Cause.RESTART,
                f"queued {late.total_seconds() / 60:.0f} min after it came due: not running",
            )
            self._note(zone, hold, run_time, task.id, until=now)
        return PatrolDue(time_utc=now, zone=zone, priority=task.priority, task_id=task.id)

    def _coalesced(self, job: Job, run_times: list[datetime], now: datetime) -> None:
        hold = Hold(
            Cause.RESTART,
            f"{len(run_times)} runs from {_utc(run_times[0])} came due while not running; "
            "coalesced into one",
        )
        with self.database.transaction() as session:
            log.note(session, job.kwargs["zone"], hold, run_times[0], until=now)

    def _queued_before(self, run_key: str) -> bool:
        with self.database.reading() as session:
            found = session.scalars(
                select(PatrolTaskRow.id).where(PatrolTaskRow.run_key == run_key)
            ).first()
        return found is not None

    def _note(
        self,
        zone: str,
        hold: Hold,
        now: datetime,
        task_id: int | None = None,
        until: datetime | None = None,
    ) -> None:
        with self.database.transaction() as session:
            log.note(session, zone, hold, now, task_id, until)

    def _job(self, zone: str) -> Job:
        job = self._aps.get_job(job_id(zone))
        if job is None:
            raise ScheduleError(f"zone {zone!r} has no patrol schedule")
        return job


def job_id(zone: str) -> str:
    """The job store id of a zone's patrol job."""
    return JOB_PREFIX + zone


def _trigger(revisit_minutes: float, start: datetime) -> IntervalTrigger:
    return IntervalTrigger(minutes=revisit_minutes, start_date=start, timezone=UTC)


def _kwargs(zone: PatrolZone) -> dict[str, Any]:
    return {
        "zone": zone.name,
        "priority": zone.priority,
        "latitude_deg": zone.latitude_deg,
        "longitude_deg": zone.longitude_deg,
        "work_s": zone.work_s,
        "sensors": list(zone.sensors),
    }


def _schedule(job: Job) -> PatrolSchedule:
    k = job.kwargs
    return PatrolSchedule(
        zone=k["zone"],
        priority=k["priority"],
        revisit_minutes=job.trigger.interval.total_seconds() / 60.0,
        next_due=job.next_run_time,
        work_s=k["work_s"],
        sensors=tuple(k["sensors"]),
    )


def _differs(held: PatrolSchedule, zone: PatrolZone) -> bool:
    return (held.priority, held.revisit_minutes, held.work_s, held.sensors) != (
        zone.priority,
        zone.revisit_minutes,
        zone.work_s,
        zone.sensors,
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
