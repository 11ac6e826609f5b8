"""A seeded district snapshot (stations, drones, paths, zones, alerts) for tests and the bench."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from maps.model import AlertMark, DronePoint, FlightPath, MapSnapshot, StationPoint, ZoneShape
from sensors.aqi import aqi as compute_aqi

CENTRE = (36.651, 116.966)
HOUR = datetime(2026, 11, 3, 6, tzinfo=UTC)
MODES = ("AUTO", "GUIDED", "LOITER", "RTL", "LAND")
LINKS = ("OK", "OK", "OK", "LOST", "CONNECTING")


def station(i: int, rng: np.random.Generator, name: str | None = None) -> StationPoint:
    """One station with a real HJ 633-2026 hourly AQI from random concentrations."""
    c = {
        "pm2_5_1h": float(rng.gamma(3.0, 18.0)),
        "pm10_1h": float(rng.gamma(3.0, 30.0)),
        "so2_1h": float(rng.gamma(2.0, 12.0)),
        "no2_1h": float(rng.gamma(3.0, 15.0)),
        "co_1h": float(rng.gamma(2.0, 0.4)),
        "o3_1h": float(rng.gamma(3.0, 30.0)),
    }
    result = compute_aqi(c, "hj633-2026", "hourly")
    iaqi = {k.rsplit("_", 1)[0]: v for k, v in result.iaqi.items() if k in c}
    lat = CENTRE[0] + float(rng.uniform(-0.25, 0.25))
    lon = CENTRE[1] + float(rng.uniform(-0.3, 0.3))
    series = tuple(None if rng.random() < 0.05 else int(rng.integers(10, 260)) for _ in range(24))
    return StationPoint(
        id=f"ST{i:04d}",
        name=name or f"监测站 {i:04d}",
        lat=lat,
        lon=lon,
        values={k.rsplit("_", 1)[0]: round(v, 1) for k, v in c.items()},
        iaqi=iaqi,
        aqi=result.aqi,
        category=None if result.category is None else result.category.index,
        primary=tuple(result.primary),
        aqi_24h=series,
        time=HOUR,
    )


def square(lat: float, lon: float, half_deg: float, vertices: int = 12) -> dict:
    """A closed GeoJSON polygon ring around (lat, lon)."""
    ring = [
        [
            round(lon + half_deg * math.cos(2 * math.pi * k / vertices), 6),
            round(lat + half_deg * math.sin(2 * math.pi * k / vertices), 6),
        ]
        for k in range(vertices)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def district_snapshot(
    stations: int = 2000, drones: int = 50, zones: int = 200, seed: int = 12, track_points: int = 60
) -> MapSnapshot:
    """Stations, drones with tracks and routes, zones of every kind, a few alerts."""
    rng = np.random.default_rng(seed)
    st = [station(i, rng) for i in range(stations)]
    dr, paths = [], []
    for i in range(drones):
        lat = CENTRE[0] + float(rng.uniform(-0.2, 0.2))
        lon = CENTRE[1] + float(rng.uniform(-0.2, 0.2))
        dr.append(
            DronePoint(
                id=f"UAV{i:02d}",
                name=f"UAV-{i:02d}",
                lat=lat,
                lon=lon,
                heading_deg=float(rng.uniform(0, 360)),
                battery_pct=float(rng.uniform(15, 100)),
                mode=MODES[i % len(MODES)],
                link=LINKS[i % len(LINKS)],
                altitude_m=float(rng.uniform(30, 120)),
                groundspeed_mps=float(rng.uniform(0, 12)),
                armed=True,
                sortie=f"S-{i:03d}",
            )
        )
        walk = np.cumsum(rng.normal(0, 2e-4, (track_points, 2)), axis=0)
        paths.append(FlightPath(f"UAV{i:02d}", "track", [(lat + a, lon + b) for a, b in walk]))
        route = [(lat + 0.01 * math.sin(k / 3), lon + 0.002 * k) for k in range(12)]
        paths.append(FlightPath(f"UAV{i:02d}", "route", route))
    kinds = ("area", "area", "enterprise", "corridor", "no_fly", "fence")
    zs = []
    for i in range(zones):
        kind = kinds[i % len(kinds)]
        lat = CENTRE[0] + float(rng.uniform(-0.25, 0.25))
        lon = CENTRE[1] + float(rng.uniform(-0.3, 0.3))
        if kind == "corridor":
            geometry = {
                "type": "LineString",
                "coordinates": [[lon + 0.003 * k, lat + 0.001 * k] for k in range(10)],
            }
        else:
            geometry = square(lat, lon, 0.004)
        priority = None if kind in ("no_fly", "fence") else 1 + i % 4
        zs.append(ZoneShape(f"Z{i:03d}", f"区域 {i:03d}", kind, geometry, priority, 60.0))
    alerts = [
        AlertMark(
            f"AL{i}", f"PM2.5 超标 {i}", st[i].lat, st[i].lon, 120.0 + 10 * i, "open", "pm2_5", HOUR
        )
        for i in range(min(5, len(st)))
    ]
    return MapSnapshot(
        stations=st, drones=dr, paths=paths, zones=zs, alerts=alerts, centre=CENTRE, zoom=11
    )
