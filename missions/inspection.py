"""Inspection of an enterprise site: orbit above the stack, crosswind transects downwind."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missions.routing import Point2


@dataclass(frozen=True)
class InspectionSpec:
    """Orbit radius (m) and points, transect distances downwind (m), plume half-angle (deg)."""

    orbit_radius_m: float = 80.0
    orbit_points: int = 16
    orbit_clearance_m: float = 20.0  # orbit altitude above the stack top
    transect_distances_m: tuple[float, ...] = (150.0, 300.0, 450.0)
    plume_half_angle_deg: float = 20.0
    min_transect_half_length_m: float = 60.0


@dataclass(frozen=True)
class Leg:
    """Waypoints (metres) flown at one altitude above home."""

    waypoints: tuple[Point2, ...]
    altitude_m: float
    kind: str  # "orbit" or "transect"


def orbit(
    centre: Point2, radius_m: float, points: int, altitude_m: float, start_deg: float = 0.0
) -> Leg:
    """A closed polygonal orbit, counter-clockwise, starting at `start_deg` from east."""
    if not radius_m > 0 or points < 3:
        raise ValueError(f"orbit needs a positive radius and 3+ points, got {radius_m} m, {points}")
    angles = np.radians(start_deg) + np.linspace(0.0, 2 * np.pi, points + 1)
    cx, cy = centre
    pts = tuple(
        (float(cx + radius_m * math.cos(a)), float(cy + radius_m * math.sin(a))) for a in angles
    )
    return Leg(pts, altitude_m, "orbit")


def downwind_unit(wind_from_deg: float) -> tuple[float, float]:
    """Unit vector (east, north) the wind blows to; `wind_from_deg` from north, clockwise."""
    towards = math.radians(wind_from_deg + 180.0)
    return math.sin(towards), math.cos(towards)


def transects(
    source: Point2,
    wind_from_deg: float,
    distances_m: tuple[float, ...],
    altitude_m: float,
    plume_half_angle_deg: float = 20.0,
    min_half_length_m: float = 60.0,
) -> Leg:
    """Crosswind transects at distances downwind of a source, alternating (plume sampling)."""
    dx, dy = downwind_unit(wind_from_deg)
    cross = (-dy, dx)
    points: list[Point2] = []
    for k, distance in enumerate(sorted(distances_m)):
        half = max(min_half_length_m, distance * math.tan(math.radians(plume_half_angle_deg)))
        cx, cy = source[0] + dx * distance, source[1] + dy * distance
        a = (cx - cross[0] * half, cy - cross[1] * half)
        b = (cx + cross[0] * half, cy + cross[1] * half)
        points.extend((a, b) if k % 2 == 0 else (b, a))
    return Leg(tuple(points), altitude_m, "transect")


def plan_inspection(
    centre: Point2,
    site_radius_m: float,
    stack_height_m: float,
    wind_from_deg: float | None,
    spec: InspectionSpec = InspectionSpec(),
    min_altitude_m: float = 30.0,
) -> tuple[Leg, ...]:
    """An orbit above the stack around the site, then transects downwind when the wind is known."""
    radius = max(spec.orbit_radius_m, site_radius_m + spec.orbit_clearance_m)
    orbit_alt = max(min_altitude_m, stack_height_m + spec.orbit_clearance_m)
    legs = [orbit(centre, radius, spec.orbit_points, orbit_alt)]
    if wind_from_deg is not None and spec.transect_distances_m:
        plume_alt = max(min_altitude_m, stack_height_m)
        distances = tuple(d + site_radius_m for d in spec.transect_distances_m)
        legs.append(
            transects(
                centre,
                wind_from_deg,
                distances,
                plume_alt,
                spec.plume_half_angle_deg,
                spec.min_transect_half_length_m,
            )
        )
    return tuple(legs)
