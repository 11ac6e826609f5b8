"""Corridor survey: lanes parallel to a river or road centreline, alternating direction."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString

from missions.camera import Swath
from missions.routing import Point2
from missions.survey import SurveyPath


def plan_corridor(centreline: LineString, width_m: float, swath: Swath) -> SurveyPath:
    """Offset lanes covering a corridor `width_m` wide about a centreline in metres."""
    if centreline.length <= 0:
        raise ValueError("corridor centreline has zero length")
    if not width_m > 0:
        raise ValueError(f"corridor width_m must be positive, got {width_m}")
    n = max(1, math.ceil(width_m / swath.spacing_m - 1e-9))
    step = width_m / n
    offsets = -width_m / 2.0 + step * (np.arange(n) + 0.5)
    lanes: list[list[Point2]] = []
    for k, offset in enumerate(offsets):
        line = (
            centreline
            if abs(offset) < 1e-9
            else shapely.offset_curve(centreline, float(offset), join_style="round", quad_segs=4)
        )
        parts = [p for p in shapely.get_parts(line) if isinstance(p, LineString) and p.length > 0]
        if not parts:
            continue
        part = max(parts, key=lambda p: p.length)
        coords = [(float(x), float(y)) for x, y in part.coords]
        lanes.append(coords if k % 2 == 0 else coords[::-1])
    waypoints: list[Point2] = [p for lane in lanes for p in lane]
    first = np.asarray(centreline.coords[1]) - np.asarray(centreline.coords[0])
    return SurveyPath(
        waypoints=tuple(waypoints),
        lanes=tuple((lane[0], lane[-1]) for lane in lanes),
        angle_deg=float(math.degrees(math.atan2(first[1], first[0])) % 180.0),
        spacing_m=step,
        margin_m=step / 2.0,
        cells=1,
    )
