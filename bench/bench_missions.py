"""Mission planning benchmark: coverage efficiency, margin, planning time; survey objectives;
preflight check time against the bare geometry; the battery estimate of the ArduCopter SITL
sortie; allocation vs a bound.

Run: .venv/bin/python bench/bench_missions.py   (prints figures, asserts nothing)
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from missions.allocation import Drone, ZoneTask, allocate
from missions.camera import swath_from_width
from missions.checks import check_mission
from missions.endurance import battery_needed_pct
from missions.energy import ARDUCOPTER_SITL_QUAD, calibration_factor
from missions.estimate import estimate_flight
from missions.items import Position
from missions.objective import PATH_LENGTH, TURN_COUNT, flight_time, length_and_turns
from missions.planner import PlanSpec, plan_zone
from missions.survey import footprint_cover, plan_survey
from missions.zones import load_zones
from tests.missions.sorties import SITL_DRAINED_PCT, sitl_sortie

ROOT = Path(__file__).resolve().parents[1]


def zones() -> dict[str, tuple[Polygon, str]]:
    """The fixed set, in metres: name -> (polygon, convex|concave)."""
    rng = np.random.default_rng(2024)
    convex = shapely.MultiPoint(rng.uniform(0, 1100, (40, 2))).convex_hull
    l_shape = Polygon([(0, 0), (1000, 0), (1000, 400), (400, 400), (400, 1000), (0, 1000)])
    angles = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    radii = 560 + 90 * np.sin(3 * angles) + np.random.default_rng(7).uniform(-25, 25, 60)
    blob = Polygon(np.c_[radii * np.cos(angles), radii * np.sin(angles)])
    with_hole = blob.difference(shapely.Point(120, -80).buffer(90, quad_segs=4))
    return {
        "square 1 km²": (box(0, 0, 1000, 1000), "convex"),
        "random convex": (convex, "convex"),
        "L-shape": (l_shape, "concave"),
        "60-vertex + hole": (with_hole, "concave"),
    }


def bench_coverage() -> None:
    print(
        "Coverage: efficiency = flight length / (area / swath); footprint swath x swath "
        "(lanes end half a footprint inside the edge)"
    )
    print(
        f"{'zone':18} {'area km²':>8} {'swath':>6} {'eff.':>6} {'lanes':>5} {'cells':>5} "
        f"{'angle°':>7} {'outside m':>9} {'uncov. m²':>9} {'time s':>7}"
    )
    for name, (region, _) in zones().items():
        for width in (30.0, 100.0):
            swath = swath_from_width(width)
            times = []
            for _ in range(3):
                start = time.perf_counter()
                survey = plan_survey(region, swath)
                times.append(time.perf_counter() - start)
            efficiency = survey.length_m / (region.area / width)
            path = shapely.LineString(survey.waypoints)
            outside = path.difference(region.buffer(survey.margin_m + 1e-6)).length
            uncovered = region.difference(footprint_cover(survey, swath)).area
            print(
                f"{name:18} {region.area / 1e6:8.3f} {width:6.0f} {efficiency:6.3f} "
                f"{len(survey.lanes):5d} {survey.cells:5d} {survey.angle_deg:7.1f} "
                f"{outside:9.2f} {uncovered:9.2f} {statistics.median(times):7.3f}"
            )


def bench_objectives() -> None:
    """The sweep each objective picks at 30 m: length, turns, and time at 8 m/s, 6 s a turn."""
    quick = flight_time(8.0, 6.0)
    print("\nObjectives (30 m strip): length m / turns / time s (8 m/s, 6 s per turn), planning s")
    print(f"{'zone':18} {'objective':12} {'length':>8} {'turns':>5} {'time':>7} {'plan s':>7}")
    for name, (region, _) in zones().items():
        for label, objective in (("length", PATH_LENGTH), ("turns", TURN_COUNT), ("time", quick)):
            start = time.perf_counter()
            survey = plan_survey(region, swath_from_width(30.0), objective=objective)
            elapsed = time.perf_counter() - start
            length, turns = length_and_turns(survey.waypoints)
            seconds = quick.cost(length, turns)
            print(f"{name:18} {label:12} {length:8.0f} {turns:5d} {seconds:7.0f} {elapsed:7.3f}")


def bench_checks() -> None:
    """Preflight check time of planned missions against the floor: one shapely test of the
    whole route against the no-fly zones, measured in the same run."""
    zone_set = load_zones(ROOT / "missions/examples/huaiyin_zones.geojson")
    home = Position(36.6425, 116.9275, 30.0)
    print("\nPreflight check (every item, every leg flown, fence, rally, endurance)")
    specs = {"camera": PlanSpec(), "8 m strip": PlanSpec(sensing_width_m=8.0, camera=None)}
    for label, spec in specs.items():
        planned = plan_zone(zone_set.by_name("wetland-park"), home, zone_set.zones, spec)
        no_fly = shapely.union_all(
            [planned.frame.project(z.geometry) for z in zone_set.zones if z.kind == "no_fly"]
        )
        route = shapely.LineString(planned.route_xy)
        floor = _median_s(lambda r=route, n=no_fly: r.intersects(n), 200)
        checked = _median_s(lambda m=planned.mission: check_mission(m, zone_set.zones), 20)
        items = len(planned.mission.items)
        print(
            f"  wetland-park ({label}, {items} items): check {checked * 1000:.1f} ms, "
            f"{checked / items * 1e6:.0f} µs/item; route-vs-no-fly floor {floor * 1e6:.0f} µs "
            f"(ratio {checked / floor:.0f})"
        )


def _median_s(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_battery() -> None:
    """The sortie flown against ArduCopter SITL (it drained 67 %): the flat 25-minute figure,
    the SITL quad's energy model, and the factor a calibration from that flight gives."""
    sortie = sitl_sortie()
    estimate = estimate_flight(sortie, energy=ARDUCOPTER_SITL_QUAD)
    model = battery_needed_pct(estimate, ARDUCOPTER_SITL_QUAD)
    factor = calibration_factor(
        estimate.energy_mah, measured_pct=SITL_DRAINED_PCT, capacity_mah=3300.0
    )
    print("\nBattery: 1.5 km box at 8 m/s, 30 m, RTL (the sortie ArduCopter SITL drained 67 %)")
    print(
        f"  {estimate.time_s / 60:.1f} min: flat 25 min endurance "
        f"{100 * estimate.time_s / 1500:.0f} %, SITL quad model {model:.0f} % "
        f"({estimate.energy_mah:.0f} mAh of 3300), measured 67 %: calibration {factor:.2f}"
    )


def _check(drones, tasks, result, reserve):
    """Recompute sortie durations and priority inversions from the positions (independently)."""
    drone = {d.name: d for d in drones}
    task = {t.name: t for t in tasks}
    longest = 0.0
    for s in result.sorties:
        d = drone[s.drone]
        path = [d.home_xy, *(task[n].location_xy for n in s.tasks), d.home_xy]
        flown = sum(float(np.hypot(*np.subtract(b, a))) for a, b in itertools.pairwise(path))
        seconds = flown / d.speed_mps + sum(task[n].duration_s for n in s.tasks)
        assert abs(seconds - s.duration_s) < 1.0, (s, seconds)
        longest = max(longest, seconds)
    over = sum(
        1 for s in result.sorties if s.duration_s > drone[s.drone].endurance_s * (1 - reserve)
    )
    served = [(task[n].priority, s.wave) for s in result.sorties for n in s.tasks]
    inversions = sum(1 for pa, wa in served for pb, wb in served if pa < pb and wa > wb)
    waves_of = {p: sorted({w for q, w in served if q == p}) for p in sorted({p for p, _ in served})}
    return longest, over, inversions, waves_of


def bench_allocation() -> None:
    rng = np.random.default_rng(11)
    drones = [Drone(f"uav-{i}", tuple(rng.uniform(0, 6000, 2)), 12.0, 1500.0) for i in range(10)]
    tasks = [
        ZoneTask(
            f"zone-{j}",
            int(rng.integers(1, 5)),
            float(rng.uniform(120, 600)),
            tuple(rng.uniform(0, 6000, 2)),
        )
        for j in range(100)
    ]
    print("\nAllocation: 10 drones x 100 zone tasks (6 km square, 12 m/s, 25 min, 20% reserve)")
    print("  strict priority, tier by tier (OR-Tools routing, guided local search, 3 s limit)")
    for strict in (False, True):
        start = time.perf_counter()
        result = allocate(
            drones, tasks, reserve_fraction=0.2, time_limit_s=3.0, strict_waves=strict
        )
        elapsed = time.perf_counter() - start
        longest, over, inversions, waves_of = _check(drones, tasks, result, 0.2)
        label = "own waves per tier" if strict else "tiers share a boundary wave"
        print(f"  [{label}]")
        print(
            f"    sorties {len(result.sorties)}, waves {1 + max(s.wave for s in result.sorties)}, "
            f"unassigned {len(result.unassigned)}, longest sortie {longest / 60:.1f} min "
            f"(limit 20.0), sorties over the limit {over}"
        )
        spans = ", ".join(f"p{p}: {w[0]}-{w[-1]}" for p, w in waves_of.items())
        print(
            f"    waves by priority {spans}; priority inversions {inversions} "
            f"(allocator says {result.priority_inversions}), shared waves {result.shared_waves}"
        )
        print(
            f"    cost {result.cost_s / 3600:.2f} h flight, "
            f"lower bound {result.lower_bound_s / 3600:.2f} h, ratio {result.ratio:.3f}"
        )
        print(f"    solver time {result.solve_time_s:.2f} s, wall time {elapsed:.2f} s")


if __name__ == "__main__":
    bench_coverage()
    bench_objectives()
    bench_checks()
    bench_battery()
    bench_allocation()
