"""GeoJSON export (RFC 7946, longitude first) of a mission's route and waypoints, for the map."""

from __future__ import annotations

import json
import math
from typing import Any

from missions.estimate import has_position
from missions.items import Cmd, Mission


def mission_geojson(mission: Mission) -> dict[str, Any]:
    """A FeatureCollection: route home → waypoints → home (LineString), a Point per waypoint."""
    home = mission.home
    route = [[home.longitude_deg, home.latitude_deg]]
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [home.longitude_deg, home.latitude_deg]},
            "properties": {"role": "home", "altitude_m": home.altitude_m},
        }
    ]
    for index, item in enumerate(mission.items):
        if item.command == Cmd.NAV_RETURN_TO_LAUNCH:
            route.append([home.longitude_deg, home.latitude_deg])
            continue
        if not item.is_nav or not has_position(item):
            continue
        route.append([item.longitude_deg, item.latitude_deg])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [item.longitude_deg, item.latitude_deg],
                },
                "properties": {
                    "role": "waypoint",
                    "item_index": index,
                    "seq": index + 1,
                    "command": int(item.command),
                    "frame": int(item.frame),
                    "altitude_m": None if math.isnan(item.altitude_m) else item.altitude_m,
                },
            }
        )
    features.insert(
        0,
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": route},
            "properties": {"role": "route", "cruise_speed_mps": mission.cruise_speed_mps},
        },
    )
    return {"type": "FeatureCollection", "features": features}


def write_mission_geojson(mission: Mission) -> str:
    """The GeoJSON export as text."""
    return json.dumps(mission_geojson(mission), indent=2, allow_nan=False) + "\n"
