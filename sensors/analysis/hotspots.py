"""Hot spots: exceedances of the AQI categories and spatial anomalies against neighbours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.ndimage import generic_filter
from scipy.spatial import cKDTree

from sensors.aqi.categories import categories
from sensors.cubes.compute import compute

MAD_TO_SIGMA = 1.4826


def exceedances(aqi_ds: xr.Dataset, min_category: int = 2) -> pd.DataFrame:
    """Points/times whose AQI category is at least min_category (2 = 轻度污染 / USG).

    Columns: the dataset's coordinates, aqi, category (zh and en) and ``over_limit`` — the
    columns whose IAQI exceeds 100, i.e. the Grade II limit (GB 3095) or the EPA standard.
    """
    standard = aqi_ds["aqi"].attrs.get("ecopatrol_standard", "hj633-2026")
    iaqi_vars = [v for v in aqi_ds.data_vars if str(v).startswith("iaqi_")]
    (loaded,) = compute(aqi_ds[["aqi", "category", *iaqi_vars]])
    hit = loaded["category"] >= min_category
    frame = loaded.where(hit).to_dataframe().dropna(subset=["aqi"])
    frame = frame[frame["category"] >= min_category]
    cats = categories(standard)
    frame["category_zh"] = [cats[int(c)].zh for c in frame["category"]]
    frame["category_en"] = [cats[int(c)].en for c in frame["category"]]
    over = frame[iaqi_vars].gt(100)
    frame["over_limit"] = [
        ";".join(v[5:] for v in iaqi_vars if row[v]) for _, row in over.iterrows()
    ]
    return frame.drop(columns=iaqi_vars).reset_index()


@dataclass(frozen=True)
class Anomaly:
    """A cell or point standing out from its neighbours: position, value, neighbour median, z."""

    index: tuple[int, ...]
    value: float
    neighbour_median: float
    z: float


def robust_z(values: np.ndarray, centre: float) -> tuple[float, float]:
    """Median of `values` and how far `centre` stands above it in robust z units (MAD)."""
    v = values[np.isfinite(values)]
    if v.size < 3 or not np.isfinite(centre):
        return np.nan, np.nan
    med = float(np.median(v))
    mad = float(np.median(np.abs(v - med))) * MAD_TO_SIGMA
    spread = max(mad, 0.05 * abs(med), 1e-9)
    return med, (centre - med) / spread


def grid_anomalies(field: np.ndarray, window: int = 5, z_min: float = 3.5) -> list[Anomaly]:
    """Cells of a 2-D field above their window×window neighbours by more than z_min robust σ."""
    f = np.asarray(field, dtype=np.float64)
    foot = np.ones((window, window), dtype=bool)
    foot[window // 2, window // 2] = False
    med = generic_filter(f, np.nanmedian, footprint=foot, mode="constant", cval=np.nan)
    dev = generic_filter(
        f,
        lambda v: np.nanmedian(np.abs(v - np.nanmedian(v))),
        footprint=foot,
        mode="constant",
        cval=np.nan,
    )
    spread = np.maximum(dev * MAD_TO_SIGMA, np.maximum(0.05 * np.abs(med), 1e-9))
    z = (f - med) / spread
    out = []
    for r, c in zip(*np.nonzero(np.nan_to_num(z, nan=-np.inf) > z_min), strict=True):
        out.append(Anomaly((int(r), int(c)), float(f[r, c]), float(med[r, c]), float(z[r, c])))
    return sorted(out, key=lambda a: -a.z)


def point_anomalies(
    x_m: np.ndarray,
    y_m: np.ndarray,
    values: np.ndarray,
    radius_m: float = 2000.0,
    z_min: float = 3.5,
) -> list[Anomaly]:
    """Points (stations, samples; projected metres) above their neighbours within radius_m."""
    pts = np.column_stack([x_m, y_m])
    v = np.asarray(values, dtype=np.float64)
    tree = cKDTree(pts)
    out = []
    for i, near in enumerate(tree.query_ball_point(pts, radius_m)):
        others = np.array([v[j] for j in near if j != i])
        med, z = robust_z(others, v[i])
        if np.isfinite(z) and z > z_min:
            out.append(Anomaly((i,), float(v[i]), med, float(z)))
    return sorted(out, key=lambda a: -a.z)
