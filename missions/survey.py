"""Boustrophedon survey of a polygon (metres): strip lanes, cell decomposition, best angle."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from missions.camera import Swath
from missions.routing import (
    Point2,
    VisibilityRouter,
    bend_vertices,
    path_length,
    polygons_of,
    segments_within,
)

Lane = tuple[Point2, Point2]


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


@dataclass(frozen=True)
class _Cell:
    """Lanes of one cell, bottom to top, as (y, x_left, x_right) in the rotated frame."""

    rows: tuple[tuple[float, float, float], ...]

    def variant(self, from_top: bool, rightward: bool) -> list[Lane]:
        rows = self.rows[::-1] if from_top else self.rows
        lanes: list[Lane] = []
        for y, x0, x1 in rows:
            lanes.append(((x0, y), (x1, y)) if rightward else ((x1, y), (x0, y)))
            rightward = not rightward
        return lanes


def _cells(rotated: BaseGeometry, spacing_m: float) -> tuple[list[_Cell], float]:
    """Cut the rotated region into horizontal strips and chain strip pieces into cells."""
    minx, miny, maxx, maxy = rotated.bounds
    height = maxy - miny
    n = max(1, math.ceil(height / spacing_m - 1e-9))
    step = height / n
    edges = miny + step * np.arange(n + 1)
    edges[0] -= 1e-6
    edges[-1] += 1e-6
    lows, highs = edges[:-1], edges[1:]
    boxes = shapely.box(minx - 1.0, lows, maxx + 1.0, highs)
    pieces, lane_index = shapely.get_parts(shapely.intersection(boxes, rotated), return_index=True)
    keep = (shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 1e-6)
    pieces, lane_index = pieces[keep], lane_index[keep]
    bounds = shapely.bounds(pieces)
    by_lane: dict[int, list[int]] = {}
    for k, lane in enumerate(lane_index):
        by_lane.setdefault(int(lane), []).append(k)
    succ: dict[int, list[int]] = {}
    pred: dict[int, list[int]] = {}
    for lane, members in by_lane.items():
        for a in members:
            for b in by_lane.get(lane + 1, ()):
                if bounds[a, 0] <= bounds[b, 2] and bounds[b, 0] <= bounds[a, 2]:
                    shared = shapely.intersection(pieces[a], pieces[b])
                    if shared.length > 1e-9:
                        succ.setdefault(a, []).append(b)
                        pred.setdefault(b, []).append(a)
    cells: list[_Cell] = []
    used: set[int] = set()
    for k in sorted(range(len(pieces)), key=lambda i: (lane_index[i], bounds[i, 0])):
        if k in used:
            continue
        chain = [k]
        used.add(k)
        while len(succ.get(chain[-1], ())) == 1:
            nxt = succ[chain[-1]][0]
            if len(pred.get(nxt, ())) != 1 or nxt in used:
                break
            chain.append(nxt)
            used.add(nxt)
        rows = tuple(
            (float(miny + step * (lane_index[i] + 0.5)), float(bounds[i, 0]), float(bounds[i, 2]))
            for i in chain
        )
        cells.append(_Cell(rows))
    return cells, step


def _order(cells: list[_Cell], start: Point2 | None) -> list[Lane]:
    """Order cells and their entry corners: greedy nearest entry, from the best first cell."""
    variants = [
        [cell.variant(top, right) for top in (False, True) for right in (True, False)]
        for cell in cells
    ]
    entries = np.asarray([[v[0][0] for v in vs] for vs in variants])  # (cells, 4, 2)
    exits = np.asarray([[v[-1][1] for v in vs] for vs in variants])
    firsts = [(c, k) for c in range(len(cells)) for k in range(4)]
    if start is not None:
        d = np.hypot(*(entries - np.asarray(start)).transpose(2, 0, 1))
        c, k = np.unravel_index(int(np.argmin(d)), d.shape)
        firsts = [(int(c), int(k))]
    elif len(cells) > 12:
        firsts = firsts[:4]
    best: tuple[float, list[tuple[int, int]]] | None = None
    for first in firsts:
        cost, sequence = _greedy(entries, exits, first)
        if best is None or cost < best[0]:
            best = (cost, sequence)
    assert best is not None
    return [lane for c, k in best[1] for lane in variants[c][k]]


def _greedy(
    entries: np.ndarray, exits: np.ndarray, first: tuple[int, int]
) -> tuple[float, list[tuple[int, int]]]:
    """Transit cost and sequence of (cell, variant) visiting the nearest unvisited entry next."""
    n = len(entries)
    visited = np.zeros(n, dtype=bool)
    sequence = [first]
    visited[first[0]] = True
    cost = 0.0
    while not visited.all():
        here = exits[sequence[-1]]
        d = np.hypot(*(entries - here).transpose(2, 0, 1))
        d[visited] = np.inf
        c, k = np.unravel_index(int(np.argmin(d)), d.shape)
        cost += float(d[c, k])
        visited[c] = True
        sequence.append((int(c), int(k)))
    return cost, sequence


def _estimate(lanes: list[Lane]) -> float:
    points = [p for lane in lanes for p in lane]
    return path_length(points)


def candidate_angles(region: BaseGeometry, step_deg: float = 5.0) -> list[float]:
    """Sweep angles to try: every `step_deg` plus the directions of the long convex hull edges."""
    hull = np.asarray(region.convex_hull.exterior.coords) if region.area > 0 else np.zeros((0, 2))
    edges = np.diff(hull, axis=0)
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    edges = edges[lengths >= 0.05 * lengths.sum()] if len(edges) else edges  # the long edges only
    hull_angles = np.degrees(np.arctan2(edges[:, 1], edges[:, 0])) % 180.0
    grid = np.arange(0.0, 180.0, step_deg)
    return sorted({round(float(a), 6) for a in (*grid, *hull_angles)})


def plan_survey(
    region: BaseGeometry,
    swath: Swath,
    margin_m: float | None = None,
    start: Point2 | None = None,
    angle_deg: float | None = None,
) -> SurveyPath:
    """Lanes covering `region` (metres) spaced by the swath, at the shortest sweep angle."""
    polygons = polygons_of(region)
    if not polygons:
        raise ValueError("survey region is empty")
    region = shapely.union_all(polygons)
    spacing = swath.spacing_m
    margin = spacing / 2.0 if margin_m is None else margin_m
    origin = region.centroid
    angles = [angle_deg] if angle_deg is not None else candidate_angles(region)
    best: tuple[float, float, list[_Cell], list[Lane], float] | None = None
    for angle in angles:
        rotated = affinity.rotate(region, -angle, origin=origin)
        cells, step = _cells(rotated, spacing)
        rotated_start = None
        if start is not None:
            p = affinity.rotate(shapely.Point(start), -angle, origin=origin)
            rotated_start = (p.x, p.y)
        lanes = _order(cells, rotated_start)
        cost = _estimate(lanes)
        if best is None or cost < best[0] - 1e-6:
            best = (cost, angle, cells, lanes, step)
    assert best is not None
    _, angle, cells, lanes, step = best
    lanes = [_unrotate(lane, angle, origin) for lane in lanes]
    allowed = region.buffer(margin)
    if margin < step / 2.0:
        lanes = _clip(lanes, allowed)
    waypoints = _connect(lanes, region, allowed)
    return SurveyPath(
        waypoints=tuple(waypoints),
        lanes=tuple(lanes),
        angle_deg=angle,
        spacing_m=step,
        margin_m=margin,
        cells=len(cells),
    )


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
