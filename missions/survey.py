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


def _lane_ends(
    x_min: float, x_max: float, inset_m: float, shortest_m: float
) -> tuple[float, float]:
    """Lane ends `inset_m` inside a strip piece's extent, the lane at least `shortest_m` long
    (a camera's trigger distance, so it takes an image on the lane) or the whole extent."""
    middle, half = (x_min + x_max) / 2.0, (x_max - x_min) / 2.0
    half = max(half - inset_m, min(half, shortest_m / 2.0))
    return middle - half, middle + half


def _cells(
    rotated: BaseGeometry, spacing_m: float, inset_m: float = 0.0, shortest_m: float = 1.0
) -> tuple[list[_Cell], float]:
    """Cut the rotated region into horizontal strips and chain strip pieces into cells.

    Each piece gets one lane along the middle of its strip, ending `inset_m` inside the piece's
    extent: the along-track footprint sees the rest.
    """
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
    pairs = [
        (a, b)
        for lane, members in by_lane.items()
        for a in members
        for b in by_lane.get(lane + 1, ())
        if bounds[a, 0] <= bounds[b, 2] and bounds[b, 0] <= bounds[a, 2]
    ]
    succ: dict[int, list[int]] = {}
    pred: dict[int, list[int]] = {}
    if pairs:
        below, above = np.asarray(pairs).T
        # neighbours share a stretch of strip edge: their boundaries meet in a line (DE-9IM)
        touching = shapely.relate_pattern(pieces[below], pieces[above], "****1****")
        for a, b in np.asarray(pairs)[touching]:
            succ.setdefault(int(a), []).append(int(b))
            pred.setdefault(int(b), []).append(int(a))
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
            (
                float(miny + step * (lane_index[i] + 0.5)),
                *_lane_ends(float(bounds[i, 0]), float(bounds[i, 2]), inset_m, shortest_m),
            )
            for i in chain
        )
        cells.append(_Cell(rows))
    return cells, step


_EXACT_CELLS = 8  # cell orders found exactly (Held-Karp) up to this many cells
_EXACT_ANGLES = 4  # best sweep angles (by the greedy order) whose cell order is then made exact


def _variants(cells: list[_Cell]) -> tuple[list[list[list[Lane]]], np.ndarray, np.ndarray]:
    """Each cell's four variants (bottom/top first × rightward/leftward): lanes, entries, exits."""
    variants = [
        [cell.variant(top, right) for top in (False, True) for right in (True, False)]
        for cell in cells
    ]
    entries = np.asarray([[v[0][0] for v in vs] for vs in variants])  # (cells, 4, 2)
    exits = np.asarray([[v[-1][1] for v in vs] for vs in variants])
    return variants, entries, exits


def _order(cells: list[_Cell], start: Point2 | None, exact: bool = False) -> list[Lane]:
    """Order cells and their entry corners: greedy nearest entry, or exact for a few cells."""
    variants, entries, exits = _variants(cells)
    internal = np.asarray([[_estimate(v) for v in vs] for vs in variants])  # (cells, 4)
    if exact and 1 < len(cells) <= _EXACT_CELLS:
        sequence = _held_karp(entries, exits, internal, start)
        return [lane for c, k in sequence for lane in variants[c][k]]
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


def _held_karp(
    entries: np.ndarray, exits: np.ndarray, internal: np.ndarray, start: Point2 | None
) -> list[tuple[int, int]]:
    """Shortest open tour through every cell, one variant each (transits + lanes and turns)."""
    n, v = internal.shape
    # step[c, k, c2, k2]: leave (c, k) at its exit, fly (c2, k2) entirely
    gap = exits[:, :, None, None, :] - entries[None, None, :, :, :]
    step = np.hypot(gap[..., 0], gap[..., 1]) + internal[None, None, :, :]
    flat = step.reshape(n * v, n, v)
    best = np.full((1 << n, n, v), np.inf)
    parent = np.full((1 << n, n, v), -1, dtype=np.int64)
    first = internal.copy()
    if start is not None:
        first += np.hypot(*(entries - np.asarray(start)).transpose(2, 0, 1))
    for c in range(n):
        best[1 << c, c] = first[c]
    for mask in range(1, 1 << n):
        here = best[mask].reshape(n * v)
        if not np.isfinite(here).any():
            continue
        reach = here[:, None, None] + flat  # (n*v, n, v)
        arg = reach.argmin(axis=0)
        low = np.take_along_axis(reach, arg[None], axis=0)[0]
        for c2 in range(n):
            if mask >> c2 & 1:
                continue
            new = mask | 1 << c2
            better = low[c2] < best[new, c2]
            best[new, c2][better] = low[c2][better]
            parent[new, c2][better] = arg[c2][better]
    full = (1 << n) - 1
    c, k = np.unravel_index(int(np.argmin(best[full])), (n, v))
    sequence = [(int(c), int(k))]
    mask = full
    while True:
        previous = int(parent[mask, sequence[-1][0], sequence[-1][1]])
        if previous < 0:
            break
        mask &= ~(1 << sequence[-1][0])
        sequence.append((previous // v, previous % v))
    return sequence[::-1]


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
    shortest = max(1.0, swath.trigger_distance_m)
    angles = [angle_deg] if angle_deg is not None else candidate_angles(region)
    tried: list[tuple[float, float, list[_Cell], list[Lane], float, Point2 | None]] = []
    for angle in angles:
        rotated = affinity.rotate(region, -angle, origin=origin)
        cells, step = _cells(rotated, spacing, swath.lane_inset_m, shortest)
        rotated_start = None
        if start is not None:
            p = affinity.rotate(shapely.Point(start), -angle, origin=origin)
            rotated_start = (p.x, p.y)
        lanes = _order(cells, rotated_start)
        tried.append((_estimate(lanes), angle, cells, lanes, step, rotated_start))
    tried.sort(key=lambda t: t[0])
    for k, (_, angle, cells, _, step, rotated_start) in enumerate(tried[:_EXACT_ANGLES]):
        if 1 < len(cells) <= _EXACT_CELLS:
            lanes = _order(cells, rotated_start, exact=True)
            tried[k] = (_estimate(lanes), angle, cells, lanes, step, rotated_start)
    best = min(tried, key=lambda t: t[0])
    _, angle, cells, lanes, step, _ = best
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
