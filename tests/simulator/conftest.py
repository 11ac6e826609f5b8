"""Shared pieces for the simulator tests: a home position and mission builders."""

from __future__ import annotations

from simulator import geo
from tests.helpers.sitl import C

HOME = (36.6425, 116.9275)


def square_mission(
    home: tuple[float, float], side_m: float = 60.0, alt_m: float = 25.0, takeoff_m: float = 20.0
) -> list[tuple[int, int, list[float], float, float, float]]:
    """Home, takeoff, four corners of a square, RTL — as (frame, command, p1-4, lat, lon, alt)."""
    rel = C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
    corners = [(side_m, 0.0), (side_m, side_m), (0.0, side_m), (-side_m / 3, side_m / 3)]
    items = [
        (C.MAV_FRAME_GLOBAL_INT, C.MAV_CMD_NAV_WAYPOINT, [0, 0, 0, 0], home[0], home[1], 0.0),
        (rel, C.MAV_CMD_NAV_TAKEOFF, [0, 0, 0, 0], 0.0, 0.0, takeoff_m),
    ]
    for n, e in corners:
        lat, lon = geo.destination(home[0], home[1], n, e)
        items.append((rel, C.MAV_CMD_NAV_WAYPOINT, [0, 2, 0, 0], lat, lon, alt_m))
    items.append((rel, C.MAV_CMD_NAV_RETURN_TO_LAUNCH, [0, 0, 0, 0], 0.0, 0.0, 0.0))
    return items
