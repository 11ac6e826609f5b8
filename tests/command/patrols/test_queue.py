"""The dispatch queue: order, drone choice, wait reasons, pre-emption, restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from command.events import EventBus, TaskAssigned, TaskWaiting
from command.patrols import (
    Assign,
    Cause,
    DispatchRefused,
    DuplicateRun,
    FlyingRules,
    NewTask,
    Preempt,
    Task,
    TaskError,
    TaskKind,
    TaskState,
    Wait,
    WindReport,
)
from command.patrols.conditions import ground_distance_m
from command.patrols.tables import PatrolLogRow
from command.storage import open_database, sqlite_url

from .centre import PatrolCentre
from .conftest import T0, drone
from .district import place
from .fleet import SimFleet


def new(
    zone: str,
    priority: int = 2,
    due: datetime = T0,
    east_km: float = 1.0,
    work_s: float = 600.0,
    sensors: tuple[str, ...] = (),
    kind: TaskKind = TaskKind.PATROL,
) -> NewTask:
    lat, lon = place(east_km, 0.0)
    return NewTask(kind, zone, priority, due, lat, lon, work_s, sensors)


def test_pending_tasks_are_ordered_by_priority_then_due_time(centre: PatrolCentre) -> None:
    q = centre.queue
    q.enqueue(new("late-2", 2, T0 + timedelta(minutes=5)), T0)
    q.enqueue(new("early-3", 3, T0 - timedelta(hours=1)), T0)
    q.enqueue(new("early-2", 2, T0 - timedelta(minutes=5)), T0)
    q.enqueue(new("critical", 1, T0), T0)
    assert [t.zone for t in q.tasks([TaskState.QUEUED])] == [
        "critical",
        "early-2",
        "late-2",
        "early-3",
    ]


def test_free_drones_take_the_most_urgent_tasks_and_the_rest_wait_with_the_reason(
    centre: PatrolCentre, bus: EventBus
) -> None:
    sub = bus.subscribe("test")
    q = centre.queue
    for name, priority in [("p3", 3), ("p1", 1), ("p2", 2)]:
        q.enqueue(new(name, priority), T0)
    decisions = q.pick(T0)
    assert [(type(d), d.task.zone) for d in decisions] == [
        (Assign, "p1"),
        (Assign, "p2"),
        (Wait, "p3"),
    ]
    waiting = q.tasks([TaskState.WAITING])
    assert [(t.zone, t.cause) for t in waiting] == [("p3", "no_drone")]
    assert waiting[0].reason == "no drone free: every drone is busy, away or held"
    flying = {t.zone: t for t in q.tasks([TaskState.FLYING])}
    assert set(flying) == {"p1", "p2"} and all(t.sortie_id for t in flying.values())
    got = sub.drain()
    assert {e.zone for e in got if isinstance(e, TaskAssigned)} == {"p1", "p2"}
    assert [e.task_id for e in got if isinstance(e, TaskWaiting)] == [waiting[0].id]
    # the same reason next round: nothing rewritten, no second event
    assert [type(d) for d in q.pick(T0 + timedelta(minutes=1))] == [Wait]
    assert not [e for e in sub.drain() if isinstance(e, TaskWaiting)]


def test_the_nearest_drone_is_chosen_by_the_allocation_solver(centre: PatrolCentre) -> None:
    q = centre.queue
    task = q.enqueue(new("by-copter-2", east_km=2.6), T0)
    (decision,) = q.pick(T0)
    assert isinstance(decision, Assign) and decision.vehicle == "copter-2"
    assert centre.chooser.stats.solver_runs == 1
    q.task_completed(task.id, T0 + timedelta(minutes=20))
    centre.fleet.reports(T0 + timedelta(hours=1))
    near_1 = q.enqueue(new("by-copter-1", east_km=0.3), T0 + timedelta(hours=1))
    (decision,) = q.pick(T0 + timedelta(hours=1))
    assert isinstance(decision, Assign) and decision.vehicle == "copter-1"
    assert q.get(near_1.id).vehicle == "copter-1"


def test_a_task_needing_a_sensor_no_free_drone_carries_waits_for_one(db_path: Path) -> None:
    fleet = SimFleet([drone("copter-1", sensors=frozenset({"PM2_5"}))])
    centre = PatrolCentre(db_path, fleet)
    try:
        task = centre.queue.enqueue(new("plant", sensors=("SO2",)), T0)
        (decision,) = centre.queue.pick(T0)
        assert isinstance(decision, Wait) and decision.hold.cause is Cause.SENSORS
        assert centre.queue.get(task.id).reason == "no free drone carries SO2"
    finally:
        centre.close()


def test_a_task_too_long_for_the_charge_plus_reserve_waits_naming_the_figures(
    db_path: Path,
) -> None:
    fleet = SimFleet([drone("copter-1", endurance_s=1800.0, speed_mps=12.0)])
    centre = PatrolCentre(db_path, fleet, reserve_fraction=0.2)
    try:
        task = centre.queue.enqueue(new("far", east_km=3.0, work_s=1200.0), T0)
        (decision,) = centre.queue.pick(T0)
        assert isinstance(decision, Wait) and decision.hold.cause is Cause.BATTERY
        stored = centre.queue.get(task.id)
        assert stored.reason.startswith("charge too low: the sortie needs 28.")
        assert "plus 6.0 min reserve, copter-1 has 30.0 min" in stored.reason
        fits = centre.queue.enqueue(new("near", east_km=3.0, work_s=800.0), T0)
        decisions = centre.queue.pick(T0)
        assert [type(d) for d in decisions] == [Wait, Assign]
        assert centre.queue.get(fits.id).state is TaskState.FLYING
    finally:
        centre.close()


def test_conditions_hold_a_task_and_it_flies_when_they_clear(db_path: Path) -> None:
    fleet = SimFleet([drone("copter-1")])
    centre = PatrolCentre(db_path, fleet, FlyingRules(wind_limit_mps=8.0))
    try:
        lat, lon = place(0.5, 0.0)
        task = centre.queue.enqueue(new("zone"), T0)
        (first,) = centre.queue.pick(T0)
        assert isinstance(first, Wait) and first.hold.cause is Cause.WIND_UNKNOWN
        centre.conditions.report_wind(WindReport("copter-1", lat, lon, 11.0, T0))
        centre.queue.pick(T0)
        assert centre.queue.get(task.id).cause == "wind"
        later = T0 + timedelta(minutes=30)
        centre.conditions.report_wind(WindReport("copter-1", lat, lon, 6.0, later))
        (last,) = centre.queue.pick(later)
        assert isinstance(last, Assign)
    finally:
        centre.close()
    with open_database(sqlite_url(db_path)) as db, db.reading() as session:
        spells = [(r.cause, r.since, r.until) for r in session.query(PatrolLogRow)]
    assert spells == [("wind_unknown", T0, T0), ("wind", T0, later)]


def test_a_critical_task_preempts_a_drone_flying_lower_priority_work(
    db_path: Path, bus: EventBus
) -> None:
    sub = bus.subscribe("test")
    fleet = SimFleet([drone("copter-1", speed_mps=12.0)])
    centre = PatrolCentre(db_path, fleet, bus=bus)
    try:
        q = centre.queue
        routine = q.enqueue(new("river", 3, work_s=900.0), T0)
        q.pick(T0)
        urgent_at = T0 + timedelta(minutes=8)
        urgent = q.enqueue(new("plant", 1, urgent_at, east_km=1.5), urgent_at)
        (decision,) = q.pick(urgent_at)
        assert isinstance(decision, Preempt)
        assert (decision.vehicle, decision.task.id) == ("copter-1", urgent.id)
        assert decision.displaced_task.id == routine.id
        assert q.get(urgent.id).state is TaskState.FLYING
        displaced = q.get(routine.id)
        assert displaced.state is TaskState.INTERRUPTED
        assert displaced.reason == f"re-tasked to critical task {urgent.id} (plant) on copter-1"
        (report,) = fleet.reports(urgent_at)
        assert report.task_id == routine.id and report.remainder is not None
        resumed = q.task_interrupted(report.task_id, report.at, report.reason, report.remainder)
        assert resumed is not None and resumed.kind is TaskKind.RESUME_REMAINING
        assert (resumed.priority, resumed.due_at, resumed.parent_task_id) == (3, T0, routine.id)
        transit_in_s = ground_distance_m(*place(0, 0), *place(1.0, 0)) / 12.0
        assert resumed.work_s == pytest.approx(900.0 - (8 * 60 - transit_in_s))
        assert resumed.detail["resume_after_s"] == pytest.approx(8 * 60 - transit_in_s)
        assert q.task_interrupted(report.task_id, report.at, "again", report.remainder) == resumed
        assigned = [e for e in sub.drain() if isinstance(e, TaskAssigned)]
        assert assigned[-1].preempted_task_id == routine.id
    finally:
        centre.close()


def test_lower_priorities_never_preempt(db_path: Path) -> None:
    fleet = SimFleet([drone("copter-1")])
    centre = PatrolCentre(db_path, fleet)
    try:
        centre.queue.enqueue(new("river", 3), T0)
        centre.queue.pick(T0)
        centre.queue.enqueue(new("park", 2), T0)
        (decision,) = centre.queue.pick(T0 + timedelta(minutes=1))
        assert isinstance(decision, Wait) and decision.hold.cause is Cause.NO_DRONE
    finally:
        centre.close()


class RefusingFleet(SimFleet):
    def prepare(self, task: Task, vehicle: str, now: datetime) -> int:
        raise DispatchRefused("PreArm: GPS 1: Bad fix")


def test_a_refused_sortie_leaves_the_task_waiting_with_the_dispatcher_reason(
    db_path: Path,
) -> None:
    centre = PatrolCentre(db_path, RefusingFleet([drone("copter-1")]))
    try:
        task = centre.queue.enqueue(new("zone"), T0)
        (decision,) = centre.queue.pick(T0)
        assert isinstance(decision, Wait) and decision.hold.cause is Cause.REFUSED
        stored = centre.queue.get(task.id)
        assert (stored.state, stored.vehicle) == (TaskState.WAITING, None)
        assert stored.reason == "copter-1: PreArm: GPS 1: Bad fix"
    finally:
        centre.close()


def test_queued_and_flying_work_survives_a_restart_and_is_reconciled(db_path: Path) -> None:
    fleet = SimFleet([drone("copter-1")])
    centre = PatrolCentre(db_path, fleet)
    flying = centre.queue.enqueue(new("a", 1), T0)
    queued = centre.queue.enqueue(new("b", 2), T0)
    centre.queue.pick(T0)
    lost = centre.queue.enqueue(new("c", 3), T0)
    centre.queue._update(lost.id, T0, state=TaskState.ASSIGNED, vehicle="copter-1")  # died here
    centre.close()

    again = PatrolCentre(db_path, fleet)
    try:
        assert again.queue.get(flying.id).state is TaskState.FLYING
        assert again.queue.get(queued.id).state is TaskState.WAITING
        requeued = again.queue.recover(T0 + timedelta(minutes=1))
        assert [t.id for t in requeued] == [lost.id]
        assert again.queue.get(lost.id).state is TaskState.QUEUED
        assert again.queue.get(flying.id).sortie_id == fleet.sortie_for(flying.id)
    finally:
        again.close()


def test_bad_tasks_and_duplicate_runs_change_nothing(centre: PatrolCentre) -> None:
    q = centre.queue
    with pytest.raises(TaskError, match="priority 0 not 1"):
        q.enqueue(new("x", 0), T0)
    keyed = NewTask(TaskKind.PATROL, "x", 2, T0, 36.6, 116.9, 60.0, run_key="x@T0")
    first = q.enqueue(keyed, T0)
    with pytest.raises(DuplicateRun, match="x@T0"):
        q.enqueue(keyed, T0)
    assert [t.id for t in q.tasks()] == [first.id]
    q.cancel(first.id, T0, "zone retired")
    with pytest.raises(TaskError, match=f"task {first.id} is already cancelled"):
        q.task_completed(first.id, T0)
    with pytest.raises(TaskError, match="no task 999"):
        q.get(999)
