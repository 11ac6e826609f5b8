"""Flat-earth conversions between latitude/longitude and local metres, as SITL uses them.

Accurate to centimetres over the few kilometres a simulated copter flies from its origin.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_378_137.0
_DEG = math.pi / 180.0


def offset_m(
    lat0_deg: float, lon0_deg: float, lat_deg: float, lon_deg: float
) -> tuple[float, float]:
    """North and east metres from (lat0, lon0) to (lat, lon)."""
    north = (lat_deg - lat0_deg) * _DEG * EARTH_RADIUS_M
    east = (lon_deg - lon0_deg) * _DEG * EARTH_RADIUS_M * math.cos(lat0_deg * _DEG)
    return north, east


def destination(
    lat0_deg: float, lon0_deg: float, north_m: float, east_m: float
) -> tuple[float, float]:
    """Latitude and longitude of the point north_m/east_m metres from (lat0, lon0)."""
    lat = lat0_deg + north_m / EARTH_RADIUS_M / _DEG
    lon = lon0_deg + east_m / (EARTH_RADIUS_M * math.cos(lat0_deg * _DEG)) / _DEG
    return lat, lon


def bearing_deg(north_m: float, east_m: float) -> float:
    """Compass bearing (0 = north, clockwise) of a north/east vector, in [0, 360)."""
    return math.degrees(math.atan2(east_m, north_m)) % 360.0
