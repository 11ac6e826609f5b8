"""Gaussian plume from an elevated point source, vectorised (Briggs 1973 sigma fits).

C = Q / (2π u σy σz) · exp(−y²/2σy²) · [exp(−(z−H)²/2σz²) + exp(−(z+H)²/2σz²)], x downwind,
y crosswind, z above ground, H the effective stack height, ground reflecting.
"""

from __future__ import annotations

import numpy as np

MIN_WIND_MPS = 0.5
_SY = {
    True: {"A": 0.32, "B": 0.32, "C": 0.22, "D": 0.16, "E": 0.11, "F": 0.11},
    False: {"A": 0.22, "B": 0.16, "C": 0.11, "D": 0.08, "E": 0.06, "F": 0.04},
}


def sigma_y_m(x_m: np.ndarray, stability: str = "D", urban: bool = True) -> np.ndarray:
    """Crosswind spread σy (m) at x_m metres downwind."""
    x = np.asarray(x_m, dtype=np.float64)
    return _SY[urban][stability] * x / np.sqrt(1.0 + (0.0004 if urban else 0.0001) * x)


def sigma_z_m(x_m: np.ndarray, stability: str = "D", urban: bool = True) -> np.ndarray:
    """Vertical spread σz (m) at x_m metres downwind."""
    x = np.asarray(x_m, dtype=np.float64)
    s = stability
    if urban:
        if s in ("A", "B"):
            return 0.24 * x * np.sqrt(1.0 + 0.001 * x)
        if s == "C":
            return 0.20 * x
        if s == "D":
            return 0.14 * x / np.sqrt(1.0 + 0.0003 * x)
        return 0.08 * x / np.sqrt(1.0 + 0.0015 * x)
    rural = {
        "A": (0.20, 0.0, 0),
        "B": (0.12, 0.0, 0),
        "C": (0.08, 0.0002, 1),
        "D": (0.06, 0.0015, 1),
        "E": (0.03, 0.0003, 2),
        "F": (0.016, 0.0003, 2),
    }
    a, b, form = rural[s]
    if form == 0:
        return a * x
    if form == 1:
        return a * x / np.sqrt(1.0 + b * x)
    return a * x / (1.0 + b * x)


def unit_plume(
    downwind_m: np.ndarray,
    crosswind_m: np.ndarray,
    height_m: np.ndarray,
    stack_height_m: np.ndarray,
    wind_mps: float,
    stability: str = "D",
    urban: bool = True,
) -> np.ndarray:
    """Concentration (g/m³) per g/s emitted, 0 upwind of the stack (x ≤ 1 m)."""
    x = np.asarray(downwind_m, dtype=np.float64)
    xs = np.maximum(x, 1.0)
    sy, sz = sigma_y_m(xs, stability, urban), sigma_z_m(xs, stability, urban)
    u = max(wind_mps, MIN_WIND_MPS)
    z = np.maximum(np.asarray(height_m, dtype=np.float64), 0.0)
    h = np.asarray(stack_height_m, dtype=np.float64)
    c = (
        np.exp(-0.5 * (crosswind_m / sy) ** 2)
        * (np.exp(-0.5 * ((z - h) / sz) ** 2) + np.exp(-0.5 * ((z + h) / sz) ** 2))
        / (2.0 * np.pi * u * sy * sz)
    )
    return np.where(x > 1.0, c, 0.0)
