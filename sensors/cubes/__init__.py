"""The cubes under ``var/cubes/``: open them lazily, append to them, describe them.

``stations.zarr`` (CF timeSeries), ``trajectories.zarr`` (CF trajectory) and ``map.zarr``
(time × y × x on a MapGrid). This is the API the command room and the map call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sensors.cubes import map as cube_map
from sensors.cubes import station as cube_station
from sensors.cubes import trajectory as cube_trajectory
from sensors.cubes.compute import compute
from sensors.cubes.grid import MapGrid
from sensors.cubes.station import StationMeta, StationRows
from sensors.cubes.station_append import append_rows
from sensors.cubes.store import SIZES_ATTR, CubeError, CubeStore, local_path
from sensors.cubes.trajectory import DroneSample

DEFAULT_CUBES = Path("var/cubes")
STATIONS = "stations.zarr"
TRAJECTORIES = "trajectories.zarr"
MAP = "map.zarr"
QUARANTINE = "quarantine"

__all__ = [
    "CubeError",
    "DroneSample",
    "MapGrid",
    "StationMeta",
    "StationRows",
    "append_drone_samples",
    "append_map",
    "append_station_rows",
    "create_map_cube",
    "cube_info",
    "map_hour",
    "open_map_cube",
    "open_station_cube",
    "open_trajectory_cube",
    "refresh_map_hour",
    "register_stations",
    "station_aqi",
]


def _dir(cubes_dir: str | Path | None) -> Path:
    return local_path(cubes_dir) if cubes_dir is not None else DEFAULT_CUBES


def open_station_cube(cubes_dir: str | Path | None = None) -> xr.Dataset:
    """Station cube (station × time per pollutant), lazy."""
    return cube_station.open_cube(_dir(cubes_dir) / STATIONS)


def open_trajectory_cube(cubes_dir: str | Path | None = None) -> xr.Dataset:
    """Drone sample cube (obs, ragged by sortie), lazy."""
    return cube_trajectory.open_cube(_dir(cubes_dir) / TRAJECTORIES)


def open_map_cube(cubes_dir: str | Path | None = None) -> xr.Dataset:
    """Gridded map cube (time × y × x), lazy."""
    return cube_map.open_cube(_dir(cubes_dir) / MAP)


def register_stations(
    stations: Sequence[StationMeta], cubes_dir: str | Path | None = None
) -> tuple[int, int]:
    """Add or update station metadata; returns (added, updated)."""
    return cube_station.register(_dir(cubes_dir) / STATIONS, stations)


def append_station_rows(rows: StationRows, cubes_dir: str | Path | None = None) -> np.ndarray:
    """Append station values; returns a Reason code per row (0 = written)."""
    store = cube_station.open_store(_dir(cubes_dir) / STATIONS)
    return append_rows(store, rows)


def append_drone_samples(
    samples: Sequence[DroneSample], cubes_dir: str | Path | None = None
) -> int:
    """Append drone samples as one batch; returns the number written."""
    store = cube_trajectory.open_store(_dir(cubes_dir) / TRAJECTORIES, create_missing=True)
    return cube_trajectory.append(store, samples)


def create_map_cube(
    grid: MapGrid, cubes_dir: str | Path | None = None, radius_m: float | None = None
) -> None:
    """Create the map cube on grid (fails if one exists)."""
    cube_map.create(_dir(cubes_dir) / MAP, grid, radius_m)


def append_map(
    time: pd.Timestamp, fields: Mapping[str, np.ndarray], cubes_dir: str | Path | None = None
) -> int:
    """Append one gridded map (fields by pollutant) at time; returns its index."""
    return cube_map.append_map(cube_map.open_store(_dir(cubes_dir) / MAP), time, fields)


def map_hour(hour: pd.Timestamp, cubes_dir: str | Path | None = None) -> int:
    """Grid the station and drone samples of the hour ending at `hour` into the map cube."""
    return _map_hour(hour, _dir(cubes_dir), replace=False)


def refresh_map_hour(hour: pd.Timestamp, cubes_dir: str | Path | None = None) -> int:
    """map_hour, rewriting the hour's map if the cube holds one (as samples keep coming)."""
    return _map_hour(hour, _dir(cubes_dir), replace=True)


def _map_hour(hour: pd.Timestamp, root: Path, replace: bool) -> int:
    end = (
        pd.Timestamp(hour).tz_localize(None)
        if pd.Timestamp(hour).tzinfo is None
        else pd.Timestamp(hour).tz_convert("UTC").tz_localize(None)
    )
    start = end - pd.Timedelta(hours=1)
    lats, lons, values = [], [], {}
    if (root / STATIONS / "zarr.json").exists():
        st = open_station_cube(root).sel(time=slice(start + pd.Timedelta(1, "ms"), end))
        (mean,) = compute(st.mean("time"))
        lats.append(mean.latitude.values)
        lons.append(mean.longitude.values)
        for p in cube_station.POLLUTANTS:
            values.setdefault(p, []).append(mean[p].values)
    if (root / TRAJECTORIES / "zarr.json").exists():
        tr = open_trajectory_cube(root)
        t = tr.time.values
        sel = np.flatnonzero((t > np.datetime64(start)) & (t <= np.datetime64(end)))
        (part,) = compute(tr.isel(obs=sel))
        lats.append(part.latitude.values)
        lons.append(part.longitude.values)
        for p in cube_station.POLLUTANTS:
            values.setdefault(p, []).append(part[p].values)
    if not lats:
        raise CubeError(f"{root}: no station or trajectory cube to map")
    store = cube_map.open_store(root / MAP)
    return cube_map.map_hour(
        store,
        end,
        np.concatenate(lats),
        np.concatenate(lons),
        {p: np.concatenate(v) for p, v in values.items()},
        replace,
    )


def station_aqi(
    standard: str = "hj633-2026", mode: str = "hourly", cubes_dir: str | Path | None = None
) -> xr.Dataset:
    """AQI of every station and hour (or local day), streamed over the cube's station chunks."""
    from sensors.aqi.cube import station_aqi as streamed

    return streamed(_dir(cubes_dir) / STATIONS, standard, mode)


def cube_info(cubes_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Name, sizes, variables, chunks and time span of each cube present."""
    root = _dir(cubes_dir)
    out = []
    for name in (STATIONS, TRAJECTORIES, MAP):
        path = root / name
        if not (path / "zarr.json").exists():
            continue
        store = CubeStore(path)
        arrays = store.arrays()
        sizes = store.attrs[SIZES_ATTR]
        n_time = sizes.get("time", sizes.get("obs", 0))
        span = ""
        if n_time:
            t = arrays["time"][:n_time]
            span = (
                f"{pd.Timestamp(int(t.min()), unit='ms')}Z .. "
                f"{pd.Timestamp(int(t.max()), unit='ms')}Z"
            )
        out.append(
            {
                "cube": name,
                "path": str(path),
                "sizes": dict(sizes),
                "featureType": store.attrs.get("featureType", "grid"),
                "variables": sorted(n for n in arrays if n not in ("time", "x", "y")),
                "chunks": {n: list(a.chunks) for n, a in arrays.items() if a.ndim >= 2}
                or {n: list(a.chunks) for n, a in arrays.items() if n == "time"},
                "time_span": span,
            }
        )
    return out
