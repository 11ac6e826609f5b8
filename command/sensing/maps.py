"""The map cube kept up with new station and drone samples, at a bounded rate.

New data mark the hours they fall in (a time belongs to the hour ending at or after it); the
refresher's own thread rebuilds those hours' maps at most once every `map_refresh_s`, oldest
first, and publishes MapCubeRefreshed. An hour older than the cube's last map and not in it
cannot join the cube's time axis and is passed over (counted). A missing map cube is created
on a square grid around the configured centre, the registered stations or the first sample.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from command.events import MapCubeRefreshed
from command.sensing.config import SensingConfig
from command.sensing.drone import Publish
from command.sensing.feeds import station_places
from sensors.cubes import MAP, STATIONS, MapGrid, create_map_cube, refresh_map_hour
from sensors.cubes.store import CubeStore

log = logging.getLogger("command.sensing")

HOUR_MS = 3_600_000


def hour_ends(time_ms: Iterable[int]) -> set[int]:
    """The end (ms since 1970, UTC) of the hour each time falls in; a full hour is its own end."""
    t = np.asarray(list(time_ms), dtype=np.int64)
    return set((-(-t // HOUR_MS) * HOUR_MS).tolist())


@dataclass(frozen=True)
class MapStats:
    """Refreshes done, hours mapped, hours passed over, failures."""

    refreshes: int
    hours_mapped: int
    hours_passed_over: int
    errors: int


class MapRefresher:
    """Rebuilds the maps of the hours new data fell in, on its own thread."""

    def __init__(
        self,
        cubes_dir: Path,
        publish: Publish,
        config: SensingConfig,
        clock: Callable[[], float],
        utcnow: Callable[[], datetime],
    ) -> None:
        self.cubes_dir = Path(cubes_dir)
        self.publish = publish
        self.config = config
        self.clock = clock
        self.utcnow = utcnow
        self._dirty: set[int] = set()
        self._near: tuple[float, float] | None = None
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._last: float | None = None
        self._thread: threading.Thread | None = None
        self._refreshes = self._mapped = self._passed = self._errors = 0

    def touch(self, times_ms: Iterable[int], near: tuple[float, float] | None = None) -> None:
        """New data at these times (and roughly where): their hours' maps are due (any thread)."""
        hours = hour_ends(times_ms)
        if not hours:
            return
        with self._mutex:
            self._dirty |= hours
            if self._near is None and near is not None and all(np.isfinite(near)):
                self._near = near
        self._wake.set()

    def start(self) -> None:
        """Refresh on a thread of its own."""
        self._thread = threading.Thread(target=self._run, name="sensing-map", daemon=True)
        self._thread.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop (hours still due are mapped first)."""
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def stats(self) -> MapStats:
        """Counters for the console."""
        return MapStats(self._refreshes, self._mapped, self._passed, self._errors)

    def wait_s(self, now: float) -> float | None:
        """How long until the due hours may be mapped (None: nothing due)."""
        with self._mutex:
            if not self._dirty:
                return None
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.config.map_refresh_s - now)

    def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock()
            wait = self.wait_s(now)
            if self._stop:  # the hours still due, once, then out
                if wait is not None:
                    self.refresh(now)
                return
            if wait == 0.0:
                self.refresh(now)
                continue
            self._wake.wait(wait)

    def refresh(self, now: float) -> tuple[datetime, ...]:
        """Map every due hour now; returns the hours mapped."""
        with self._mutex:
            hours, self._dirty = sorted(self._dirty), set()
        self._last = now
        if not hours:
            return ()
        done: list[datetime] = []
        path = self.cubes_dir / MAP
        try:  # readers of the other cubes: they see what is committed, no lock needed
            if not (path / "zarr.json").exists() and not self._create():
                with self._mutex:
                    self._dirty |= set(hours)  # mapped once the cube can be made
                self._last = now + 1.0  # and looked at again a second later at the soonest
                return ()
            store = CubeStore(path)
            maps = store.sizes["time"]
            held = set(store.group["time"][:maps].tolist()) if maps else set()
            last = max(held, default=None)
            for hour in hours:
                if last is not None and hour < last and hour not in held:
                    self._passed += 1
                    continue
                maps = max(maps, refresh_map_hour(pd.Timestamp(hour, unit="ms"), path.parent) + 1)
                done.append(datetime.fromtimestamp(hour / 1000, UTC))
        except Exception as exc:  # a damaged cube must not stop sensing: said, tried next time
            self._errors += 1
            log.error("map cube not refreshed: %s", exc)
            return tuple(done)
        self._refreshes += 1
        self._mapped += len(done)
        if done:
            self.publish(MapCubeRefreshed(time_utc=self.utcnow(), hours=tuple(done), maps=maps))
        return tuple(done)

    def _create(self) -> bool:
        """Create the map cube around the best centre known; False if none is known yet."""
        centre = self.config.map_centre or _stations_centre(self.cubes_dir) or self._near
        if centre is None:
            log.info("map cube not created yet: no centre configured, no station, no sample")
            return False
        grid = MapGrid.around(
            centre[0], centre[1], self.config.map_half_width_m, self.config.map_cell_m
        )
        create_map_cube(grid, self.cubes_dir)
        return True


def _stations_centre(cubes_dir: Path) -> tuple[float, float] | None:
    """Mean latitude and longitude (deg) of the registered stations, None without any."""
    if not (cubes_dir / STATIONS / "zarr.json").exists():
        return None
    places = np.array([(lat, lon) for _, lat, lon in station_places(cubes_dir).values()])
    ok = np.isfinite(places).all(axis=1) if len(places) else np.zeros(0, bool)
    return (float(places[ok, 0].mean()), float(places[ok, 1].mean())) if ok.any() else None
