"""Lane generation: one lane along the middle of each strip piece of a cell, ending inside the
piece's extent by the along-track footprint the sensor sees beyond the lane end."""

from __future__ import annotations

from dataclasses import dataclass

from missions.decomposition import Decomposition

Point2 = tuple[float, float]
Lane = tuple[Point2, Point2]


@dataclass(frozen=True)
class CellLanes:
    """Lanes of one cell, bottom to top, as (y, x_left, x_right) in the rotated frame (m)."""

    rows: tuple[tuple[float, float, float], ...]

    def variant(self, from_top: bool, rightward: bool) -> list[Lane]:
        """The lanes flown from the bottom or the top row, the first one rightward or not."""
        rows = self.rows[::-1] if from_top else self.rows
        lanes: list[Lane] = []
        for y, x0, x1 in rows:
            lanes.append(((x0, y), (x1, y)) if rightward else ((x1, y), (x0, y)))
            rightward = not rightward
        return lanes


def lane_ends(x_min: float, x_max: float, inset_m: float, shortest_m: float) -> tuple[float, float]:
    """Lane ends `inset_m` inside a strip piece's extent, the lane at least `shortest_m` long
    (a camera's trigger distance, so it takes an image on the lane) or the whole extent."""
    middle, half = (x_min + x_max) / 2.0, (x_max - x_min) / 2.0
    half = max(half - inset_m, min(half, shortest_m / 2.0))
    return middle - half, middle + half


def cell_lanes(
    decomposition: Decomposition, inset_m: float = 0.0, shortest_m: float = 1.0
) -> list[CellLanes]:
    """The lanes of every cell of a decomposition."""
    return [
        CellLanes(
            tuple(
                (
                    decomposition.strip_y(piece.strip),
                    *lane_ends(piece.x_min, piece.x_max, inset_m, shortest_m),
                )
                for piece in cell
            )
        )
        for cell in decomposition.cells
    ]
