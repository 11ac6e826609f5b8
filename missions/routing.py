"""Shortest paths on a visibility graph: around no-fly zones, or inside a zone plus margin."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

Point2 = tuple[float, float]
EdgeTest = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Given segment starts (m, 2) and ends (m, 2) in metres, True where a leg may be flown."""


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons in a Polygon, MultiPolygon or collection (other parts dropped)."""
    return [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon) and not g.is_empty]


def bend_vertices(geometry: BaseGeometry, outward: bool) -> np.ndarray:
    """Where shortest paths bend: reflex vertices of a free region, or obstacles' corners."""
    found: list[np.ndarray] = []
    for polygon in polygons_of(geometry):
        polygon = orient(polygon, 1.0)
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)[:-1, :2]
            if len(coords) < 3:
                continue
            prev = np.roll(coords, 1, axis=0)
            nxt = np.roll(coords, -1, axis=0)
            a, b = coords - prev, nxt - coords
            cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
            found.append(coords[cross > 0] if outward else coords[cross < 0])
    return np.concatenate(found) if found else np.zeros((0, 2))


def segments_within(region: BaseGeometry) -> EdgeTest:
    """An edge test accepting legs that stay inside `region`."""
    shapely.prepare(region)

    def test(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        lines = shapely.linestrings(np.stack([starts, ends], axis=1))
        return shapely.covers(region, lines)

    return test


def segments_clear_of(obstacles: BaseGeometry) -> EdgeTest:
    """An edge test accepting legs that do not touch `obstacles`."""
    shapely.prepare(obstacles)

    def test(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        lines = shapely.linestrings(np.stack([starts, ends], axis=1))
        return ~shapely.intersects(obstacles, lines)

    return test


class VisibilityRouter:
    """Shortest legs between points through graph nodes, every edge checked by an edge test."""

    def __init__(self, nodes: np.ndarray, edge_ok: EdgeTest) -> None:
        self.nodes = np.asarray(nodes, dtype=float).reshape(-1, 2)
        self.edge_ok = edge_ok
        n = len(self.nodes)
        self._weights = np.full((n, n), np.inf)
        if n > 1:
            i, j = np.triu_indices(n, k=1)
            ok = edge_ok(self.nodes[i], self.nodes[j])
            dist = np.hypot(*(self.nodes[i] - self.nodes[j]).T)
            self._weights[i[ok], j[ok]] = dist[ok]
            self._weights[j[ok], i[ok]] = dist[ok]

    def route(self, start: Point2, goal: Point2) -> list[Point2] | None:
        """Points from start to goal (both included) along the shortest valid legs; None if none."""
        a, b = np.asarray(start, dtype=float), np.asarray(goal, dtype=float)
        if bool(self.edge_ok(a[None], b[None])[0]):
            return [tuple(a), tuple(b)]
        n = len(self.nodes)
        if n == 0:
            return None
        weights = np.full((n + 2, n + 2), np.inf)
        weights[:n, :n] = self._weights
        for k, p in ((n, a), (n + 1, b)):
            ends = np.repeat(p[None], n, axis=0)
            ok = self.edge_ok(ends, self.nodes)
            dist = np.hypot(*(self.nodes - p).T)
            weights[k, :n] = np.where(ok, dist, np.inf)
            weights[:n, k] = weights[k, :n]
        path = _dijkstra(weights, n, n + 1)
        if path is None:
            return None
        points = [*self.nodes, a, b]
        return [tuple(map(float, points[k])) for k in path]


def _dijkstra(weights: np.ndarray, source: int, target: int) -> list[int] | None:
    """Dense Dijkstra (fine for the few hundred nodes of a visibility graph)."""
    n = len(weights)
    dist = np.full(n, np.inf)
    prev = np.full(n, -1)
    done = np.zeros(n, dtype=bool)
    dist[source] = 0.0
    for _ in range(n):
        candidates = np.where(done, np.inf, dist)
        u = int(np.argmin(candidates))
        if not np.isfinite(candidates[u]):
            return None
        if u == target:
            break
        done[u] = True
        better = dist[u] + weights[u] < dist
        better &= ~done
        dist[better] = dist[u] + weights[u][better]
        prev[better] = u
    if not np.isfinite(dist[target]):
        return None
    path = [target]
    while path[-1] != source:
        path.append(int(prev[path[-1]]))
    return path[::-1]


def path_length(points: Sequence[Point2]) -> float:
    """Length of a polyline in metres."""
    if len(points) < 2:
        return 0.0
    arr = np.asarray(points, dtype=float)
    return float(np.hypot(*np.diff(arr, axis=0).T).sum())
