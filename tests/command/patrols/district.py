"""A district for the week of patrols: 20 zones around three drone nests in Huaiyin (Jinan),
two wind stations, and the week's weather and events."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from shapely.geometry import Point

from command.patrols import FlyingRules, NightRule, NoFlyWindow, PatrolZone, WindReport

from .fleet import SimDrone

ORIGIN = (36.6425, 116.9275)
WEEK_START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # 08:00 in Jinan
WEEK_END = WEEK_START + timedelta(days=7)
NESTS = {"copter-1": (0.0, 0.0), "copter-2": (4.0, 1.0), "copter-3": (1.5, -3.5)}  # km E, N
# priority: (zones, revisit min, time on task s)
TIERS = {1: (4, 120, 600.0), 2: (6, 240, 720.0), 3: (6, 480, 900.0), 4: (4, 720, 900.0)}
WINDY = (WEEK_START + timedelta(days=2, hours=1), WEEK_START + timedelta(days=2, hours=9))
LINK_OUTAGE = (WEEK_START + timedelta(days=1, hours=3), WEEK_START + timedelta(days=1, hours=7))
CLOSURE_START = WEEK_START + timedelta(days=3)


def place(east_km: float, north_km: float) -> tuple[float, float]:
    """Latitude and longitude (degrees) of a point km east and north of the origin."""
    lat = ORIGIN[0] + north_km / 111.2
    lon = ORIGIN[1] + east_km / (111.2 * math.cos(math.radians(ORIGIN[0])))
    return lat, lon


def zones(seed: int = 11) -> list[PatrolZone]:
    """20 zones within 2.6 km of a nest; two critical ones, by nests whose drones carry SO2
    sensors, need one."""
    rng = random.Random(seed)
    nests = list(NESTS.values())
    out = []
    for priority, (count, revisit, work_s) in TIERS.items():
        for k in range(count):
            east, north = nests[(priority + k) % 3]
            angle, reach = rng.uniform(0, 2 * math.pi), rng.uniform(0.6, 2.6)
            lat, lon = place(east + reach * math.cos(angle), north + reach * math.sin(angle))
            sensors = ("SO2",) if priority == 1 and k in (0, 2) else ()
            out.append(PatrolZone(f"p{priority}-{k}", priority, revisit, lat, lon, work_s, sensors))
    return out


def drones() -> list[SimDrone]:
    """Three drones; copter-3 carries no SO2 sensor and its link is down for 4 hours."""
    out = []
    for name, (east, north) in NESTS.items():
        drone = SimDrone(name, place(east, north))
        if name == "copter-3":
            drone.sensors = frozenset({"PM2_5", "PM10", "NO2"})
            drone.link_outages = [LINK_OUTAGE]
        out.append(drone)
    return out


def rules(closed_zones: list[PatrolZone]) -> FlyingRules:
    """Routine work up to 8 m/s, critical up to 12 m/s; only critical work at night; an
    airspace closure over some zones on the fourth day (8 hours)."""
    area = Point(closed_zones[0].longitude_deg, closed_zones[0].latitude_deg).buffer(0.004)
    for zone in closed_zones[1:]:
        area = area.union(Point(zone.longitude_deg, zone.latitude_deg).buffer(0.004))
    closure = NoFlyWindow("airshow", CLOSURE_START, CLOSURE_START + timedelta(hours=8), area)
    return FlyingRules(
        wind_limit_mps=8.0,
        critical_wind_limit_mps=12.0,
        wind_max_age_s=5400.0,
        night=NightRule(sun_below_deg=-6.0, exempt_max_priority=1),
        windows=(closure,),
    )


def weather(now: datetime) -> list[WindReport]:
    """Two stations' hourly reports: 9.5 m/s on the windy day, else 3–5 m/s."""
    now = now.replace(minute=0, second=0, microsecond=0)
    windy = WINDY[0] <= now < WINDY[1]
    out = []
    for k, (east, north) in enumerate([(0.5, 0.5), (3.0, -2.0)]):
        lat, lon = place(east, north)
        speed = 9.5 if windy else 3.0 + (now.hour % 3) * 0.7 + k * 0.3
        out.append(WindReport(f"station-{k + 1}", lat, lon, speed, now))
    return out
