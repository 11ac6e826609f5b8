"""Sweep-angle search: the lane direction whose decomposition, lanes and cell order cost the
least by the objective; the best few angles get their cell order made exact."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from missions.camera import Swath
from missions.decomposition import decompose
from missions.lanes import CellLanes, Lane, Point2, cell_lanes
from missions.objective import PATH_LENGTH, Objective
from missions.ordering import EXACT_CELLS, lanes_cost, order_cells

EXACT_ANGLES = 4
"""Best sweep angles (by the greedy order) whose cell order is then made exact."""


@dataclass(frozen=True)
class Sweep:
    """The lanes at one sweep angle, in the rotated frame, with their cost and the strip step."""

    cost: float
    angle_deg: float
    cells: tuple[CellLanes, ...]
    lanes: tuple[Lane, ...]
    step_m: float
    start: Point2 | None  # where the survey is entered from, in the rotated frame

    def exact(self, objective: Objective = PATH_LENGTH) -> Sweep:
        """The same sweep with its cell order made exact (a few cells only)."""
        if not 1 < len(self.cells) <= EXACT_CELLS:
            return self
        lanes = order_cells(list(self.cells), self.start, True, objective)
        cost = lanes_cost(lanes, objective)
        return Sweep(cost, self.angle_deg, self.cells, tuple(lanes), self.step_m, self.start)


def candidate_angles(region: BaseGeometry, step_deg: float = 5.0) -> list[float]:
    """Sweep angles to try: every `step_deg` plus the directions of the long convex hull edges."""
    hull = np.asarray(region.convex_hull.exterior.coords) if region.area > 0 else np.zeros((0, 2))
    edges = np.diff(hull, axis=0)
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    edges = edges[lengths >= 0.05 * lengths.sum()] if len(edges) else edges  # the long edges only
    hull_angles = np.degrees(np.arctan2(edges[:, 1], edges[:, 0])) % 180.0
    grid = np.arange(0.0, 180.0, step_deg)
    return sorted({round(float(a), 6) for a in (*grid, *hull_angles)})


def sweep_at(
    region: BaseGeometry,
    angle_deg: float,
    swath: Swath,
    start: Point2 | None,
    objective: Objective = PATH_LENGTH,
) -> Sweep:
    """Decompose, lay lanes and order cells at one angle (lanes in the frame turned by -angle)."""
    origin = region.centroid
    rotated = affinity.rotate(region, -angle_deg, origin=origin)
    decomposition = decompose(rotated, swath.spacing_m)
    shortest = max(1.0, swath.trigger_distance_m)
    cells = cell_lanes(decomposition, swath.lane_inset_m, shortest)
    rotated_start = None
    if start is not None:
        p = affinity.rotate(shapely.Point(start), -angle_deg, origin=origin)
        rotated_start = (p.x, p.y)
    lanes = order_cells(cells, rotated_start, False, objective)
    cost = lanes_cost(lanes, objective)
    return Sweep(cost, angle_deg, tuple(cells), tuple(lanes), decomposition.step_m, rotated_start)


def best_sweeps(
    region: BaseGeometry,
    swath: Swath,
    start: Point2 | None = None,
    angles: list[float] | None = None,
    objective: Objective = PATH_LENGTH,
) -> list[Sweep]:
    """Sweeps over the candidate angles (or the given ones), cheapest first; the best few by
    the greedy cell order get their order made exact."""
    tried = [
        sweep_at(region, angle, swath, start, objective)
        for angle in (angles if angles is not None else candidate_angles(region))
    ]
    tried.sort(key=lambda s: s.cost)
    tried[:EXACT_ANGLES] = [sweep.exact(objective) for sweep in tried[:EXACT_ANGLES]]
    return sorted(tried, key=lambda s: s.cost)
