"""Map cube: gridded concentrations (time × y × x) on a MapGrid, one chunk per map and hour.

Maps are built from station and drone samples of one hour (bin mean, then inverse distance
weighting); the method is recorded in the attributes, the CRS in ``spatial_ref``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sensors.cubes.grid import IDW_NEIGHBOURS, IDW_POWER, MapGrid, grid_points
from sensors.cubes.store import ArraySpec, CubeError, CubeStore, local_path, open_lazy
from sensors.units import POLLUTANTS, cf_attrs

METHOD = (
    f"bin mean per cell, then inverse distance weighting (power {IDW_POWER:g}, "
    f"up to {IDW_NEIGHBOURS} binned cells within the search radius)"
)


def create(path: Path, grid: MapGrid, radius_m: float | None = None) -> CubeStore:
    """Create an empty map cube on grid."""
    path = local_path(path)
    radius = radius_m if radius_m is not None else 5 * grid.cell_m
    yx = (grid.ny, grid.nx)
    specs = [
        ArraySpec(
            "time",
            ("time",),
            "int64",
            (1024,),
            fill=0,
            attrs={
                "standard_name": "time",
                "units": "milliseconds since 1970-01-01 00:00:00",
                "calendar": "proleptic_gregorian",
                "long_name": "start of the hour mapped",
            },
        ),
        ArraySpec(
            "x",
            ("x",),
            "float64",
            (grid.nx,),
            attrs={"standard_name": "projection_x_coordinate", "units": "m"},
        ),
        ArraySpec(
            "y",
            ("y",),
            "float64",
            (grid.ny,),
            attrs={"standard_name": "projection_y_coordinate", "units": "m"},
        ),
        ArraySpec(
            "spatial_ref",
            (),
            "int32",
            (),
            fill=0,
            attrs={
                "crs_wkt": grid.crs_wkt(),
                "spatial_ref": grid.crs_wkt(),
                "GeoTransform": " ".join(f"{v:.17g}" for v in grid.transform),
            },
        ),
        ArraySpec(
            "sample_count",
            ("time", "y", "x"),
            "int32",
            (1, *yx),
            fill=0,
            attrs={
                "long_name": "samples binned per cell",
                "units": "1",
                "grid_mapping": "spatial_ref",
            },
        ),
    ]
    for p in POLLUTANTS:
        specs.append(
            ArraySpec(
                p,
                ("time", "y", "x"),
                "float64",
                (1, *yx),
                attrs={**cf_attrs(p), "grid_mapping": "spatial_ref", "cell_methods": "time: mean"},
            )
        )
    attrs = {
        "Conventions": "CF-1.11",
        "title": "EcoPatrol gridded air quality",
        "ecopatrol_method": METHOD,
        "ecopatrol_idw_radius_m": radius,
        **grid.to_attrs(),
    }
    store = CubeStore.create(path, specs, attrs, {"time": 0, "y": grid.ny, "x": grid.nx})
    store.group["x"][:] = grid.x
    store.group["y"][:] = grid.y
    return store


def open_store(path: Path) -> CubeStore:
    """Open an existing map cube for writing."""
    path = local_path(path)
    store = CubeStore(path)
    if "grid_crs" not in store.attrs:
        raise CubeError(f"{path}: not a map cube")
    return store


def grid_of(store: CubeStore) -> MapGrid:
    """The cube's grid."""
    return MapGrid.from_attrs(store.attrs)


def append_map(
    store: CubeStore,
    time: np.datetime64 | pd.Timestamp,
    fields: Mapping[str, np.ndarray],
    counts: np.ndarray | None = None,
    replace: bool = False,
) -> int:
    """Append one map (fields by pollutant, y × x) at time, later than the last; returns index.

    replace: a map already at that time is rewritten in place (journaled) instead of refused.
    """
    grid = grid_of(store)
    stamp = pd.Timestamp(time)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    t_ms = int(stamp.value // 1_000_000)
    size = store.sizes["time"]
    n = size
    if size and t_ms <= int(store.group["time"][size - 1]):
        at = np.flatnonzero(store.group["time"][:size] == t_ms) if replace else []
        if not len(at):
            raise CubeError(f"map time {pd.Timestamp(t_ms, unit='ms')} is not after the last map")
        n = int(at[0])
    region = (slice(n, n + 1),)
    regions = {"time": (region, np.array([t_ms], dtype=np.int64))}
    for p, field in fields.items():
        if p not in POLLUTANTS:
            raise CubeError(f"unknown pollutant {p!r}")
        if field.shape != (grid.ny, grid.nx):
            raise CubeError(
                f"{p}: field shape {field.shape} is not the grid's {(grid.ny, grid.nx)}"
            )
        regions[p] = ((slice(n, n + 1), slice(None), slice(None)), field[None])
    if counts is not None:
        regions["sample_count"] = (
            (slice(n, n + 1), slice(None), slice(None)),
            counts[None].astype(np.int32),
        )
    store.commit({"time": max(size, n + 1)}, regions=regions)
    return n


def map_hour(
    store: CubeStore,
    hour: pd.Timestamp,
    lat: np.ndarray,
    lon: np.ndarray,
    values: Mapping[str, np.ndarray],
    replace: bool = False,
) -> int:
    """Grid the samples of one hour (positions + values by pollutant) and append the map
    (replace: rewrite the map already at that hour)."""
    grid = grid_of(store)
    radius = float(store.attrs["ecopatrol_idw_radius_m"])
    fields, counts = {}, None
    for p, v in values.items():
        fields[p], c = grid_points(grid, lat, lon, v, radius)
        counts = c if counts is None else np.maximum(counts, c)
    return append_map(store, hour, fields, counts, replace)


def open_cube(path: Path) -> xr.Dataset:
    """Open the map cube lazily (time, y, x) with its spatial_ref grid mapping."""
    path = local_path(path)
    open_store(path)
    return open_lazy(path)
