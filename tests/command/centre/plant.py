"""A simulator world for the centre's quick-response tests: the Huaiyin thermal plant's stack
switching on part-way through, a monitoring station 600 m downwind of it, the world's clock set
in the past (so live rows are never in the future), and the zones the centre flies over."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.command.alerts.plume_flight import EARTH_RADIUS_M
from tests.helpers.sitl import ROOT

PLANT = (36.648, 116.945)
"""The thermal plant's stack (the enterprise zone huaiyin-thermal-plant)."""
HOME = (36.6496, 116.9497, 30.0)
"""Where the drones stand: 250 m south of the downwind station (a response fits one battery)."""
WIND_FROM_DEG = 225.0
STATION = "SIM-1002A"
"""The station downwind of the plant."""
STATION_DOWNWIND_M = 600.0
STATION_INTERVAL_S = 20.0
"""Seconds of simulated time per station row."""


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point north_m/east_m from lat/lon (small distances)."""
    d_lat = math.degrees(north_m / EARTH_RADIUS_M)
    d_lon = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return lat + d_lat, lon + d_lon


def downwind_of_plant(distance_m: float) -> tuple[float, float]:
    """The point distance_m downwind of the stack."""
    towards = math.radians(WIND_FROM_DEG + 180.0)
    return offset(*PLANT, distance_m * math.cos(towards), distance_m * math.sin(towards))


def plant_world(folder: Path, on_s: float) -> tuple[Path, datetime]:
    """The default world with the plant's stack (45 m, SO2 18 g/s) switching on at `on_s`
    simulated seconds, light gusts, its downwind station moved 600 m downwind of the stack, and
    its clock starting 2 h ago. The file and the world's start (UTC)."""
    doc = json.loads((ROOT / "simulator" / "worlds" / "huaiyin.json").read_text())
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    doc["start_utc"] = start.isoformat().replace("+00:00", "Z")
    doc["station_interval_s"] = STATION_INTERVAL_S
    doc["wind"].update({"speed_mps": 3.0, "from_deg": WIND_FROM_DEG, "gust_mps": 0.3})
    doc["wind"]["veer_deg"] = 2.0
    plant = doc["sources"][0]
    plant.update(
        {
            "lat": PLANT[0],
            "lon": PLANT[1],
            "stack_height_m": 45.0,
            "emissions_g_s": {"so2": 18.0, "no2": 14.0, "co": 9.0, "pm2_5": 2.5},
            "on_s": on_s,
        }
    )
    doc["sources"] = [plant]
    for station in doc["stations"]:
        if station["id"] == STATION:
            station["lat"], station["lon"] = downwind_of_plant(STATION_DOWNWIND_M)
    path = folder / "plant-world.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path, start


def zones_document(folder: Path) -> Path:
    """The district fence, the plant as an enterprise zone (inspected every 12 h, priority 1)
    and a low-priority survey yard by the drones' home, patrolled every 8 h."""
    yard = [
        offset(HOME[0], HOME[1], n, e)
        for n, e in ((-60, -260), (-60, 140), (180, 140), (180, -260), (-60, -260))
    ]
    doc = {
        "type": "FeatureCollection",
        "features": [
            _feature(
                {"name": "huaiyin-fence", "kind": "fence"},
                "Polygon",
                [
                    [
                        [116.9, 36.63],
                        [116.965, 36.63],
                        [116.965, 36.675],
                        [116.9, 36.675],
                        [116.9, 36.63],
                    ]
                ],
            ),
            _feature(
                {
                    "name": "huaiyin-thermal-plant",
                    "kind": "enterprise",
                    "priority": 1,
                    "revisit_minutes": 720,
                    "stack_height_m": 45,
                    "pattern": "inspection",
                },
                "Point",
                [PLANT[1], PLANT[0]],
            ),
            _feature(
                {
                    "name": "depot-yard",
                    "kind": "area",
                    "priority": 4,
                    "revisit_minutes": 480,
                    "altitude_m": 30,
                    "speed_mps": 8,
                },
                "Polygon",
                [[[lon, lat] for lat, lon in yard]],
            ),
        ],
    }
    path = folder / "zones.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _feature(properties: dict[str, object], kind: str, coordinates: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": kind, "coordinates": coordinates},
    }
