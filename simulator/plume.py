"""Gaussian plume dispersion from an elevated point source (Pasquill-Gifford/Briggs sigmas).

C(x, y, z) = Q / (2π u σy σz) · exp(−y²/2σy²) · [exp(−(z−H)²/2σz²) + exp(−(z+H)²/2σz²)]
with x downwind, y crosswind, z above ground, H the effective stack height and the ground
reflecting. Steady state: the plume is taken as already established along the wind.
"""

from __future__ import annotations

import math

MIN_WIND_MPS = 0.5
"""Below this the plume formula breaks down (calm); the wind speed is floored to it."""

# Briggs (1973) fits of the Pasquill-Gifford sigmas, x in metres: (a, b) pairs for
# σy = a·x·(1 + b·x)^−½ and the σz form per class.
_RURAL_SIGMA_Y = {"A": 0.22, "B": 0.16, "C": 0.11, "D": 0.08, "E": 0.06, "F": 0.04}
_URBAN_SIGMA_Y = {"A": 0.32, "B": 0.32, "C": 0.22, "D": 0.16, "E": 0.11, "F": 0.11}

STABILITY_CLASSES = tuple(_RURAL_SIGMA_Y)


def sigma_y_m(x_m: float, stability: str, urban: bool) -> float:
    """Crosswind spread σy (m) at x_m metres downwind."""
    if urban:
        return _URBAN_SIGMA_Y[stability] * x_m / math.sqrt(1.0 + 0.0004 * x_m)
    return _RURAL_SIGMA_Y[stability] * x_m / math.sqrt(1.0 + 0.0001 * x_m)


def sigma_z_m(x_m: float, stability: str, urban: bool) -> float:
    """Vertical spread σz (m) at x_m metres downwind."""
    s = stability
    if urban:
        if s in ("A", "B"):
            return 0.24 * x_m * math.sqrt(1.0 + 0.001 * x_m)
        if s == "C":
            return 0.20 * x_m
        if s == "D":
            return 0.14 * x_m / math.sqrt(1.0 + 0.0003 * x_m)
        return 0.08 * x_m / math.sqrt(1.0 + 0.0015 * x_m)
    if s == "A":
        return 0.20 * x_m
    if s == "B":
        return 0.12 * x_m
    if s == "C":
        return 0.08 * x_m / math.sqrt(1.0 + 0.0002 * x_m)
    if s == "D":
        return 0.06 * x_m / math.sqrt(1.0 + 0.0015 * x_m)
    if s == "E":
        return 0.03 * x_m / (1.0 + 0.0003 * x_m)
    return 0.016 * x_m / (1.0 + 0.0003 * x_m)


def plume_g_m3(
    rate_g_s: float,
    downwind_m: float,
    crosswind_m: float,
    height_m: float,
    stack_height_m: float,
    wind_mps: float,
    stability: str = "D",
    urban: bool = True,
) -> float:
    """Concentration (g/m³) at a receptor downwind_m/crosswind_m/height_m from the stack base."""
    if downwind_m <= 1.0 or rate_g_s <= 0.0:
        return 0.0
    u = max(wind_mps, MIN_WIND_MPS)
    sy = sigma_y_m(downwind_m, stability, urban)
    sz = sigma_z_m(downwind_m, stability, urban)
    lateral = math.exp(-(crosswind_m * crosswind_m) / (2.0 * sy * sy))
    if lateral < 1e-12:
        return 0.0
    z = max(height_m, 0.0)
    vertical = math.exp(-((z - stack_height_m) ** 2) / (2.0 * sz * sz)) + math.exp(
        -((z + stack_height_m) ** 2) / (2.0 * sz * sz)
    )
    return rate_g_s / (2.0 * math.pi * u * sy * sz) * lateral * vertical
