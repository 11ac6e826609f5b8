"""Seeded test polygons in metres: star-shaped zones, optionally with a hole."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon


def star_polygon(
    seed: int, vertices: int = 12, radius_m: float = 300.0, jitter: float = 0.35, hole: bool = False
) -> Polygon:
    """A valid star-shaped polygon about the origin (concave if jitter > 0), maybe with a hole."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0.0, 2 * np.pi, vertices))
    angles = (
        np.linspace(0, 2 * np.pi, vertices, endpoint=False)
        if np.diff(angles).min() < 1e-3
        else angles
    )
    radii = radius_m * (1.0 + jitter * rng.uniform(-1.0, 1.0, vertices))
    polygon = Polygon(np.c_[radii * np.cos(angles), radii * np.sin(angles)])
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon).buffer(0)
    if hole:
        centre = rng.uniform(-0.2, 0.2, 2) * radius_m
        polygon = polygon.difference(shapely.Point(centre).buffer(radius_m * 0.15, quad_segs=3))
    if polygon.geom_type != "Polygon":
        polygon = max(shapely.get_parts(polygon), key=lambda p: p.area)
    return polygon
