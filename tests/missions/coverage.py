"""Coverage as a sensor sees it, built independently of the planner's own footprint code.

A footprint is `across_m` wide (the lane spacing: neighbours keep the asked side overlap) by the
swath's along-track length, centred on the drone and turned with its heading.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import box


def _placed(footprint, x, y, heading_rad):
    return affinity.translate(
        affinity.rotate(footprint, heading_rad, origin=(0, 0), use_radians=True), x, y
    )


def swept_cover(survey, swath):
    """The footprint swept along every lane.

    A camera images every trigger distance, so only its image height less one trigger distance
    at each end is sure to be seen around every point of a lane.
    """
    half_along = swath.footprint_along_m / 2.0 - swath.trigger_distance_m
    half_across = survey.spacing_m / 2.0
    parts = []
    for (x0, y0), (x1, y1) in survey.lanes:
        length = math.hypot(x1 - x0, y1 - y0)
        heading = math.atan2(y1 - y0, x1 - x0) if length > 0 else math.radians(survey.angle_deg)
        strip = box(-half_along, -half_across - 1e-6, length + half_along, half_across + 1e-6)
        parts.append(_placed(strip, x0, y0, heading))
    return shapely.union_all(parts)


def image_cover(survey, swath):
    """A camera: one image every trigger distance of flight from the first waypoint on."""
    points = np.asarray(survey.waypoints, dtype=float)
    legs = np.diff(points, axis=0)
    lengths = np.hypot(legs[:, 0], legs[:, 1])
    starts = np.r_[0.0, np.cumsum(lengths)]
    image = box(
        -swath.footprint_along_m / 2.0,
        -survey.spacing_m / 2.0 - 1e-6,
        swath.footprint_along_m / 2.0,
        survey.spacing_m / 2.0 + 1e-6,
    )
    parts = []
    for s in np.arange(0.0, starts[-1] + 1e-9, swath.trigger_distance_m):
        k = min(int(np.searchsorted(starts, s, side="right")) - 1, len(legs) - 1)
        while lengths[k] == 0 and k > 0:
            k -= 1
        t = (s - starts[k]) / lengths[k] if lengths[k] > 0 else 0.0
        x, y = points[k] + t * legs[k]
        parts.append(_placed(image, x, y, math.atan2(legs[k][1], legs[k][0])))
    return shapely.union_all(parts)


def uncovered_m2(region, survey, swath):
    """Area of the zone no footprint swept along the lanes sees (m²)."""
    return region.difference(swept_cover(survey, swath)).area
