import itertools

import numpy as np
import pytest

from missions.allocation import Drone, ZoneTask, allocate, lower_bound_s, priority_inversions


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


def random_tasks(seed, n):
    rng = np.random.default_rng(seed)
    return [
        ZoneTask(
            f"z{j}",
            int(rng.integers(1, 5)),
            float(rng.uniform(100, 500)),
            tuple(rng.uniform(-2500, 2500, 2)),
        )
        for j in range(n)
    ]


def served_waves(result, tasks):
    priority = {t.name: t.priority for t in tasks}
    return [(priority[n], s.wave) for s in result.sorties for n in s.tasks]


def recomputed_duration_s(sortie, drones, tasks):
    drone = next(d for d in drones if d.name == sortie.drone)
    where = {t.name: t for t in tasks}
    path = np.asarray([drone.home_xy, *(where[n].location_xy for n in sortie.tasks), drone.home_xy])
    flown = np.hypot(*np.diff(path, axis=0).T).sum()
    return flown / drone.speed_mps + sum(where[n].duration_s for n in sortie.tasks)


@pytest.mark.parametrize("strict", [False, True])
def test_priority_is_strict_and_no_sortie_exceeds_endurance_with_reserve(strict):
    tasks = random_tasks(9, 40)
    drones = fleet(3)
    result = allocate(drones, tasks, reserve_fraction=0.25, time_limit_s=1.0, strict_waves=strict)
    assert result.unassigned == ()
    served = served_waves(result, tasks)
    # counted here pair by pair, not taken from the allocator
    assert not [(a, b) for a in served for b in served if a[0] < b[0] and a[1] > b[1]]
    assert result.priority_inversions == 0
    for sortie in result.sorties:
        seconds = recomputed_duration_s(sortie, drones, tasks)
        assert seconds == pytest.approx(sortie.duration_s, abs=0.5)
        assert seconds <= 1500.0 * 0.75 + 1.0
    # one sortie per drone and wave
    keys = [(s.drone, s.wave) for s in result.sorties]
    assert len(keys) == len(set(keys))
    if strict:
        tiers = sorted({p for p, _ in served})
        for low, high in itertools.pairwise(tiers):
            assert max(w for p, w in served if p == low) < min(w for p, w in served if p == high)
        assert result.shared_waves == 0
    assert result.cost_s >= result.lower_bound_s > 0
    assert result.solve_time_s > 0


def test_a_drone_free_in_the_boundary_wave_starts_the_next_tier_there():
    drones = fleet(2)
    tasks = [
        ZoneTask("urgent-long", 1, 1100.0, (0.0, 100.0)),
        ZoneTask("urgent-next", 1, 1100.0, (0.0, -100.0)),
        ZoneTask("urgent-third", 1, 1100.0, (500.0, 100.0)),
        ZoneTask("routine", 3, 200.0, (500.0, -100.0)),
    ]
    shared = allocate(drones, tasks, reserve_fraction=0.2, time_limit_s=0.5)
    waves = {n: s.wave for s in shared.sorties for n in s.tasks}
    assert max(waves[n] for n in waves if n.startswith("urgent")) == 1
    assert waves["routine"] == 1 and shared.shared_waves == 1
    strict = allocate(drones, tasks, reserve_fraction=0.2, time_limit_s=0.5, strict_waves=True)
    waves = {n: s.wave for s in strict.sorties for n in s.tasks}
    assert waves["routine"] == 2 and strict.shared_waves == 0
    assert shared.priority_inversions == strict.priority_inversions == 0


def test_priority_inversions_counts_pairs_in_strictly_later_waves():
    assert priority_inversions([]) == 0
    assert priority_inversions([(1, 0), (2, 0), (3, 1)]) == 0
    assert priority_inversions([(1, 2), (2, 1), (3, 0)]) == 3
    assert priority_inversions([(1, 1), (4, 0), (4, 1)]) == 1
