"""AQI over a whole station cube, streamed by station chunk and block of days in bounded memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from sensors.aqi.averaging import AQI_POLLUTANTS, BLOCK_CELLS, report_blocks
from sensors.aqi.scalar import COLUMNS, check
from sensors.aqi.vector import aqi_arrays, with_attrs
from sensors.cubes import station as cube_station


def station_aqi(
    cube_path: Path,
    standard: str = "hj633-2026",
    mode: str = "hourly",
    block_cells: int = BLOCK_CELLS,
) -> xr.Dataset:
    """IAQI per column, AQI, category and primary pollutant of every station and hour (or day).

    Reads one station chunk's block of days at a time; values equal sensors.aqi.aqi applied
    to sensors.aqi.averaging.report_columns of the same cube.
    """
    check(standard, mode)
    store = cube_station.open_store(cube_path)
    n_st, n_t = store.sizes["station"], store.sizes["time"]
    arrays = store.arrays()
    axis = arrays["time"][:n_t] if n_t else np.empty(0, np.int64)
    pollutants = tuple(p for p in AQI_POLLUTANTS if p in arrays)
    units = {p: arrays[p].attrs.get("units") for p in pollutants}
    if not n_st or not n_t or not pollutants:
        return xr.Dataset()
    step = arrays[pollutants[0]].chunks[0]
    parts: list[dict[str, np.ndarray]] = []
    times = np.empty(0, np.int64)
    columns: list[str] = []
    for s0 in range(0, n_st, step):
        s1 = min(n_st, s0 + step)

        def read(p: str, i0: int, i1: int, s0: int = s0, s1: int = s1) -> np.ndarray:
            return arrays[p][s0:s1, i0:i1]

        chunk_parts = []
        chunk_times = []
        for block in report_blocks(axis, s1 - s0, pollutants, read, mode, block_cells):
            columns = [c for c in COLUMNS if c in block.columns]
            unit_of = {c: units[c.rsplit("_", 1)[0]] for c in columns}
            res = aqi_arrays({c: block.columns[c] for c in columns}, standard, mode, unit_of)
            out = {f"iaqi_{c}": res.iaqi[c] for c in columns}
            out.update(aqi=res.aqi, category=res.category, primary_pollutant=res.primary_mask)
            chunk_parts.append(out)
            chunk_times.append(block.time_ms)
        parts.append(
            {k: np.concatenate([p[k] for p in chunk_parts], axis=1) for k in chunk_parts[0]}
        )
        times = np.concatenate(chunk_times)
    table = store.attrs["stations"]
    ds = xr.Dataset(
        {k: (("station", "time"), np.concatenate([p[k] for p in parts])) for k in parts[0]}
        if parts
        else {},
        coords={
            "time": times.astype("datetime64[ms]"),
            "station_id": ("station", np.array([s["id"] for s in table], dtype=object)),
            "station_name": ("station", np.array([s["name"] for s in table], dtype=object)),
        },
    )
    return with_attrs(ds, columns, standard, mode) if parts else ds
