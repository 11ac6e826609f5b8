"""The same schedules and queue on PostgreSQL: APScheduler's job store and the task tables."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import URL

from command.events import PatrolDue
from command.patrols import TaskState
from tests.command.storage.test_postgresql import pg_url, postgres_server  # noqa: F401

from .centre import PatrolCentre
from .conftest import T0, zone
from .fleet import SimFleet


def test_schedules_and_queued_work_survive_a_restart_on_postgresql(
    pg_url: URL,  # noqa: F811
    fleet: SimFleet,
) -> None:
    first = PatrolCentre(pg_url, fleet)
    first.scheduler.schedule(zone("park", revisit=30), T0)
    first.scheduler.schedule(zone("plant", priority=1, revisit=20, east_km=2.0), T0)
    first.scheduler.schedule(zone("river", priority=3, revisit=60, east_km=2.5), T0)
    events = first.scheduler.advance(T0)
    assert sorted(e.zone for e in events if isinstance(e, PatrolDue)) == ["park", "plant", "river"]
    decisions = first.queue.pick(T0)
    assert len(decisions) == 3
    schedules = first.scheduler.schedules()
    first.close()

    back = T0 + timedelta(hours=2, minutes=5)
    second = PatrolCentre(pg_url, fleet)
    try:
        assert second.scheduler.schedules() == schedules
        assert [t.zone for t in second.queue.tasks([TaskState.WAITING])] == ["river"]
        for report in fleet.reports(back):
            second.queue.task_completed(report.task_id, report.at)
        due = second.scheduler.advance(back)  # coalesced: one patrol per zone
        assert sorted(e.zone for e in due if isinstance(e, PatrolDue)) == ["park", "plant"]
        assert second.scheduler.get("park").next_due == T0 + timedelta(hours=2, minutes=30)
    finally:
        second.close()
