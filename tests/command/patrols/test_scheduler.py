"""Patrol schedules: due in injected time, coalesced after downtime, never overlapping, kept
across restarts, paused, resumed and edited at run time; the edge thread on a clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from command.events import EventBus, PatrolDue, PatrolSkipped
from command.patrols import PatrolClock, ScheduleError, TaskKind, TaskState
from command.patrols.tables import PatrolLogRow

from .centre import PatrolCentre
from .conftest import T0, zone
from .fleet import SimFleet


def test_a_zone_comes_due_every_revisit_interval_with_its_priority(centre: PatrolCentre) -> None:
    centre.scheduler.schedule(zone("park", priority=2, revisit=60), T0)
    events = centre.scheduler.advance(T0)
    assert [(type(e), e.zone, e.priority) for e in events] == [(PatrolDue, "park", 2)]  # type: ignore[attr-defined]
    task = centre.queue.get(events[0].task_id)  # type: ignore[attr-defined]
    assert (task.kind, task.due_at, task.priority) == (TaskKind.PATROL, T0, 2)
    assert centre.scheduler.advance(T0 + timedelta(minutes=59)) == []
    assert centre.scheduler.next_due() == T0 + timedelta(minutes=60)
    centre.queue.task_completed(task.id, T0 + timedelta(minutes=20))
    (again,) = centre.scheduler.advance(T0 + timedelta(minutes=60))
    assert isinstance(again, PatrolDue)
    assert centre.queue.get(again.task_id).due_at == T0 + timedelta(minutes=60)


def test_zones_without_a_revisit_interval_get_no_schedule(centre: PatrolCentre) -> None:
    centre.scheduler.schedule(zone("none", revisit=None), T0)
    centre.scheduler.schedule(zone("zero", revisit=0), T0)
    assert centre.scheduler.schedules() == []


def test_a_patrol_never_overlaps_itself_and_the_skip_says_why(
    centre: PatrolCentre, bus: EventBus
) -> None:
    sub = bus.subscribe("test", kinds=[PatrolSkipped])
    busy = SimFleet([])  # no drones: the first patrol waits
    centre.queue.dispatch = busy
    centre.scheduler.schedule(zone("park", revisit=30), T0)
    (due,) = centre.scheduler.advance(T0)
    centre.queue.pick(T0)
    (skip,) = centre.scheduler.advance(T0 + timedelta(minutes=30))
    assert isinstance(skip, PatrolSkipped)
    assert skip.reason == (
        f"previous patrol (task {due.task_id}) still waiting: "  # type: ignore[attr-defined]
        "no drone free: every drone is busy, away or held"
    )
    assert len(centre.queue.tasks(zone="park")) == 1
    (published,) = sub.drain()
    assert published == skip


def test_after_downtime_missed_runs_coalesce_into_one_patrol(
    db_path: Path, fleet: SimFleet
) -> None:
    first = PatrolCentre(db_path, fleet)
    first.scheduler.schedule(zone("park", revisit=30), T0)
    first.scheduler.advance(T0)
    (task,) = first.queue.tasks()
    first.queue.task_completed(task.id, T0 + timedelta(minutes=15))
    first.close()

    back = T0 + timedelta(hours=5, minutes=10)  # runs at 00:30 … 05:00 were missed: 10 of them
    second = PatrolCentre(db_path, fleet)
    try:
        events = second.scheduler.advance(back)
        assert [type(e) for e in events] == [PatrolDue]
        latest = second.queue.get(events[0].task_id)  # type: ignore[attr-defined]
        assert latest.due_at == T0 + timedelta(hours=5)
        assert second.scheduler.next_due() == T0 + timedelta(hours=5, minutes=30)
        with second.database.reading() as session:
            notes = [
                (n.cause, n.since, n.until, n.reason) for n in session.scalars(select(PatrolLogRow))
            ]
        ((cause, since, until, reason),) = notes
        assert (cause, since, until) == ("restart", T0 + timedelta(minutes=30), back)
        assert reason.startswith("10 runs from 2026-06-02 02:30 UTC came due")
    finally:
        second.close()


def test_schedules_and_their_rhythm_survive_a_restart(db_path: Path, fleet: SimFleet) -> None:
    first = PatrolCentre(db_path, fleet)
    first.scheduler.schedule(zone("park", revisit=45), T0)
    first.scheduler.schedule(zone("plant", priority=1, revisit=20, sensors=("SO2",)), T0)
    first.scheduler.advance(T0)
    before = first.scheduler.schedules()
    first.close()
    second = PatrolCentre(db_path, fleet)
    try:
        assert second.scheduler.schedules() == before
        assert {s.zone: s.next_due for s in before} == {
            "plant": T0 + timedelta(minutes=20),
            "park": T0 + timedelta(minutes=45),
        }
        assert second.scheduler.get("plant").sensors == ("SO2",)
    finally:
        second.close()


def test_a_run_queued_just_before_a_crash_is_not_queued_twice(
    db_path: Path, fleet: SimFleet
) -> None:
    first = PatrolCentre(db_path, fleet)
    first.scheduler.schedule(zone("park", revisit=30), T0)
    first.scheduler._store.update_job = lambda job: None  # type: ignore[method-assign]  # dies
    first.scheduler.advance(T0)
    first.close()
    second = PatrolCentre(db_path, fleet)
    try:
        assert second.scheduler.get("park").next_due == T0  # the job's new time was never stored
        assert second.scheduler.advance(T0 + timedelta(minutes=1)) == []
        assert len(second.queue.tasks()) == 1
        assert second.scheduler.get("park").next_due == T0 + timedelta(minutes=30)
    finally:
        second.close()


def test_pause_and_resume_at_run_time_with_the_pause_logged(centre: PatrolCentre) -> None:
    s = centre.scheduler
    s.schedule(zone("park", revisit=60), T0)
    s.pause("park", T0 + timedelta(minutes=10), "paused by officer Li")
    assert s.get("park").paused and s.next_due() is None
    assert s.advance(T0 + timedelta(hours=3)) == []
    s.resume("park", T0 + timedelta(hours=3, minutes=20))
    assert s.get("park").next_due == T0 + timedelta(hours=4)  # the next point of its rhythm
    with centre.database.reading() as session:
        spells = [
            (r.cause, r.reason, r.since, r.until) for r in session.scalars(select(PatrolLogRow))
        ]
    assert spells == [
        (
            "paused",
            "schedule paused by officer Li",
            T0 + timedelta(minutes=10),
            T0 + timedelta(hours=3, minutes=20),
        )
    ]


def test_editing_the_interval_counts_from_the_last_due_time(centre: PatrolCentre) -> None:
    s = centre.scheduler
    s.schedule(zone("park", priority=3, revisit=120), T0)
    s.advance(T0)  # due at T0, next at T0 + 2 h
    edited = s.edit("park", T0 + timedelta(minutes=30), revisit_minutes=60, priority=2)
    assert (edited.revisit_minutes, edited.priority) == (60, 2)
    assert edited.next_due == T0 + timedelta(minutes=60)
    late = s.edit("park", T0 + timedelta(minutes=50), revisit_minutes=30)
    assert late.next_due == T0 + timedelta(minutes=50)  # already past: due now
    (task,) = centre.queue.tasks()
    centre.queue.task_completed(task.id, T0 + timedelta(minutes=40))
    (due,) = s.advance(T0 + timedelta(minutes=50))
    assert centre.queue.get(due.task_id).priority == 2  # type: ignore[attr-defined]
    with pytest.raises(ScheduleError, match="revisit_minutes 0 not positive"):
        s.edit("park", T0, revisit_minutes=0)
    with pytest.raises(ScheduleError, match="priority 9 not 1"):
        s.edit("park", T0, priority=9)
    with pytest.raises(ScheduleError, match="cannot edit colour"):
        s.edit("park", T0, colour="red")
    with pytest.raises(ScheduleError, match="'nowhere' has no patrol schedule"):
        s.edit("nowhere", T0, priority=1)
    assert s.get("park").revisit_minutes == 30 and s.get("park").priority == 2


def test_sync_adds_edits_and_removes_schedules(centre: PatrolCentre) -> None:
    s = centre.scheduler
    s.sync([zone("a", revisit=60), zone("b", revisit=60)], T0)
    changes = s.sync(
        [zone("a", revisit=60), zone("b", revisit=90), zone("c"), zone("d", revisit=None)],
        T0 + timedelta(minutes=5),
    )
    assert changes == {"added": ["c"], "edited": ["b"], "removed": []}
    assert s.sync([zone("c")], T0 + timedelta(minutes=6))["removed"] == ["a", "b"]
    assert [x.zone for x in s.schedules()] == ["c"]


def test_the_edge_thread_runs_rounds_by_its_clock_and_wakes_on_a_change(
    centre: PatrolCentre,
) -> None:
    now = [T0]
    rounds = threading.Event()
    clock = PatrolClock(centre.scheduler, centre.queue, clock=lambda: now[0], recheck_s=30.0)
    original = centre.queue.pick

    def pick(moment: datetime):  # type: ignore[no-untyped-def]
        decisions = original(moment)
        if decisions:
            rounds.set()
        return decisions

    centre.queue.pick = pick  # type: ignore[method-assign]
    clock.start()
    try:
        centre.scheduler.schedule(zone("park", revisit=60), T0)  # wakes the waiting thread
        assert rounds.wait(30.0)
        (task,) = centre.queue.tasks()
        assert task.state is TaskState.FLYING  # the same round picked a drone
        rounds.clear()
        now[0] = T0 + timedelta(minutes=61)
        centre.queue.task_completed(task.id, T0 + timedelta(minutes=20))
        centre.fleet.reports(now[0])
        clock.poke()
        assert rounds.wait(30.0)
        assert len(centre.queue.tasks()) == 2
    finally:
        clock.close()
    assert clock.rounds >= 2


def test_without_patrols_the_edge_thread_still_picks_queued_work(centre: PatrolCentre) -> None:
    """Scheduled patrols off (the scheduler never started): a quick response put in the queue
    is still picked by the clock's rounds, and no zone's patrol comes due."""
    from command.patrols import NewTask

    rounds = threading.Event()
    clock = PatrolClock(
        centre.scheduler, centre.queue, clock=lambda: T0, recheck_s=30.0, patrols=False
    )
    original = centre.queue.pick

    def pick(moment: datetime):  # type: ignore[no-untyped-def]
        decisions = original(moment)
        if decisions:
            rounds.set()
        return decisions

    centre.queue.pick = pick  # type: ignore[method-assign]
    clock.start()
    try:
        centre.queue.enqueue(
            NewTask(TaskKind.QUICK_RESPONSE, "plant", 1, T0, 36.6425, 116.9375, 300.0), T0
        )
        clock.poke()
        assert rounds.wait(30.0)
        (task,) = centre.queue.tasks()
        assert (task.kind, task.state) == (TaskKind.QUICK_RESPONSE, TaskState.FLYING)
    finally:
        clock.close()
    assert centre.scheduler.schedules() == []
