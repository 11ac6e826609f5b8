import numpy as np
import pytest

from missions.allocation import Drone, ZoneTask, allocate, lower_bound_s


def fleet(n=3):
    return [Drone(f"d{i}", (i * 500.0, 0.0), 10.0, 1500.0) for i in range(n)]


def test_every_task_assigned_within_endurance_with_reserve():
    rng = np.random.default_rng(5)
    tasks = [
        ZoneTask(
            f"z{j}",
            int(rng.integers(1, 5)),
            float(rng.uniform(100, 400)),
            tuple(rng.uniform(-2000, 2000, 2)),
        )
        for j in range(25)
    ]
    drones = fleet()
    result = allocate(drones, tasks, reserve_fraction=0.2, time_limit_s=1.0)
    assert result.unassigned == ()
    flown = [t for s in result.sorties for t in s.tasks]
    assert sorted(flown) == sorted(t.name for t in tasks)
    assert all(s.duration_s <= 1500.0 * 0.8 + 1.0 for s in result.sorties)
    assert result.cost_s >= result.lower_bound_s > 0
    assert result.ratio >= 1.0


def test_critical_tasks_fly_in_the_first_wave_when_they_fit():
    drones = fleet(2)
    tasks = [
        ZoneTask("critical-a", 1, 300.0, (1500.0, 1500.0)),
        ZoneTask("critical-b", 1, 300.0, (-1500.0, 1500.0)),
    ]
    tasks += [ZoneTask(f"low-{k}", 4, 400.0, (200.0 * k, 300.0)) for k in range(6)]
    result = allocate(drones, tasks, reserve_fraction=0.2, time_limit_s=1.0)
    waves = {name: s.wave for s in result.sorties for name in s.tasks}
    assert waves["critical-a"] == 0 and waves["critical-b"] == 0
    assert result.unassigned == ()


def test_task_longer_than_any_battery_is_reported_unassigned():
    result = allocate(
        fleet(1),
        [ZoneTask("huge", 2, 5000.0, (100.0, 0.0)), ZoneTask("ok", 2, 100.0, (0.0, 100.0))],
        time_limit_s=0.5,
    )
    assert result.unassigned == ("huge",)
    assert [s.tasks for s in result.sorties] == [("ok",)]


def test_lower_bound_counts_time_on_task_and_nearest_approach():
    drones = [Drone("d", (0.0, 0.0), 10.0, 1000.0)]
    tasks = [ZoneTask("a", 1, 100.0, (100.0, 0.0))]
    assert lower_bound_s(drones, tasks) == pytest.approx(110.0)


def test_duplicate_task_names_rejected():
    with pytest.raises(ValueError, match="unique"):
        allocate(fleet(1), [ZoneTask("a", 1, 1.0, (0, 0)), ZoneTask("a", 1, 1.0, (1, 1))])
