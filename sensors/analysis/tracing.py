"""Source tracing (污染溯源): where a drone's samples say the emission comes from.

A Gaussian plume (sensors.plume) is fitted to the samples of one pollutant under the given
wind: for every candidate source position and stack height the background and emission rate
follow by non-negative least squares; the position is searched on a coarse then a fine grid.
The uncertainty is the radius of the region whose misfit is within Δχ² = 5.99 (95 %, two
position parameters) of the best, with the noise variance estimated from the best fit,
combined with the shift a wind-direction error (default 5°) causes at the mean sampling
distance — the statistical radius alone ignores that the wind is never known exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sensors.analysis.plume import unit_plume
from sensors.cubes.trajectory import DroneSample
from sensors.units import POLLUTANTS

EARTH_RADIUS_M = 6_378_137.0
DELTA_CHI2_95 = 5.99
STACK_HEIGHTS_M = (0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 80.0, 100.0)


@dataclass(frozen=True)
class WindObs:
    """Mean wind over the flight: speed (m/s), direction it blows FROM (deg), stability class."""

    speed_mps: float
    from_deg: float
    stability: str = "D"
    urban: bool = True


@dataclass(frozen=True)
class SourceEstimate:
    """Most likely source: position (deg), 95 % radius (m), stack height (m), rate (g/s)."""

    lat: float
    lon: float
    uncertainty_m: float
    stack_height_m: float
    rate_g_s: float
    background: float
    pollutant: str
    n_samples: int
    residual_rms: float
    method: str = "gaussian plume least squares, grid search"


class TracingError(ValueError):
    """Too few or unusable samples to trace a source."""


def choose_pollutant(samples: Sequence[DroneSample]) -> str:
    """The pollutant whose peak stands out most from its median (in robust z units)."""
    best, best_z = None, -math.inf
    for p in POLLUTANTS:
        v = np.array([s.values.get(p, np.nan) for s in samples])
        v = v[np.isfinite(v)]
        if v.size < 10:
            continue
        med = np.median(v)
        mad = np.median(np.abs(v - med)) * 1.4826 + 1e-9
        z = (np.percentile(v, 99) - med) / mad
        if z > best_z:
            best, best_z = p, z
    if best is None:
        raise TracingError("no pollutant with at least 10 samples")
    return best


def trace_source(
    samples: Sequence[DroneSample],
    wind: WindObs,
    pollutant: str | None = None,
    search_m: float = 2500.0,
    coarse_m: float = 50.0,
    fine_m: float = 10.0,
    wind_dir_sigma_deg: float = 5.0,
) -> SourceEstimate:
    """Estimate the source of pollutant (default: the most prominent) from samples and wind."""
    pollutant = pollutant or choose_pollutant(samples)
    rows = [s for s in samples if math.isfinite(s.values.get(pollutant, math.nan))]
    if len(rows) < 10:
        raise TracingError(f"{len(rows)} samples with {pollutant}; need at least 10")
    lat0 = float(np.mean([s.lat for s in rows]))
    lon0 = float(np.mean([s.lon for s in rows]))
    k = math.cos(math.radians(lat0))
    north = np.array([(s.lat - lat0) for s in rows]) * math.radians(1) * EARTH_RADIUS_M
    east = np.array([(s.lon - lon0) for s in rows]) * math.radians(1) * EARTH_RADIUS_M * k
    z = np.array([s.altitude_m for s in rows])
    c = np.array([s.values[pollutant] for s in rows])
    per_g = 1e3 if pollutant == "co" else 1e6
    rad = math.radians(wind.from_deg)
    to_n, to_e = -math.cos(rad), -math.sin(rad)
    heights = np.asarray(STACK_HEIGHTS_M)

    def misfit(cn: np.ndarray, ce: np.ndarray) -> tuple[np.ndarray, ...]:
        """RSS, background, rate and height index of candidates (min over stack heights)."""
        parts = [block(cn[i : i + 512], ce[i : i + 512]) for i in range(0, cn.size, 512)]
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(4))

    def block(cn: np.ndarray, ce: np.ndarray) -> tuple[np.ndarray, ...]:
        dn = north[None, :] - cn[:, None]
        de = east[None, :] - ce[:, None]
        down = dn * to_n + de * to_e
        cross = dn * to_e - de * to_n
        best = (
            np.full(cn.size, np.inf),
            np.zeros(cn.size),
            np.zeros(cn.size),
            np.zeros(cn.size, dtype=int),
        )
        for hi, h in enumerate(heights):
            f = (
                unit_plume(down, cross, z[None, :], h, wind.speed_mps, wind.stability, wind.urban)
                * per_g
            )
            rss, b, q = _fit_linear(f, c)
            better = rss < best[0]
            for arr, new in zip(best, (rss, b, q, np.full(cn.size, hi)), strict=True):
                arr[better] = new[better]
        return best

    # coarse grid: a square reaching search_m upwind of the samples
    centre_n, centre_e = -to_n * search_m / 2, -to_e * search_m / 2
    half = search_m / 2 + float(np.hypot(north, east).max())
    cn, ce = _square(centre_n, centre_e, half, coarse_m)
    rss_c, *_ = misfit(cn, ce)
    i = int(np.argmin(rss_c))
    fn, fe = _square(cn[i], ce[i], 4 * coarse_m, fine_m)
    rss_f, b_f, q_f, h_f = misfit(fn, fe)
    j = int(np.argmin(rss_f))
    rss_min = float(rss_f[j])
    dof = max(len(rows) - 5, 1)
    sigma2 = max(rss_min / dof, 1e-12)
    radius = _region_radius(fn, fe, rss_f, fn[j], fe[j], rss_min, sigma2, fine_m)
    coarse_radius = _region_radius(cn, ce, rss_c, fn[j], fe[j], rss_min, sigma2, coarse_m)
    if radius >= 4 * coarse_m - fine_m:  # the fine window does not hold the region
        radius = max(radius, coarse_radius)
    distance = float(np.mean(np.hypot(north - fn[j], east - fe[j])))
    radius = math.hypot(radius, distance * math.tan(math.radians(wind_dir_sigma_deg)))
    lat = lat0 + math.degrees(fn[j] / EARTH_RADIUS_M)
    lon = lon0 + math.degrees(fe[j] / (EARTH_RADIUS_M * k))
    return SourceEstimate(
        lat,
        lon,
        radius,
        float(heights[h_f[j]]),
        float(q_f[j]),
        float(b_f[j]),
        pollutant,
        len(rows),
        math.sqrt(rss_min / len(rows)),
    )


def _fit_linear(f: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per candidate row of f: least squares c ≈ b + q·f with b, q ≥ 0; returns RSS, b, q."""
    n = c.size
    sf, sff = f.sum(axis=1), (f * f).sum(axis=1)
    sc, sfc = c.sum(), f @ c
    det = n * sff - sf * sf
    with np.errstate(invalid="ignore", divide="ignore"):
        q_free = np.where(det > 0, (n * sfc - sf * sc) / det, -1.0)
        q_no_b = np.where(sff > 0, np.maximum(sfc / sff, 0.0), 0.0)
    b_free = (sc - q_free * sf) / n
    # The non-negative least-squares fit is the free one when feasible, else the better of the
    # two edges (b = 0 with q refitted; q = 0 with b the mean).
    options = [
        (np.where(b_free >= 0, b_free, 0.0), q_free, (q_free >= 0) & (b_free >= 0)),
        (np.zeros_like(q_no_b), q_no_b, np.ones_like(q_no_b, dtype=bool)),
        (
            np.full_like(q_no_b, max(sc / n, 0.0)),
            np.zeros_like(q_no_b),
            np.ones_like(q_no_b, dtype=bool),
        ),
    ]
    best_rss = np.full(f.shape[0], np.inf)
    best_b, best_q = np.zeros(f.shape[0]), np.zeros(f.shape[0])
    for b, q, feasible in options:
        r = c[None, :] - b[:, None] - np.maximum(q, 0.0)[:, None] * f
        rss = np.where(feasible, (r * r).sum(axis=1), np.inf)
        better = rss < best_rss
        best_rss = np.where(better, rss, best_rss)
        best_b = np.where(better, b, best_b)
        best_q = np.where(better, np.maximum(q, 0.0), best_q)
    return best_rss, best_b, best_q


def _square(cn: float, ce: float, half: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.arange(-half, half + step / 2, step)
    gn, ge = np.meshgrid(cn + offsets, ce + offsets, indexing="ij")
    return gn.ravel(), ge.ravel()


def _region_radius(
    cn: np.ndarray,
    ce: np.ndarray,
    rss: np.ndarray,
    bn: float,
    be: float,
    rss_min: float,
    sigma2: float,
    step: float,
) -> float:
    inside = (rss - rss_min) / sigma2 <= DELTA_CHI2_95
    if not inside.any():
        return step / 2
    return float(np.hypot(cn[inside] - bn, ce[inside] - be).max() + step / 2)
