"""AQI over a whole station cube: a task per station chunk, each streamed by block of days."""

from __future__ import annotations

from pathlib import Path

import dask
import numpy as np
import xarray as xr
import zarr

from sensors.aqi.averaging import AQI_POLLUTANTS, BLOCK_CELLS, report_blocks
from sensors.aqi.scalar import COLUMNS, check
from sensors.aqi.vector import aqi_arrays, with_attrs
from sensors.cubes import station as cube_station
from sensors.cubes.compute import compute
from sensors.cubes.store import local_path


def _chunk_aqi(
    cube_path: str,
    s0: int,
    s1: int,
    axis: np.ndarray,
    pollutants: tuple[str, ...],
    units: dict[str, str | None],
    standard: str,
    mode: str,
    block_cells: int,
) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """The AQI of stations [s0, s1) (one station chunk), read block by block from the cube."""
    group = zarr.open_group(cube_path, mode="r")
    arrays = {p: group[p] for p in pollutants}

    def read(p: str, i0: int, i1: int) -> np.ndarray:
        return arrays[p][s0:s1, i0:i1]

    chunk_parts = []
    chunk_times = []
    columns: list[str] = []
    for block in report_blocks(axis, s1 - s0, pollutants, read, mode, block_cells):
        columns = [c for c in COLUMNS if c in block.columns]
        unit_of = {c: units[c.rsplit("_", 1)[0]] for c in columns}
        res = aqi_arrays({c: block.columns[c] for c in columns}, standard, mode, unit_of)
        out = {f"iaqi_{c}": res.iaqi[c] for c in columns}
        out.update(aqi=res.aqi, category=res.category, primary_pollutant=res.primary_mask)
        chunk_parts.append(out)
        chunk_times.append(block.time_ms)
    part = {k: np.concatenate([p[k] for p in chunk_parts], axis=1) for k in chunk_parts[0]}
    return part, np.concatenate(chunk_times), columns


def station_aqi(
    cube_path: str | Path,
    standard: str = "hj633-2026",
    mode: str = "hourly",
    block_cells: int = BLOCK_CELLS,
) -> xr.Dataset:
    """IAQI per column, AQI, category and primary pollutant of every station and hour (or day).

    One task per station chunk, each reading its chunk one block of days at a time; the tasks
    run where sensors.cubes.compute says (a dask.distributed cluster or local threads).
    Values equal sensors.aqi.aqi applied to sensors.aqi.averaging.report_columns of the cube.
    """
    check(standard, mode)
    cube_path = local_path(cube_path)
    store = cube_station.open_store(cube_path)
    n_st, n_t = store.sizes["station"], store.sizes["time"]
    arrays = store.arrays()
    axis = arrays["time"][:n_t] if n_t else np.empty(0, np.int64)
    pollutants = tuple(p for p in AQI_POLLUTANTS if p in arrays)
    units = {p: arrays[p].attrs.get("units") for p in pollutants}
    if not n_st or not n_t or not pollutants:
        return xr.Dataset()
    step = arrays[pollutants[0]].chunks[0]
    axis_once = dask.delayed(axis, pure=True)  # one copy in the graph, not one per task
    tasks = [
        dask.delayed(_chunk_aqi, pure=True)(
            str(cube_path),
            s0,
            min(n_st, s0 + step),
            axis_once,
            pollutants,
            units,
            standard,
            mode,
            block_cells,
        )
        for s0 in range(0, n_st, step)
    ]
    results = compute(*tasks)
    parts = [r[0] for r in results]
    times, columns = results[-1][1], results[-1][2]
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
