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
import pandas as pd
import xarray as xr

from sensors.units import POLLUTANTS, cf_attrs
from sensors.validate import constant
from sensors.zarr_store import ArraySpec, CubeError, CubeStore, open_lazy

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
    """File line (or record) of each row: the order used by the lateness rule."""

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
        "station_last_ms": {},
    }
    return CubeStore.create(path, specs, attrs, {"station": 0, "time": 0})


def open_store(path: Path) -> CubeStore:
    """Open an existing station cube for writing."""
    store = CubeStore(path)
    if store.attrs.get("featureType") != "timeSeries":
        raise CubeError(f"{path}: not a station cube")
    return store


def register(path: Path, stations: Sequence[StationMeta]) -> tuple[int, int]:
    """Add new stations and update known ones; returns (added, updated)."""
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


def append(store: CubeStore, rows: StationRows, late_window_ms: int) -> np.ndarray:
    """Write rows into the cube; returns per-row reason ('' = written).

    Rows at a time already on the axis fill their empty cell (``duplicate`` if it holds a
    value); later times are appended; an earlier time not on the axis, or more than
    late_window_ms before the station's latest time, is ``out_of_order``.
    """
    n = len(rows)
    reason = constant(n, "")
    if n == 0:
        return reason
    ids = station_ids(store)
    st = pd.Index(ids).get_indexer(rows.station_id).astype(np.int64)
    reason[st < 0] = "unknown_station"
    pol = pd.Index(POLLUTANTS).get_indexer(rows.pollutant).astype(np.int64)
    if (pol < 0).any():
        raise CubeError(f"unknown pollutant in {sorted(set(rows.pollutant[pol < 0]))}")
    t = rows.time_ms.astype(np.int64)

    # duplicates inside the batch: keep the first of each (station, time, pollutant)
    ok = np.flatnonzero(reason == "")
    t_code, t_uniques = pd.factorize(t[ok])
    key = (st[ok] * len(t_uniques) + t_code) * len(POLLUTANTS) + pol[ok]
    reason[ok[pd.Series(key).duplicated().to_numpy()]] = "duplicate"

    # rows at a time already on the axis: duplicate if the cell holds a value
    sizes = store.sizes
    axis = store.group["time"][: sizes["time"]] if sizes["time"] else np.empty(0, np.int64)
    end = axis[-1] if axis.size else np.iinfo(np.int64).min
    old = np.flatnonzero((reason == "") & (t <= end))
    pos = np.searchsorted(axis, t[old])
    on_axis = np.zeros(old.size, dtype=bool)
    valid = pos < axis.size
    on_axis[valid] = axis[pos[valid]] == t[old][valid]
    reason[old[~on_axis]] = "out_of_order"
    fill_rows, fill_pos = old[on_axis], pos[on_axis]
    arrays = store.arrays()
    empty = np.ones(fill_rows.size, dtype=bool)
    for k, p in enumerate(POLLUTANTS):
        sel = pol[fill_rows] == k
        if sel.any():
            current = arrays[p].get_coordinate_selection((st[fill_rows[sel]], fill_pos[sel]))
            empty[sel] = np.isnan(current)
    reason[fill_rows[~empty]] = "duplicate"

    # late against the station's latest time, committed or earlier in this batch (file order)
    never = np.iinfo(np.int64).min // 2
    last_by_station = dict(store.attrs.get("station_last_ms", {}))
    station_last = np.array([last_by_station.get(s, never) for s in ids] + [never], np.int64)
    order = np.argsort(rows.line if rows.line is not None else np.arange(n), kind="stable")
    running = np.empty(n, dtype=np.int64)
    running[order] = pd.Series(t[order]).groupby(st[order]).cummax().to_numpy()
    latest = np.maximum(running, station_last[st])
    reason[(t < latest - late_window_ms) & (reason == "")] = "out_of_order"

    points = {}
    keep = reason[fill_rows] == ""
    fill_rows, fill_pos = fill_rows[keep], fill_pos[keep]
    for k, p in enumerate(POLLUTANTS):
        sel = pol[fill_rows] == k
        if sel.any():
            points[p] = ((st[fill_rows[sel]], fill_pos[sel]), rows.value[fill_rows[sel]])

    new = (reason == "") & (t > end)
    new_times = np.unique(t[new])
    tn, ns = sizes["time"], sizes["station"]
    t_size = tn + new_times.size
    regions = {}
    if new_times.size:
        regions["time"] = ((slice(tn, t_size),), new_times)
        col = np.searchsorted(new_times, t[new])
        for k, p in enumerate(POLLUTANTS):
            block = np.full((ns, new_times.size), np.nan)
            sel = pol[new] == k
            block[st[new][sel], col[sel]] = rows.value[new][sel]
            regions[p] = ((slice(0, ns), slice(tn, t_size)), block)
    written = reason == ""
    for i in np.unique(st[written]):
        last = int(t[written & (st == i)].max())
        last_by_station[ids[i]] = max(last, last_by_station.get(ids[i], last))
    store.commit(
        {"time": t_size}, regions=regions, points=points, attrs={"station_last_ms": last_by_station}
    )
    return reason


def open_cube(path: Path) -> xr.Dataset:
    """Open the station cube lazily with station_id/station_name coordinates (CF timeSeries)."""
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
