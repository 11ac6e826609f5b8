"""The console's drone sample grid (mixed into CommandCentre): the map cube's latest hour, read
once when the centre starts and again each time live sensing publishes MapCubeRefreshed (on
the bus's subscriber thread), and kept in memory; the web's calls only read that copy, so no
request ever reads the cube. Each time the copy is replaced, MapGridRefreshed is published, so
a live map re-reads the grid only once there is something new to read. A missing or
unreadable cube leaves the layer empty (logged)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from command.centre.operations import OperationRefused
from command.events import MapCubeRefreshed, MapGridRefreshed
from command.events.types import Event
from maps.model import SampleGrid
from sensors.cubes import MAP, MapGrid, open_map_cube
from sensors.units import POLLUTANTS

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

log = logging.getLogger(__name__)

PREFERRED = ("pm2_5", "pm10", "so2", "no2", "o3", "co", "voc")
"""The pollutant drawn when none is asked for: the first of these the hour has values of."""


@dataclass(frozen=True)
class LatestMap:
    """One hour of the map cube: its grid, start time (UTC) and fields by pollutant (rows
    north first), only pollutants with at least one value."""

    grid: MapGrid
    time: datetime
    fields: dict[str, np.ndarray]


@dataclass
class _GridCache:
    """The latest map hour (replaced whole under `lock`) and how many reads were done."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latest: LatestMap | None = None
    reads: int = 0


def read_latest_map(cubes_dir: Path) -> LatestMap | None:
    """The last hour of the map cube under `cubes_dir` (None when there is none yet)."""
    if not (cubes_dir / MAP / "zarr.json").exists():
        return None
    ds = open_map_cube(cubes_dir)
    if ds.sizes.get("time", 0) == 0:
        return None
    grid = MapGrid.from_attrs(dict(ds.attrs))
    hour = ds.isel(time=-1)
    fields = {}
    for pollutant in POLLUTANTS:
        if pollutant not in hour:
            continue
        values = np.asarray(hour[pollutant].values, dtype=np.float64)
        if np.isfinite(values).any():
            values.setflags(write=False)
            fields[pollutant] = values
    start = pd.Timestamp(hour["time"].values)
    start = start.tz_localize(UTC) if start.tzinfo is None else start.tz_convert(UTC)
    return LatestMap(grid, start.to_pydatetime(), fields)


def grid_refreshed(latest: LatestMap | None, now: datetime) -> MapGridRefreshed:
    """The event saying the kept hour is now `latest`."""
    if latest is None or not latest.fields:
        hour = None if latest is None else latest.time
        return MapGridRefreshed(time_utc=now, hour=hour, pollutants=(), cells=0)
    filled = np.logical_or.reduce([np.isfinite(v) for v in latest.fields.values()])
    return MapGridRefreshed(
        time_utc=now,
        hour=latest.time,
        pollutants=tuple(latest.fields),
        cells=int(np.count_nonzero(filled)),
    )


class MapGridOperations:
    """The drone sample grid the dashboard map and `/api/map/grid` show."""

    def start_area(self: CommandCentre) -> None:
        """Read the map cube's latest hour now and after each MapCubeRefreshed."""
        self.refresh_map_grid()
        self.bus.subscribe(
            "console-map-grid",
            self.refresh_map_grid,
            kinds=(MapCubeRefreshed,),
            maxsize=16,
        )

    def refresh_map_grid(self: CommandCentre, _event: Event | None = None) -> None:
        """Re-read the latest hour into memory (on the bus thread; never from a request), then
        publish MapGridRefreshed."""
        cache = _cache(self)
        try:
            latest = read_latest_map(self.config.cubes_path)
        except Exception:  # a cube being rebuilt or damaged: keep the last copy, say so
            log.exception("map cube: the latest hour could not be read")
            return
        with cache.lock:
            cache.latest = latest
            cache.reads += 1
        self.bus.publish(grid_refreshed(latest, self.utcnow()))

    def map_grid_hour(self: CommandCentre) -> LatestMap | None:
        """The kept latest hour (None when the map cube has none)."""
        cache = _cache(self)
        with cache.lock:
            return cache.latest

    def map_sample_grid(self: CommandCentre, pollutant: str | None = None) -> SampleGrid | None:
        """The kept hour of one pollutant as the map draws it (None: no map yet). Without a
        pollutant, the first of PREFERRED with values; OperationRefused naming the ones there
        are when the asked one has none."""
        latest = self.map_grid_hour()
        if latest is None or not latest.fields:
            if pollutant is not None and pollutant not in POLLUTANTS:
                raise OperationRefused(f"pollutant: {pollutant!r} is not one of {POLLUTANTS}")
            return None
        if pollutant is None:
            pollutant = next(p for p in PREFERRED if p in latest.fields)
        values = latest.fields.get(pollutant)
        if values is None:
            there = ", ".join(sorted(latest.fields))
            raise OperationRefused(
                f"pollutant: the map hour {latest.time:%Y-%m-%d %H:%M}Z has no "
                f"{pollutant[:20]!r} values (it has {there})"
            )
        return SampleGrid.on(latest.grid, pollutant, values, latest.time)


def _cache(centre: CommandCentre) -> _GridCache:
    cache = centre.__dict__.get("_map_grid_cache")
    if cache is None:
        cache = centre.__dict__.setdefault("_map_grid_cache", _GridCache())
    return cache


MIXIN = MapGridOperations
