"""What a survey minimises (after Fields2Cover's objectives): a cost per metre flown and per
turn, so that the flight length, the flight time or the number of turns can be chosen. The
cost is additive over legs, which lets the cell order be made exact."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Point2 = tuple[float, float]


@dataclass(frozen=True)
class Objective:
    """cost = per_metre × length (m) + per_turn × turns; lower is better."""

    name: str
    per_metre: float
    per_turn: float

    def __post_init__(self) -> None:
        for label in ("per_metre", "per_turn"):
            value = getattr(self, label)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"objective {self.name!r}: {label} must be >= 0, got {value}")
        if self.per_metre == 0 and self.per_turn == 0:
            raise ValueError(f"objective {self.name!r}: nothing to minimise")

    def cost(self, length_m: float, turns: int) -> float:
        """The cost of flying `length_m` with `turns` turns."""
        return self.per_metre * length_m + self.per_turn * turns

    def path_cost(self, points: Sequence[Point2]) -> float:
        """The cost of a polyline: its length and the points where its heading changes."""
        return self.cost(*length_and_turns(points))


def length_and_turns(points: Sequence[Point2]) -> tuple[float, int]:
    """Length (m) of a polyline and how many of its inner points change its heading."""
    if len(points) < 2:
        return 0.0, 0
    xy = np.asarray(points, dtype=float)
    legs = np.diff(xy, axis=0)
    lengths = np.hypot(legs[:, 0], legs[:, 1])
    legs = legs[lengths > 1e-9]
    if len(legs) < 2:
        return float(lengths.sum()), 0
    cross = legs[:-1, 0] * legs[1:, 1] - legs[:-1, 1] * legs[1:, 0]
    dot = (legs[:-1] * legs[1:]).sum(axis=1)
    turns = int((np.abs(np.arctan2(cross, dot)) > 1e-6).sum())
    return float(lengths.sum()), turns


PATH_LENGTH = Objective("path length", per_metre=1.0, per_turn=0.0)
"""The shortest flight (the default)."""
TURN_COUNT = Objective("turn count", per_metre=1e-6, per_turn=1.0)
"""The fewest turns (fewest lanes), the length only breaking ties."""


def flight_time(speed_mps: float = 8.0, turn_s: float = 6.0) -> Objective:
    """The quickest flight: metres at `speed_mps`, each turn costing `turn_s` (braking and
    accelerating at a lane end)."""
    if not (math.isfinite(speed_mps) and speed_mps > 0):
        raise ValueError(f"flight_time: speed_mps must be positive, got {speed_mps}")
    return Objective(f"flight time at {speed_mps:g} m/s", 1.0 / speed_mps, turn_s)


OBJECTIVES = {"length": PATH_LENGTH, "time": flight_time(), "turns": TURN_COUNT}
"""Objectives by the name the CLI takes (--objective)."""
