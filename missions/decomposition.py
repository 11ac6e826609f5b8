"""Boustrophedon decomposition of a survey region (metres, already turned so that lanes run
along x): horizontal strips one lane spacing high, their pieces chained into cells while the
pieces neither split nor merge from one strip to the next."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Piece:
    """A strip's piece: the strip (0 at the bottom) and the piece's extent along x (m)."""

    strip: int
    x_min: float
    x_max: float


@dataclass(frozen=True)
class Decomposition:
    """Cells (each its pieces, bottom to top), the bottom of the first strip and the strip
    height (m): strip k's centre line lies at `bottom_m + step_m × (k + 0.5)`."""

    cells: tuple[tuple[Piece, ...], ...]
    bottom_m: float
    step_m: float

    def strip_y(self, strip: int) -> float:
        """The centre line of a strip (m)."""
        return self.bottom_m + self.step_m * (strip + 0.5)


def decompose(rotated: BaseGeometry, spacing_m: float) -> Decomposition:
    """Cut the region into `ceil(height / spacing)` equal strips and chain their pieces."""
    minx, miny, maxx, maxy = rotated.bounds
    height = maxy - miny
    n = max(1, math.ceil(height / spacing_m - 1e-9))
    step = height / n
    edges = miny + step * np.arange(n + 1)
    edges[0] -= 1e-6
    edges[-1] += 1e-6
    lows, highs = edges[:-1], edges[1:]
    boxes = shapely.box(minx - 1.0, lows, maxx + 1.0, highs)
    pieces, strip_of = shapely.get_parts(shapely.intersection(boxes, rotated), return_index=True)
    keep = (shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 1e-6)
    pieces, strip_of = pieces[keep], strip_of[keep]
    bounds = shapely.bounds(pieces)
    succ, pred = _neighbours(pieces, strip_of, bounds)
    cells: list[tuple[Piece, ...]] = []
    used: set[int] = set()
    for k in sorted(range(len(pieces)), key=lambda i: (strip_of[i], bounds[i, 0])):
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
        cells.append(
            tuple(Piece(int(strip_of[i]), float(bounds[i, 0]), float(bounds[i, 2])) for i in chain)
        )
    return Decomposition(tuple(cells), float(miny), float(step))


def _neighbours(
    pieces: np.ndarray, strip_of: np.ndarray, bounds: np.ndarray
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Pieces above (succ) and below (pred) each piece that share a stretch of strip edge."""
    by_strip: dict[int, list[int]] = {}
    for k, strip in enumerate(strip_of):
        by_strip.setdefault(int(strip), []).append(k)
    pairs = [
        (a, b)
        for strip, members in by_strip.items()
        for a in members
        for b in by_strip.get(strip + 1, ())
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
    return succ, pred
