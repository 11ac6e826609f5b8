"""The patrol parts killed with SIGKILL mid-week, then started again on the same SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from command.patrols import TaskKind, TaskState
from command.patrols.tables import PatrolTaskRow
from command.patrols.tasks import OPEN_STATES

from . import district
from .centre import PatrolCentre, run
from .fleet import SimFleet

ROOT = Path(__file__).resolve().parents[3]
CHILD = """
import sys
from datetime import timedelta
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.command.patrols import district
from tests.command.patrols.centre import PatrolCentre
from tests.command.patrols.fleet import SimFleet
zones = district.zones()
centre = PatrolCentre(Path({path!r}), SimFleet(district.drones()), district.rules(zones[10:12]),
                      critical_reserve=1)
for zone in zones:
    centre.scheduler.schedule(zone, district.WEEK_START)
now = district.WEEK_START
while True:  # runs until killed
    for report in district.weather(now):
        centre.conditions.report_wind(report)
    centre.round(now)
    print(now.isoformat(), flush=True)
    now += timedelta(minutes=5)
"""


def test_kill_minus_9_mid_week_loses_nothing_and_runs_no_patrol_twice(tmp_path: Path) -> None:
    path = tmp_path / "ecopatrol.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert child.stdout is not None
    killed_at = district.WEEK_START
    try:
        for line in child.stdout:  # the child prints each simulated time it has run
            killed_at = datetime.fromisoformat(line.strip())
            if killed_at >= district.WEEK_START + timedelta(hours=8):
                break
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert killed_at >= district.WEEK_START + timedelta(hours=8)

    fleet = SimFleet(district.drones())  # the drones landed on their own failsafe meanwhile
    restart = killed_at + timedelta(minutes=20)
    centre = PatrolCentre(path, fleet, district.rules(district.zones()[10:12]), critical_reserve=1)
    try:
        assert len(centre.scheduler.schedules()) == 20
        assert all(s.next_due is not None for s in centre.scheduler.schedules())
        before = centre.queue.tasks()
        assert before and any(t.state is TaskState.DONE for t in before)
        requeued = centre.queue.recover(restart)
        assert {t.id for t in requeued} == {
            t.id for t in before if t.state in (TaskState.ASSIGNED, TaskState.FLYING)
        }
        run(centre, restart, restart + timedelta(hours=4), district.weather)
        after = centre.queue.tasks()
        with centre.database.reading() as session:
            keys = session.execute(
                select(
                    func.count(PatrolTaskRow.run_key), func.count(PatrolTaskRow.run_key.distinct())
                ).where(PatrolTaskRow.kind == TaskKind.PATROL.value)
            ).one()
        patrols = [t for t in after if t.kind is TaskKind.PATROL]
        assert tuple(keys) == (len(patrols), len(patrols))  # one task per scheduled run
        open_by_zone = Counter(
            t.zone
            for t in after
            if t.state in OPEN_STATES and t.kind in (TaskKind.PATROL, TaskKind.RESUME_REMAINING)
        )
        assert not open_by_zone or max(open_by_zone.values()) == 1
        assert {t.id for t in before} <= {t.id for t in after}
        assert Counter(s.task_id for s in fleet.sorties).most_common(1)[0][1] == 1
        done_after = [t for t in after if t.state is TaskState.DONE and t.finished_at > restart]
        assert done_after  # patrols go on after the restart
    finally:
        centre.close()
