"""Alert benchmark: reading in → dispatch decision out (the engine judging 50 rules, then the
response planner laying out and checking the mission over 200 zones), for 1,000 readings.

The baseline, measured in the same run, is the missions planner planning one enterprise
inspection (plan_zone) — the planning a decision cannot do without.

Run: .venv/bin/python bench/bench_alerts.py   (prints figures, asserts nothing)
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import Point, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from command.alerts import (
    AlertEngine,
    EngineState,
    ResponsePlanner,
    ResponseRefused,
    Rule,
    build_rule,
)
from command.events.types import DroneReading, StationReading
from missions.geo import LocalFrame
from missions.items import Position
from missions.planner import PlanSpec, plan_zone
from missions.zones import Zone, ZoneKind
from sensors.analysis.tracing import WindObs

ORIGIN = (36.6425, 116.9275)
FRAME = LocalFrame.around(*ORIGIN)
OX, OY = FRAME.to_xy(ORIGIN[1], ORIGIN[0])
SIDE_M = 6000.0
T0 = datetime(2026, 5, 1, tzinfo=UTC)
WIND = WindObs(3.0, 225.0)
POLLUTANTS = ("pm2_5", "pm10", "so2", "no2", "co", "o3")


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Longitude/latitude of a point x/y metres from the origin."""
    return FRAME.to_lonlat(OX + x, OY + y)


def make_zones(rng: np.random.Generator) -> list[Zone]:
    """200 zones over 6 × 6 km: 130 enterprise stacks, 55 survey areas, 15 no-fly squares."""
    zones: list[Zone] = []
    for i in range(130):
        lon, lat = lonlat(*rng.uniform(0, SIDE_M, 2))
        zones.append(
            Zone(
                f"enterprise-{i}",
                ZoneKind.ENTERPRISE,
                Point(lon, lat),
                2,
                120.0,
                stack_height_m=float(rng.uniform(10, 80)),
            )
        )
    for i in range(55):
        x, y = rng.uniform(0, SIDE_M - 300, 2)
        (x0, y0), (x1, y1) = lonlat(x, y), lonlat(x + 300, y + 300)
        zones.append(Zone(f"area-{i}", ZoneKind.AREA, box(x0, y0, x1, y1), 3, 240.0))
    for i in range(15):
        x, y = rng.uniform(500, SIDE_M - 700, 2)
        (x0, y0), (x1, y1) = lonlat(x, y), lonlat(x + 200, y + 200)
        zones.append(Zone(f"no-fly-{i}", ZoneKind.NO_FLY, box(x0, y0, x1, y1)))
    return zones


def make_rules(stations: list[str], zones: list[Zone]) -> list[Rule]:
    """50 rules of every kind; a third of them ask for an automatic response."""
    areas = [z.name for z in zones if z.kind is ZoneKind.AREA]
    tables: list[dict] = []
    for i in range(20):
        tables.append(
            {
                "kind": "aqi",
                "pollutants": [POLLUTANTS[i % 6]],
                "category": 2 + i % 3,
                "standard": ("hj633-2026", "hj633-2012", "epa")[i % 3],
                "response": "automatic" if i % 3 == 0 else "on_approval",
                "pattern": "transects" if i % 2 else "inspect_upwind",
            }
        )
    for i in range(10):
        tables.append(
            {
                "kind": "rise_rate",
                "pollutants": [POLLUTANTS[i % 6]],
                "rise_per_hour": 40.0,
                "stations": stations[i::10],
            }
        )
    for i in range(5):
        tables.append({"kind": "hot_spot", "pollutants": [POLLUTANTS[i]], "radius_km": 3.0})
    for i in range(5):
        tables.append({"kind": "silence", "silent_minutes": 90.0 + 30 * i})
    for i in range(10):
        table = {
            "kind": "drone_sample",
            "pollutants": [POLLUTANTS[i % 6]],
            "above": 300.0 if POLLUTANTS[i % 6] != "co" else 12.0,
            "response": "automatic" if i < 6 else "none",
        }
        if i >= 8:
            table["zone"] = areas[i]
        tables.append(table)
    names = {z.name for z in zones}
    return [
        build_rule({"name": f"rule-{k}", **t}, zones=names, stations=stations)
        for k, t in enumerate(tables)
    ]


def make_readings(rng: np.random.Generator, stations: dict[str, tuple[float, float]]):
    """600 hourly station readings (50 stations × 12 h) and 400 drone samples, mixed in time
    order; about one in five carries a spike."""
    background = {"pm2_5": 40.0, "pm10": 80.0, "so2": 10.0, "no2": 30.0, "co": 0.7, "o3": 90.0}
    spike = {"pm2_5": 160.0, "pm10": 400.0, "so2": 700.0, "no2": 900.0, "co": 40.0, "o3": 500.0}
    readings = []
    for hour in range(12):
        for sid, (lat, lon) in stations.items():
            values = {p: v * rng.uniform(0.8, 1.2) for p, v in background.items()}
            if rng.random() < 0.2:
                p = POLLUTANTS[int(rng.integers(6))]
                values[p] = spike[p] * rng.uniform(1.0, 1.5)
            when = T0 + timedelta(hours=hour + 1)
            readings.append(
                StationReading(
                    time_utc=when,
                    station_id=sid,
                    name=sid,
                    latitude_deg=lat,
                    longitude_deg=lon,
                    values=tuple(values.items()),
                    period_end_utc=when,
                )
            )
        for k in range(34 if hour < 4 else 33):
            lon, lat = lonlat(*rng.uniform(300, SIDE_M - 300, 2))
            values = {p: v * rng.uniform(0.8, 1.2) for p, v in background.items()}
            if rng.random() < 0.35:
                p = POLLUTANTS[int(rng.integers(6))]
                values[p] = spike[p] * rng.uniform(1.0, 1.5)
            readings.append(
                DroneReading(
                    time_utc=T0 + timedelta(hours=hour, minutes=k),
                    vehicle="uav-1",
                    sortie_id=hour,
                    latitude_deg=lat,
                    longitude_deg=lon,
                    altitude_m=50.0,
                    values=tuple(values.items()),
                )
            )
    return readings[:1000]


def nearest_home(homes: list[Position], lat: float, lon: float) -> Position:
    """The drone base nearest to the alert (the allocator's first cut)."""
    return min(homes, key=lambda h: (h.latitude_deg - lat) ** 2 + (h.longitude_deg - lon) ** 2)


def percentile(values: list[float], q: float) -> float:
    """q-th percentile (linear) of values."""
    return float(np.percentile(values, q))


def main() -> None:
    rng = np.random.default_rng(11)
    zones = make_zones(rng)
    stations = {}
    for i in range(50):
        lon, lat = lonlat(*rng.uniform(0, SIDE_M, 2))
        stations[f"ST-{i:03d}"] = (lat, lon)
    rules = make_rules(list(stations), zones)
    readings = make_readings(rng, stations)
    bases = [lonlat(x, y) for x in (1500.0, 4500.0) for y in (1500.0, 4500.0)]
    homes = [Position(lat, lon, 30.0) for lon, lat in bases]

    # baseline: the missions planner's own enterprise inspection, same zones and wind
    sites = [z for z in zones if z.kind is ZoneKind.ENTERPRISE][:100]
    spec = PlanSpec(wind_from_deg=WIND.from_deg)
    baseline = []
    for zone in sites:
        home = nearest_home(homes, zone.geometry.y, zone.geometry.x)
        start = time.perf_counter()
        plan_zone(zone, home, zones, spec)
        baseline.append(time.perf_counter() - start)

    engine = AlertEngine(rules, zones)
    planner = ResponsePlanner(zones)
    observe_s, decision_s = [], []
    planned = refused = approvals = 0
    now = T0
    for reading in readings:
        now = max(now, reading.time_utc)
        start = time.perf_counter()
        outcome = engine.observe(reading, now)
        for request in outcome.responses:
            home = nearest_home(homes, request.latitude_deg, request.longitude_deg)
            try:
                plan = planner.plan(request, WIND, home)
                engine.record_plan(request.alert_id, plan.summary, now)
                planned += 1
            except ResponseRefused as exc:
                engine.record_refusal(request.alert_id, str(exc), now)
                refused += 1
        elapsed = time.perf_counter() - start
        observe_s.append(elapsed)
        if outcome.responses:
            decision_s.append(elapsed)
        approvals += sum("awaits approval" in getattr(e, "message", "") for e in outcome.events)
    tick_start = time.perf_counter()
    engine.tick(now + timedelta(hours=3))
    tick_s = time.perf_counter() - tick_start
    state_start = time.perf_counter()
    saved = engine.state().to_dict()
    AlertEngine(rules, zones, state=EngineState.from_dict(saved))
    state_s = time.perf_counter() - state_start

    ms = 1000.0
    base = statistics.median(baseline)
    decided = statistics.median(decision_s)
    n_station = sum(isinstance(r, StationReading) for r in readings)
    print(
        f"{len(readings)} readings ({n_station} station, {len(readings) - n_station} drone), "
        f"{len(rules)} rules, {len(zones)} zones, {len(stations)} stations"
    )
    print(
        f"alerts raised: {len(engine.state().alerts)}; readings asking a response: "
        f"{len(decision_s)} → {planned} planned, {refused} refused; {approvals} await approval"
    )
    print(
        f"baseline plan_zone (one enterprise inspection): median {base * ms:.2f} ms, "
        f"p99 {percentile(baseline, 99) * ms:.2f} ms"
    )
    print(
        f"reading → decision (observe + plan + checks): median {decided * ms:.2f} ms, "
        f"p99 {percentile(decision_s, 99) * ms:.2f} ms, max {max(decision_s) * ms:.2f} ms "
        f"(goal < 100 ms); median ÷ baseline {decided / base:.2f}"
    )
    print(
        f"every reading (observe, and plan when asked): "
        f"median {statistics.median(observe_s) * ms:.3f} ms, "
        f"p99 {percentile(observe_s, 99) * ms:.2f} ms"
    )
    print(
        f"tick over {len(stations)} stations: {tick_s * ms:.2f} ms; "
        f"state save + restore ({len(saved['alerts'])} alerts): {state_s * ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
