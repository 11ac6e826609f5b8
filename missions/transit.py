"""Transits between zones and to/from home, routed around no-fly zones (never through them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from missions.routing import Point2, VisibilityRouter, segments_clear_of


class TransitError(ValueError):
    """No transit exists: an end lies inside a no-fly zone (plus clearance) or is walled in."""


class TransitPlanner:
    """Shortest transits (metres) keeping `clearance_m` (half of it on legs) from no-fly zones."""

    def __init__(self, no_fly: Sequence[BaseGeometry], clearance_m: float = 20.0) -> None:
        self.clearance_m = clearance_m
        parts = [g for g in no_fly if not g.is_empty]
        self.no_fly = shapely.union_all(parts) if parts else shapely.Polygon()
        self.keep_out = self.no_fly.buffer(clearance_m / 2.0 * 1.01) if parts else shapely.Polygon()
        if parts:
            ring = self.no_fly.buffer(clearance_m, quad_segs=2)
            nodes = shapely.get_coordinates(shapely.boundary(ring))
            nodes = np.unique(np.round(nodes, 6), axis=0)
        else:
            nodes = np.zeros((0, 2))
        self._router = VisibilityRouter(nodes, segments_clear_of(self.keep_out))

    def route(self, start: Point2, goal: Point2) -> list[Point2]:
        """Waypoints from start to goal (both included) clear of every no-fly zone."""
        for label, point in (("start", start), ("goal", goal)):
            if self.keep_out.intersects(shapely.Point(point)):
                raise TransitError(
                    f"transit {label} {point[0]:.1f},{point[1]:.1f} m lies inside a no-fly zone "
                    f"or within {self.clearance_m / 2:g} m of one"
                )
        path = self._router.route(start, goal)
        if path is None:
            raise TransitError("no transit around the no-fly zones reaches the goal")
        return path

    def leg_is_clear(self, start: Point2, goal: Point2) -> bool:
        """True when the straight leg touches no no-fly zone."""
        return not self.no_fly.intersects(shapely.LineString([start, goal]))
