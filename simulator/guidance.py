"""Where the position controller is told to go this step: a horizontal target, a height, and
optionally a descent rate and a speed limit. Modes and the mission executor produce these; the
copter flies them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LAND_SLOW_BELOW_M = 10.0
"""ArduCopter lands at LAND_SPEED below this height, faster above."""


@dataclass(frozen=True)
class Guidance:
    """Target north/east (m from the origin; None = stop where it is), target height (m above
    the origin's ground), descent rate (m/s; None = WPNAV_SPEED_DN), speed limit (m/s)."""

    ne: tuple[float, float] | None
    up: float
    descent_mps: float | None = None
    speed_mps: float | None = None


def hold(north: float, east: float, up: float) -> Guidance:
    """Stay at a point."""
    return Guidance((north, east), up)


def landing(params: Mapping[str, float], up_m: float, ne: tuple[float, float]) -> Guidance:
    """Descend over ne: LAND_SPEED below 10 m, LAND_SPEED_HIGH (or WPNAV_SPEED_DN) above."""
    fast = (params["LAND_SPEED_HIGH"] or params["WPNAV_SPEED_DN"]) / 100.0
    rate = params["LAND_SPEED"] / 100.0 if up_m < LAND_SLOW_BELOW_M else fast
    return Guidance(ne, -1.0, rate)
