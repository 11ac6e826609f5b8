"""Station cube: CF ``featureType=timeSeries``, one (station × time) variable per pollutant.

Chunks are 16 stations by a year of hourly values, so reading a station's year reads one
chunk per pollutant and appending an hour rewrites a few chunks, not one per station.
Station identity (id, name) is kept in the group attributes; latitude, longitude and inlet
height are arrays along ``station``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from sensors.cubes.store import ArraySpec, CubeError, CubeStore, local_path, open_lazy
from sensors.units import POLLUTANTS, cf_attrs

TIME_CHUNK = 8784
"""Time steps per chunk: a (leap) year of hourly values."""

STATION_CHUNK = 16
"""Stations per chunk: a station's year is one 1.1 MB chunk read; an hour's append for a
district's stations rewrites a few chunks per pollutant rather than one per station."""


TIME_ATTRS = {
    "standard_name": "time",
    "long_name": "end of the averaging period",
    "units": "milliseconds since 1970-01-01 00:00:00",
    "calendar": "proleptic_gregorian",
}


@dataclass(frozen=True)
class StationMeta:
    """A monitoring station: id, name, position (degrees) and inlet height above ground (m)."""

    id: str
    name: str
    lat: float
    lon: float
    height_m: float = float("nan")


@dataclass(frozen=True)
class StationRows:
    """Accepted-so-far station values: one row per (station, time, pollutant), storage units."""

    station_id: np.ndarray
    time_ms: np.ndarray
    pollutant: np.ndarray
    value: np.ndarray
    line: np.ndarray | None = None
    """File line (or record) of each row: the first of repeated values is the one kept."""

    def __len__(self) -> int:
        return int(self.value.shape[0])


def create(
    path: Path,
    time_chunk: int = TIME_CHUNK,
    station_chunk: int = STATION_CHUNK,
    compressors: object = "auto",
) -> CubeStore:
    """Create an empty station cube; compressors of the pollutant arrays ("auto" = zstd).

    blosc-lz4 with byte shuffle was measured for them and not taken: no faster for a 1 M-row
    ingest, ~10 % slower for an hour's append (mostly-empty chunks), files twice as large.
    """
    path = local_path(path)
    specs = [
        ArraySpec("time", ("time",), "int64", (time_chunk,), fill=0, attrs=TIME_ATTRS),
        ArraySpec(
            "latitude",
            ("station",),
            "float64",
            (1024,),
            attrs={"standard_name": "latitude", "units": "degrees_north"},
        ),
        ArraySpec(
            "longitude",
            ("station",),
            "float64",
            (1024,),
            attrs={"standard_name": "longitude", "units": "degrees_east"},
        ),
        ArraySpec(
            "inlet_height",
            ("station",),
            "float64",
            (1024,),
            attrs={
                "standard_name": "height",
                "units": "m",
                "positive": "up",
                "long_name": "inlet height above ground",
            },
        ),
    ]
    for p in POLLUTANTS:
        attrs = {
            **cf_attrs(p),
            "coordinates": "latitude longitude inlet_height",
            "cell_methods": "time: mean",
        }
        specs.append(
            ArraySpec(
                p,
                ("station", "time"),
                "float64",
                (station_chunk, time_chunk),
                attrs=attrs,
                compressors=compressors,
            )
        )
    attrs = {
        "Conventions": "CF-1.11",
        "featureType": "timeSeries",
        "title": "EcoPatrol station time series",
        "stations": [],
    }
    return CubeStore.create(path, specs, attrs, {"station": 0, "time": 0})


def open_store(path: Path) -> CubeStore:
    """Open an existing station cube for writing."""
    path = local_path(path)
    store = CubeStore(path)
    if store.attrs.get("featureType") != "timeSeries":
        raise CubeError(f"{path}: not a station cube")
    return store


def register(path: Path, stations: Sequence[StationMeta]) -> tuple[int, int]:
    """Add new stations and update known ones; returns (added, updated)."""
    path = local_path(path)
    store = open_store(path) if (path / "zarr.json").exists() else create(path)
    table = list(store.attrs["stations"])
    index = {s["id"]: i for i, s in enumerate(table)}
    added = updated = 0
    for s in stations:
        entry = {"id": s.id, "name": s.name}
        if s.id in index:
            updated += 1
            table[index[s.id]] = entry
        else:
            index[s.id] = len(table)
            table.append(entry)
            added += 1
    n = len(table)
    arrays = store.arrays()
    lat = np.full(n, np.nan)
    lon, height = lat.copy(), lat.copy()
    old = store.sizes["station"]
    if old:
        lat[:old] = arrays["latitude"][:old]
        lon[:old] = arrays["longitude"][:old]
        height[:old] = arrays["inlet_height"][:old]
    for s in stations:
        i = index[s.id]
        lat[i], lon[i], height[i] = s.lat, s.lon, s.height_m
    region = (slice(0, n),)
    store.commit(
        {"station": n},
        regions={
            "latitude": (region, lat),
            "longitude": (region, lon),
            "inlet_height": (region, height),
        },
        attrs={"stations": table},
    )
    return added, updated


def station_ids(store: CubeStore) -> list[str]:
    """Registered station ids in cube order."""
    return [s["id"] for s in store.attrs["stations"]]


def open_cube(path: Path) -> xr.Dataset:
    """Open the station cube lazily with station_id/station_name coordinates (CF timeSeries)."""
    path = local_path(path)
    store = open_store(path)
    ds = open_lazy(path)
    table = store.attrs["stations"]
    ds = ds.set_coords([c for c in ("latitude", "longitude", "inlet_height") if c in ds])
    ds = ds.assign_coords(
        station_id=(
            "station",
            np.array([s["id"] for s in table], dtype=object),
            {"cf_role": "timeseries_id", "long_name": "station id"},
        ),
        station_name=(
            "station",
            np.array([s["name"] for s in table], dtype=object),
            {"long_name": "station name"},
        ),
    )
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in ("stations", "station_last_ms")}
    return ds
