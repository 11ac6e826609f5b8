"""Drone sample cube: CF ``featureType=trajectory`` as an indexed ragged array.

Observations (time, latitude, longitude, altitude, pollutants) grow along ``obs``; each
points to its sortie through ``trajectory_index``; sorties (trajectory_id, vehicle_id) are
kept in the group attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from sensors.cubes.store import ArraySpec, CubeError, CubeStore, local_path, open_lazy
from sensors.units import POLLUTANTS, cf_attrs

OBS_CHUNK = 65536
"""Samples per chunk (about 18 flight-hours at 1 Hz)."""


@dataclass(frozen=True)
class DroneSample:
    """One drone sample: UTC time (ms), position (deg, m above home), values (storage units)."""

    vehicle_id: str
    sortie_id: str
    time_ms: int
    lat: float
    lon: float
    altitude_m: float
    values: dict[str, float]


def create(path: Path) -> CubeStore:
    """Create an empty trajectory cube."""
    path = local_path(path)
    coords = "time latitude longitude altitude"
    specs = [
        ArraySpec(
            "time",
            ("obs",),
            "int64",
            (OBS_CHUNK,),
            fill=0,
            attrs={
                "standard_name": "time",
                "units": "milliseconds since 1970-01-01 00:00:00",
                "calendar": "proleptic_gregorian",
            },
        ),
        ArraySpec(
            "latitude",
            ("obs",),
            "float64",
            (OBS_CHUNK,),
            attrs={"standard_name": "latitude", "units": "degrees_north"},
        ),
        ArraySpec(
            "longitude",
            ("obs",),
            "float64",
            (OBS_CHUNK,),
            attrs={"standard_name": "longitude", "units": "degrees_east"},
        ),
        ArraySpec(
            "altitude",
            ("obs",),
            "float64",
            (OBS_CHUNK,),
            attrs={
                "standard_name": "height",
                "units": "m",
                "positive": "up",
                "long_name": "height above the take-off point",
            },
        ),
        ArraySpec(
            "trajectory_index",
            ("obs",),
            "int32",
            (OBS_CHUNK,),
            fill=-1,
            attrs={
                "long_name": "index of the sortie this sample belongs to",
                "instance_dimension": "trajectory",
            },
        ),
    ]
    for p in POLLUTANTS:
        specs.append(
            ArraySpec(
                p, ("obs",), "float64", (OBS_CHUNK,), attrs={**cf_attrs(p), "coordinates": coords}
            )
        )
    attrs = {
        "Conventions": "CF-1.11",
        "featureType": "trajectory",
        "title": "EcoPatrol drone samples",
        "sorties": [],
    }
    return CubeStore.create(path, specs, attrs, {"obs": 0, "trajectory": 0})


def open_store(path: Path, create_missing: bool = False) -> CubeStore:
    """Open (or create) the trajectory cube for writing."""
    path = local_path(path)
    if create_missing and not (path / "zarr.json").exists():
        return create(path)
    store = CubeStore(path)
    if store.attrs.get("featureType") != "trajectory":
        raise CubeError(f"{path}: not a trajectory cube")
    return store


def append(store: CubeStore, samples: Sequence[DroneSample]) -> int:
    """Append samples as one committed batch; returns the number written."""
    if not samples:
        return 0
    sorties = [tuple(s) for s in store.attrs["sorties"]]
    index = {s: i for i, s in enumerate(sorties)}
    traj = np.empty(len(samples), dtype=np.int32)
    for k, s in enumerate(samples):
        key = (s.sortie_id, s.vehicle_id)
        if key not in index:
            index[key] = len(sorties)
            sorties.append(key)
        traj[k] = index[key]
    n0 = store.sizes["obs"]
    n1 = n0 + len(samples)
    region = (slice(n0, n1),)
    regions = {
        "time": (region, np.array([s.time_ms for s in samples], dtype=np.int64)),
        "latitude": (region, np.array([s.lat for s in samples])),
        "longitude": (region, np.array([s.lon for s in samples])),
        "altitude": (region, np.array([s.altitude_m for s in samples])),
        "trajectory_index": (region, traj),
    }
    for p in POLLUTANTS:
        regions[p] = (region, np.array([s.values.get(p, np.nan) for s in samples]))
    store.commit(
        {"obs": n1, "trajectory": len(sorties)},
        regions=regions,
        attrs={"sorties": [list(s) for s in sorties]},
    )
    return len(samples)


def open_cube(path: Path) -> xr.Dataset:
    """Open the trajectory cube lazily with trajectory_id / vehicle_id per sortie."""
    path = local_path(path)
    store = open_store(path)
    sorties = store.attrs["sorties"]
    ds = open_lazy(path)
    ds = ds.assign_coords(
        trajectory_id=(
            "trajectory",
            np.array([s[0] for s in sorties], dtype=object),
            {"cf_role": "trajectory_id", "long_name": "sortie id"},
        ),
        vehicle_id=(
            "trajectory",
            np.array([s[1] for s in sorties], dtype=object),
            {"long_name": "vehicle id"},
        ),
    )
    ds.attrs = {k: v for k, v in ds.attrs.items() if k != "sorties"}
    return ds


def samples_of(ds: xr.Dataset, sortie_id: str) -> xr.Dataset:
    """The observations of one sortie, loaded."""
    ids = list(ds["trajectory_id"].values)
    if sortie_id not in ids:
        raise CubeError(f"no sortie {sortie_id!r} in the trajectory cube")
    index = ds["trajectory_index"].values
    return ds.isel(obs=np.flatnonzero(index == ids.index(sortie_id))).load()
