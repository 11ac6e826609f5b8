"""Averaging periods for the AQI: hourly means, 24 h / 8 h moving averages, daily values.

Validity (GB 3095): a 24-hour value needs at least 20 hourly values, an 8-hour value at
least 6; the daily O3 value is the largest 8-hour average ending 08:00–24:00 local time.
Reporting days are local natural days, UTC+8; daily values are labelled by that day's start
expressed in UTC (16:00 UTC of the day before). Hourly means are labelled by the end of the
hour. The kernels work on (station × time) numpy blocks, so a cube streams through them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
LOCAL_MS = 8 * HOUR_MS
LOCAL = pd.Timedelta(hours=8)
AQI_POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")

BLOCK_CELLS = 1 << 22
"""Station-hours of one pollutant held at a time (32 MB of float64)."""

Reader = Callable[[str, int, int], np.ndarray]
"""Reads a pollutant's raw values for time indices [start, stop): a (station × time) array."""


@dataclass(frozen=True)
class ReportBlock:
    """The AQI input columns of a run of hours (or days): times (UTC ms) and (station × time)."""

    time_ms: np.ndarray
    columns: dict[str, np.ndarray]


def hour_labels(time_ms: np.ndarray) -> np.ndarray:
    """End of the hour each time falls in (an hour holds (H − 1 h, H]), UTC ms."""
    return -((-np.asarray(time_ms, dtype=np.int64)) // HOUR_MS) * HOUR_MS


def day_start(label_ms: np.ndarray | int) -> np.ndarray:
    """UTC ms of the local (UTC+8) day's start holding an hour labelled by its end."""
    return (np.asarray(label_ms) - HOUR_MS + LOCAL_MS) // DAY_MS * DAY_MS - LOCAL_MS


def hourly_means(values: np.ndarray, labels: np.ndarray, first: int, hours: int) -> np.ndarray:
    """Means per hour of (station × n) values whose hour labels are sorted, on hours from first."""
    out = np.full((values.shape[0], hours), np.nan)
    if labels.size == 0:
        return out
    slot = (labels - first) // HOUR_MS
    if labels.size == 1 or bool((labels[1:] > labels[:-1]).all()):  # one value per hour
        out[:, slot] = values
        return out
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    valid = ~np.isnan(values)
    sums = np.add.reduceat(np.where(valid, values, 0.0), starts, axis=1)
    counts = np.add.reduceat(valid, starts, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, slot[starts]] = np.where(counts > 0, sums / counts, np.nan)
    return out


def moving(hourly_values: np.ndarray, hours: int, min_valid: int, before: np.ndarray) -> np.ndarray:
    """Moving mean over the last `hours` hourly values (NaN with fewer than min_valid).

    before holds the (station × hours−1) hourly values preceding the block (NaN if none).
    """
    x = (
        np.concatenate([before[:, -(hours - 1) :], hourly_values], axis=1)
        if hours > 1
        else hourly_values
    )
    valid = ~np.isnan(x)
    filled = np.where(valid, x, 0.0)
    n = hourly_values.shape[1]
    total = np.zeros((x.shape[0], n))
    count = np.zeros((x.shape[0], n), dtype=np.int64)
    for k in range(hours):  # exact sums of the window's own values, no running drift
        total += filled[:, k : k + n]
        count += valid[:, k : k + n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= min_valid, total / np.maximum(count, 1), np.nan)


def report_blocks(
    time_ms: np.ndarray,
    n_stations: int,
    pollutants: tuple[str, ...],
    read: Reader,
    mode: str = "hourly",
    block_cells: int = BLOCK_CELLS,
) -> Iterator[ReportBlock]:
    """The ``<pollutant>_<averaging>`` columns of a (station × time) series, block by block.

    time_ms is the series' sorted time axis. Blocks are whole local days; each pollutant's
    raw values are read for one block at a time, so memory follows block_cells, not the length
    of the series. Hourly blocks cover the hours from the first to the last label only.
    """
    if time_ms.size == 0:
        return
    labels = hour_labels(time_ms)
    first, last = int(labels[0]), int(labels[-1])
    d0, d1 = int(day_start(first)), int(day_start(last))
    days_per_block = max(1, block_cells // max(1, n_stations * 24))
    carry: dict[str, np.ndarray] = {p: np.full((n_stations, 23), np.nan) for p in pollutants}
    lo_day = d0
    while lo_day <= d1:
        hi_day = min(lo_day + days_per_block * DAY_MS, d1 + DAY_MS)
        lo, hi = lo_day, hi_day  # labels in (lo, hi]
        i0, i1 = np.searchsorted(time_ms, [lo, hi], side="right")
        hours = (hi - lo) // HOUR_MS
        grid = lo + HOUR_MS * np.arange(1, hours + 1, dtype=np.int64)
        columns: dict[str, np.ndarray] = {}
        for p in pollutants:
            raw = read(p, int(i0), int(i1))
            h = hourly_means(raw, labels[i0:i1], lo + HOUR_MS, hours)
            _columns(columns, p, h, carry[p], grid, mode)
            carry[p] = np.concatenate([carry[p], h], axis=1)[:, -23:]
        if mode == "daily":
            yield ReportBlock(np.arange(lo, hi, DAY_MS, dtype=np.int64), columns)
        else:
            keep = (grid >= first) & (grid <= last)
            yield ReportBlock(grid[keep], {c: a[:, keep] for c, a in columns.items()})
        lo_day = hi_day


def _columns(
    out: dict[str, np.ndarray],
    p: str,
    h: np.ndarray,
    before: np.ndarray,
    grid: np.ndarray,
    mode: str,
) -> None:
    """Add pollutant p's AQI columns of one block of whole days (hourly values h) to out."""
    if mode == "hourly":
        out[f"{p}_1h"] = h
        out[f"{p}_24h"] = moving(h, 24, 20, before)
        if p == "o3":
            out["o3_8h"] = moving(h, 8, 6, before)
        return
    s, hours = h.shape
    days = h.reshape(s, hours // 24, 24)
    if p == "o3":
        m8 = moving(h, 8, 6, before).reshape(s, hours // 24, 24)
        # hour-end labels 08:00 … 24:00 local are the day's slots 7 … 23
        out["o3_8h"] = _nanmax(m8[:, :, 7:])
        out["o3_1h"] = _nanmax(days)
        return
    valid = ~np.isnan(days)
    count = valid.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(valid, days, 0.0).sum(axis=2) / count
    out[f"{p}_24h"] = np.where(count >= 20, mean, np.nan)


def _nanmax(x: np.ndarray) -> np.ndarray:
    """Max over the last axis ignoring NaN; NaN where all are NaN (no warning)."""
    filled = np.where(np.isnan(x), -np.inf, x).max(axis=2)
    return np.where(np.isneginf(filled), np.nan, filled)


def report_columns(ds: xr.Dataset, mode: str = "hourly") -> xr.Dataset:
    """The ``<pollutant>_<averaging>`` columns the AQI needs, from a station or map cube."""
    pollutants = tuple(p for p in AQI_POLLUTANTS if p in ds.data_vars)
    if not pollutants:
        return xr.Dataset()
    t_ms = ds.time.values.astype("datetime64[ms]").astype(np.int64)
    other = [d for d in ds[pollutants[0]].dims if d != "time"]
    arrays = {p: ds[p].transpose(*other, "time").values for p in pollutants}
    shape = arrays[pollutants[0]].shape[:-1]
    flat = {p: a.reshape(-1, a.shape[-1]) for p, a in arrays.items()}
    n = int(np.prod(shape)) if shape else 1
    blocks = list(
        report_blocks(t_ms, n, pollutants, lambda p, i0, i1: flat[p][:, i0:i1], mode, 1 << 62)
    )
    times = np.concatenate([b.time_ms for b in blocks]).astype("datetime64[ms]")
    out = xr.Dataset()
    coords = {d: ds[d] for d in other if d in ds.coords}
    for c in blocks[0].columns:
        data = np.concatenate([b.columns[c] for b in blocks], axis=1).reshape(*shape, -1)
        out[c] = xr.DataArray(data, dims=(*other, "time"), coords={**coords, "time": times})
        out[c].attrs = dict(ds[c.rsplit("_", 1)[0]].attrs)
    return out
