"""Cell ordering: which cell is flown after which and from which corner, greedy by the nearest
entry, or exact (Held-Karp over cells × 4 entry corners) for a few cells, by an objective."""

from __future__ import annotations

import numpy as np

from missions.lanes import CellLanes, Lane, Point2
from missions.objective import PATH_LENGTH, Objective

EXACT_CELLS = 8
"""Cell orders are found exactly (Held-Karp) up to this many cells."""


def variants(cells: list[CellLanes]) -> tuple[list[list[list[Lane]]], np.ndarray, np.ndarray]:
    """Each cell's four variants (bottom/top first × rightward/leftward): lanes, entries, exits."""
    lanes = [
        [cell.variant(top, right) for top in (False, True) for right in (True, False)]
        for cell in cells
    ]
    entries = np.asarray([[v[0][0] for v in vs] for vs in lanes])  # (cells, 4, 2)
    exits = np.asarray([[v[-1][1] for v in vs] for vs in lanes])
    return lanes, entries, exits


def lanes_cost(lanes: list[Lane], objective: Objective = PATH_LENGTH) -> float:
    """The objective's cost of flying the lanes in order, joined straight."""
    return objective.path_cost([p for lane in lanes for p in lane])


def order_cells(
    cells: list[CellLanes],
    start: Point2 | None,
    exact: bool = False,
    objective: Objective = PATH_LENGTH,
) -> list[Lane]:
    """The lanes of every cell in flying order: greedy nearest entry, or exact for a few cells."""
    lanes, entries, exits = variants(cells)
    if exact and 1 < len(cells) <= EXACT_CELLS:
        internal = np.asarray([[lanes_cost(v, objective) for v in vs] for vs in lanes])
        sequence = _held_karp(entries, exits, internal, start, objective)
        return [lane for c, k in sequence for lane in lanes[c][k]]
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
    return [lane for c, k in best[1] for lane in lanes[c][k]]


def _held_karp(
    entries: np.ndarray,
    exits: np.ndarray,
    internal: np.ndarray,
    start: Point2 | None,
    objective: Objective,
) -> list[tuple[int, int]]:
    """Cheapest open tour through every cell, one variant each (transits + lanes and turns)."""
    n, v = internal.shape
    # step[c, k, c2, k2]: leave (c, k) at its exit, fly (c2, k2) entirely
    gap = exits[:, :, None, None, :] - entries[None, None, :, :, :]
    transit = np.hypot(gap[..., 0], gap[..., 1])
    step = _transit_cost(transit, objective) + internal[None, None, :, :]
    flat = step.reshape(n * v, n, v)
    best = np.full((1 << n, n, v), np.inf)
    parent = np.full((1 << n, n, v), -1, dtype=np.int64)
    first = internal.copy()
    if start is not None:
        first += _transit_cost(
            np.hypot(*(entries - np.asarray(start)).transpose(2, 0, 1)), objective
        )
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


def _transit_cost(distance_m: np.ndarray, objective: Objective) -> np.ndarray:
    """A straight transit's cost: its metres and, when it moves at all, a turn at each end."""
    return objective.per_metre * distance_m + objective.per_turn * 2.0 * (distance_m > 1e-9)


def _greedy(
    entries: np.ndarray, exits: np.ndarray, first: tuple[int, int]
) -> tuple[float, list[tuple[int, int]]]:
    """Transit length and sequence of (cell, variant) visiting the nearest unvisited entry next."""
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


__all__ = ["EXACT_CELLS", "lanes_cost", "order_cells", "variants"]
