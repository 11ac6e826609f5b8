"""Boustrophedon survey of a polygon (metres), in stages after Fields2Cover: decomposition
(missions.decomposition), lane generation (missions.lanes), sweep-angle search (missions.sweep)
and cell ordering (missions.ordering), all by an objective passed in (missions.objective); then
the lanes turned back, clipped to the margin and joined inside the zone."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from missions.camera import Swath
from missions.lanes import Lane
from missions.objective import PATH_LENGTH, Objective
from missions.routing import (
    Point2,
    VisibilityRouter,
    bend_vertices,
    path_length,
    polygons_of,
    segments_within,
)
from missions.sweep import EXACT_ANGLES, Sweep, best_sweeps, candidate_angles

__all__ = ["Lane", "SurveyPath", "candidate_angles", "footprint_cover", "plan_survey"]


@dataclass(frozen=True)
class SurveyPath:
    """A survey in metres: waypoints in order, lanes flown (start, end), the sweep angle."""

    waypoints: tuple[Point2, ...]
    lanes: tuple[Lane, ...]
    angle_deg: float  # lane direction, counter-clockwise from east
    spacing_m: float  # distance between neighbouring lanes (≤ the swath)
    margin_m: float  # how far outside the zone the path may go
    cells: int  # cells of the decomposition

    @property
    def length_m(self) -> float:
        """Flight length of the survey from its first to its last waypoint."""
        return path_length(self.waypoints)


def plan_survey(
    region: BaseGeometry,
    swath: Swath,
    margin_m: float | None = None,
    start: Point2 | None = None,
    angle_deg: float | None = None,
    objective: Objective = PATH_LENGTH,
) -> SurveyPath:
    """Lanes covering `region` (metres) spaced by the swath, at the sweep angle (and cell order)
    the objective rates best: the shortest path unless told otherwise. The best few sweeps are
    joined into flown paths and rated again, links routed inside the zone included."""
    polygons = polygons_of(region)
    if not polygons:
        raise ValueError("survey region is empty")
    region = shapely.union_all(polygons)
    spacing = swath.spacing_m
    margin = spacing / 2.0 if margin_m is None else margin_m
    angles = [angle_deg] if angle_deg is not None else None
    sweeps = best_sweeps(region, swath, start, angles, objective)[:FLOWN_SWEEPS]
    allowed = region.buffer(margin)
    paths = [_flown(sweep, region, allowed, margin) for sweep in sweeps]
    return min(paths, key=lambda path: objective.path_cost(path.waypoints))


FLOWN_SWEEPS = EXACT_ANGLES
"""How many of the cheapest sweeps are joined into flown paths before one is chosen."""


def _flown(sweep: Sweep, region: BaseGeometry, allowed: BaseGeometry, margin: float) -> SurveyPath:
    """A sweep's lanes turned back, clipped to the margin and joined inside the zone."""
    origin = region.centroid
    lanes = [_unrotate(lane, sweep.angle_deg, origin) for lane in sweep.lanes]
    if margin < sweep.step_m / 2.0:
        lanes = _clip(lanes, allowed)
    waypoints = _connect(lanes, region, allowed)
    return SurveyPath(
        waypoints=tuple(waypoints),
        lanes=tuple(lanes),
        angle_deg=sweep.angle_deg,
        spacing_m=sweep.step_m,
        margin_m=margin,
        cells=len(sweep.cells),
    )


def footprint_cover(survey: SurveyPath, swath: Swath) -> BaseGeometry:
    """Ground the survey's lanes see (metres): each lane's footprint swept along it.

    A footprint is `survey.spacing_m` across (neighbouring lanes keep the asked side overlap)
    by twice `swath.lane_inset_m` along track, centred on the drone and turned with the lane.
    """
    if not survey.lanes:
        return shapely.Polygon()
    ends = np.asarray(survey.lanes, dtype=float)  # (lanes, 2, 2)
    heading = ends[:, 1] - ends[:, 0]
    length = np.hypot(heading[:, 0], heading[:, 1])
    sweep = math.radians(survey.angle_deg)
    fallback = np.asarray([math.cos(sweep), math.sin(sweep)])
    safe = np.where(length[:, None] > 1e-9, heading / np.maximum(length, 1e-9)[:, None], fallback)
    along = safe * swath.lane_inset_m
    across = np.c_[-safe[:, 1], safe[:, 0]] * (survey.spacing_m / 2.0 + 1e-6)  # neighbours overlap
    a, b = ends[:, 0] - along, ends[:, 1] + along
    rings = np.stack([a - across, b - across, b + across, a + across, a - across], axis=1)
    return shapely.union_all(shapely.polygons(rings))


def _unrotate(lane: Lane, angle: float, origin: shapely.Point) -> Lane:
    line = affinity.rotate(shapely.LineString(lane), angle, origin=origin)
    a, b = line.coords
    return (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))


def _clip(lanes: list[Lane], allowed: BaseGeometry) -> list[Lane]:
    """Shorten lanes to the allowed region when the margin is tighter than half the spacing."""
    clipped: list[Lane] = []
    for a, b in lanes:
        inside = shapely.intersection(shapely.LineString([a, b]), allowed)
        parts = [
            p for p in shapely.get_parts(inside) if p.geom_type == "LineString" and p.length > 0
        ]
        if not parts:
            continue
        coords = np.concatenate([np.asarray(p.coords) for p in parts])
        direction = np.subtract(b, a)
        t = (coords - a) @ direction
        lo, hi = coords[np.argmin(t)], coords[np.argmax(t)]
        clipped.append(((float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1]))))
    return clipped


def _connect(lanes: list[Lane], region: BaseGeometry, allowed: BaseGeometry) -> list[Point2]:
    """Waypoints lane after lane; links routed inside the allowed region when needed."""
    edge_ok = segments_within(allowed.buffer(1e-6))
    router: VisibilityRouter | None = None
    points: list[Point2] = []
    for a, b in lanes:
        if points:
            here = points[-1]
            if not bool(edge_ok(np.asarray([here]), np.asarray([a]))[0]):
                if router is None:
                    nodes = bend_vertices(region, False)
                    router = VisibilityRouter(nodes, edge_ok)
                route = router.route(here, a)
                if route is not None:
                    points.extend(route[1:-1])
        if not points or points[-1] != a:
            points.append(a)
        points.append(b)
    return points
