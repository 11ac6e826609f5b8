"""Geofence as ArduCopter checks it: maximum altitude, a circle around home, and uploaded
inclusion/exclusion polygons and circles. Geometry is in local metres (north, east).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.mission import Item

FENCE_ALT_MAX, FENCE_CIRCLE, FENCE_POLYGON = 1, 2, 4

Point = tuple[float, float]


def point_in_polygon(p: Point, polygon: list[Point]) -> bool:
    """Even-odd rule: whether p lies inside polygon (north, east vertices)."""
    n, e = p
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        ni, ei = polygon[i]
        nj, ej = polygon[j]
        if (ei > e) != (ej > e) and n < (nj - ni) * (e - ei) / (ej - ei) + ni:
            inside = not inside
        j = i
    return inside


@dataclass(frozen=True)
class FenceGeometry:
    """Uploaded fence shapes in local metres."""

    inclusion_polygons: tuple[tuple[Point, ...], ...] = ()
    exclusion_polygons: tuple[tuple[Point, ...], ...] = ()
    inclusion_circles: tuple[tuple[Point, float], ...] = ()
    exclusion_circles: tuple[tuple[Point, float], ...] = ()

    @classmethod
    def from_items(cls, items: list[Item], to_local: object) -> FenceGeometry:
        """Group FENCE items into shapes; to_local(lat, lon) -> (north, east)."""
        conv = to_local  # callable
        inc_p: list[tuple[Point, ...]] = []
        exc_p: list[tuple[Point, ...]] = []
        inc_c: list[tuple[Point, float]] = []
        exc_c: list[tuple[Point, float]] = []
        i = 0
        while i < len(items):
            it = items[i]
            if it.command in (
                mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
                mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
            ):
                n = max(int(it.param1), 1)
                poly = tuple(conv(v.lat, v.lon) for v in items[i : i + n])  # type: ignore[operator]
                inclusion = it.command == mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
                (inc_p if inclusion else exc_p).append(poly)
                i += n
                continue
            if it.command == mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION:
                inc_c.append((conv(it.lat, it.lon), it.param1))  # type: ignore[operator]
            elif it.command == mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION:
                exc_c.append((conv(it.lat, it.lon), it.param1))  # type: ignore[operator]
            i += 1
        return cls(tuple(inc_p), tuple(exc_p), tuple(inc_c), tuple(exc_c))

    def breach(self, p: Point) -> str | None:
        """Name of the shape p breaches, or None."""
        for poly in self.inclusion_polygons:
            if not point_in_polygon(p, list(poly)):
                return "Polygon"
        for poly in self.exclusion_polygons:
            if point_in_polygon(p, list(poly)):
                return "Polygon"
        for centre, r in self.inclusion_circles:
            if math.dist(p, centre) > r:
                return "Circle"
        for centre, r in self.exclusion_circles:
            if math.dist(p, centre) < r:
                return "Circle"
        return None


def fence_breach(
    fence_type: int,
    alt_max_m: float,
    radius_m: float,
    geometry: FenceGeometry,
    position: Point,
    home: Point,
    height_m: float,
) -> str | None:
    """Which enabled fence a vehicle at position/height breaches ('Altitude', 'Circle', ...)."""
    if fence_type & FENCE_ALT_MAX and height_m > alt_max_m:
        return "Altitude"
    if fence_type & FENCE_CIRCLE and math.dist(position, home) > radius_m:
        return "Circle"
    if fence_type & FENCE_POLYGON:
        return geometry.breach(position)
    return None
