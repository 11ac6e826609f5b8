"""Scheduler + dispatch queue overhead for 500 zones and 20 drones over a simulated day.

Every simulated minute: the fleet's landings are reported, `advance(now)` queues due patrols,
`pick(now)` decides for every pending task. Prints ms per tick (mean, p95, max), the share of
the allocation solver, and ratios against two baselines measured in the same run: an idle tick
(nothing due, nothing pending) and one committed row (SQLite, synchronous=FULL).

Run: .venv/bin/python bench/bench_patrols.py [--zones 500] [--drones 20] [--hours 24]
(prints, never asserts)
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from command.patrols import (
    FlyingRules,
    NightRule,
    PatrolZone,
    Target,
    TaskState,
    WindReport,
    compliance,
)
from command.patrols.tables import PatrolLogRow
from tests.command.patrols.centre import PatrolCentre
from tests.command.patrols.fleet import SimDrone, SimFleet

ORIGIN = (36.6425, 116.9275)
START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # 08:00 in Jinan
REVISIT = {1: 120, 2: 240, 3: 480, 4: 720}


def place(east_km: float, north_km: float) -> tuple[float, float]:
    lat = ORIGIN[0] + north_km / 111.2
    lon = ORIGIN[1] + east_km / (111.2 * math.cos(math.radians(ORIGIN[0])))
    return lat, lon


def district(zones: int, drones: int, seed: int) -> tuple[list[PatrolZone], list[SimDrone]]:
    """Nests on a grid 5 km apart, zones within 2.5 km of a nest, priorities 10/20/30/40 %."""
    rng = random.Random(seed)
    side = math.ceil(math.sqrt(drones))
    nests = [place(5.0 * (k % side), 5.0 * (k // side)) for k in range(drones)]
    fleet = [SimDrone(f"copter-{k + 1}", nests[k]) for k in range(drones)]
    out = []
    for k in range(zones):
        priority = rng.choices((1, 2, 3, 4), weights=(1, 2, 3, 4))[0]
        lat, lon = nests[rng.randrange(drones)]
        angle, reach = rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 2.5)
        lat += reach * math.sin(angle) / 111.2
        lon += reach * math.cos(angle) / (111.2 * math.cos(math.radians(lat)))
        work = rng.uniform(300.0, 900.0)
        out.append(PatrolZone(f"zone-{k:03d}", priority, REVISIT[priority], lat, lon, work))
    return out, fleet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--drones", type=int, default=20)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    zones, drones = district(args.zones, args.drones, args.seed)
    rules = FlyingRules(wind_limit_mps=10.0, night=NightRule(exempt_max_priority=1))
    with tempfile.TemporaryDirectory() as folder:
        fleet = SimFleet(drones)
        centre = PatrolCentre(Path(folder) / "bench.sqlite", fleet, rules, critical_reserve=1)
        t = time.perf_counter()
        for k, zone in enumerate(zones):  # spread first dues over the first interval
            offset = timedelta(minutes=(k * 7) % REVISIT[zone.priority])
            centre.scheduler.schedule(zone, START, first_due=START + offset)
        schedule_s = time.perf_counter() - t

        idle = []
        for k in range(50):  # baseline 1: a tick with nothing due and nothing pending
            quiet = START - timedelta(hours=2) + timedelta(seconds=k)
            t = time.perf_counter()
            centre.round(quiet)
            idle.append(time.perf_counter() - t)
        commits = []
        for _ in range(50):  # baseline 2: one committed row
            t = time.perf_counter()
            with centre.database.transaction() as session:
                session.add(
                    PatrolLogRow(zone="bench", cause="paused", reason="", since=START, until=START)
                )
            commits.append(time.perf_counter() - t)

        ticks, advance_s, pick_s = [], 0.0, 0.0
        minutes = int(args.hours * 60)
        for m in range(minutes):
            now = START + timedelta(minutes=m)
            for n, (lat, lon) in enumerate(d.nest for d in drones):
                centre.conditions.report_wind(WindReport(f"nest-{n}", lat, lon, 4.0, now))
            t0 = time.perf_counter()
            for report in fleet.reports(now):
                if report.completed:
                    centre.queue.task_completed(report.task_id, report.at)
                else:
                    centre.queue.task_interrupted(
                        report.task_id, report.at, report.reason, report.remainder
                    )
            t1 = time.perf_counter()
            centre.scheduler.advance(now)
            t2 = time.perf_counter()
            centre.queue.pick(now)
            t3 = time.perf_counter()
            advance_s += t2 - t1
            pick_s += t3 - t2
            ticks.append(t3 - t0)
        end = START + timedelta(minutes=minutes)
        stats = centre.chooser.stats
        tasks = centre.queue.tasks()
        targets = [Target(z.name, z.priority, z.revisit_minutes or 0) for z in zones]
        report = compliance(centre.database, targets, START, end)
        centre.close()

    total = sum(ticks)
    ms = sorted(1000 * x for x in ticks)
    idle_ms = 1000 * statistics.median(idle)
    commit_ms = 1000 * statistics.median(commits)
    mean_ms = 1000 * total / len(ticks)
    print(f"{args.zones} zones, {args.drones} drones, {minutes} ticks of one simulated minute")
    print(f"scheduling {args.zones} zones: {schedule_s:.2f} s")
    print(
        f"per tick: mean {mean_ms:.1f} ms, p95 {ms[int(0.95 * len(ms))]:.1f} ms, "
        f"max {ms[-1]:.1f} ms (whole day {total:.1f} s wall)"
    )
    print(
        f"  advance {1000 * advance_s / len(ticks):.1f} ms, "
        f"pick {1000 * pick_s / len(ticks):.1f} ms"
    )
    print(
        f"  solver: {stats.solver_runs} runs, {stats.reused} answers reused, "
        f"{stats.choices} choices ({stats.choices / len(ticks):.0f} tasks judged per tick); "
        f"{stats.solver_s:.1f} s = {100 * stats.solver_s / total:.0f} % of the tick time"
    )
    print(
        f"baselines: idle tick {idle_ms:.2f} ms, one committed row {commit_ms:.2f} ms; "
        f"mean tick = {mean_ms / idle_ms:.0f}× idle = {mean_ms / commit_ms:.1f} commits"
    )
    done = sum(1 for t in tasks if t.state is TaskState.DONE)
    met = {p: [r for r in report if r.priority == p] for p in (1, 2, 3, 4)}
    print(f"patrols done {done}, tasks {len(tasks)}; zones meeting target by priority: ", end="")
    print(", ".join(f"P{p} {sum(r.meets_target for r in rs)}/{len(rs)}" for p, rs in met.items()))


if __name__ == "__main__":
    main()
