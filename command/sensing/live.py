"""Live sensing: drone samples and station feeds into the cubes as they arrive, off the link
threads, and the map cube kept up with both.

Threads: the link threads only call `offer()`; one sensing thread assembles, checks and
appends drone samples; one thread per followed feed; one map thread. Writers of one cube
take turns through a lock per cube; readers (`sensors.cubes.open_*_cube`) may open the cubes
at any time and see every committed batch, nothing half written.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from watchdog.observers import Observer

from command.dispatch.owner import owner_alive, this_process
from command.events import Event, EventBus
from command.link.snapshot import PayloadSample
from command.sensing.config import SensingConfig
from command.sensing.drone import DroneSampleStream, DroneStats, SortieOf
from command.sensing.feeds import FeedFollower, FeedSource, FeedStatus
from command.sensing.maps import MapRefresher, MapStats
from sensors.cubes import MAP, STATIONS, TRAJECTORIES
from sensors.cubes.store import LEASE, CubeError, break_lease, local_path, writer_lease
from sensors.cubes.trajectory import DroneSample
from sensors.ingest.station import StoredValues

if TYPE_CHECKING:
    from command.centre.config import CentreConfig

log = logging.getLogger("command.sensing")

NAME_CUT = 46
"""Length a daemon's name may be cut to when the database tells who held the leadership."""
CENTRE_OWNER = "command centre"
"""How a centre names itself in a cube's lease, before its process (command.dispatch.owner)."""


class SensingError(ValueError):
    """Live sensing cannot be set up as configured; the message names the feed."""


@dataclass(frozen=True)
class SensingStats:
    """The drone path's counters, each feed's status and the map refresher's counters."""

    drones: DroneStats
    feeds: tuple[FeedStatus, ...]
    maps: MapStats


class LiveSensing:
    """Drone samples, station feeds and the map cube, each on threads of its own."""

    def __init__(
        self,
        cubes_dir: str | Path,
        *,
        bus: EventBus | None = None,
        sortie_of: SortieOf | None = None,
        feeds: Iterable[Any] = (),
        config: SensingConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`clock` must be the fleet's clock (PayloadSample.time_s); `feeds` holds objects with
        name, path, layout and metadata (the centre's FeedConfig or FeedSource)."""
        self.cubes_dir = local_path(cubes_dir)
        self.config = config or SensingConfig()
        self.clock = clock
        self.utcnow = utcnow
        publish = bus.publish if bus is not None else _nowhere
        self.maps = MapRefresher(self.cubes_dir, publish, self.config, clock, utcnow)
        self.drones = DroneSampleStream(
            self.cubes_dir,
            publish,
            sortie_of,
            self.config,
            utcnow,
            threading.Lock(),
            on_stored=self._drone_stored,
        )
        station_lock = threading.Lock()
        feeds = list(feeds)
        for f in feeds:
            if Path(f.path).suffix.lower() == ".json":
                raise SensingError(
                    f"feed {f.name}: {f.path}: a JSON file cannot be followed line by line; "
                    "ingest it with python -m sensors ingest"
                )
        self.followers = [
            FeedFollower(
                FeedSource(f.name, Path(f.path), f.layout, f.metadata),
                self.cubes_dir,
                publish,
                station_lock,
                utcnow,
                self.config.feed_check_s,
                on_stored=self._stations_stored,
            )
            for f in feeds
        ]
        self._observer: Any = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._leases: ExitStack | None = None

    @property
    def written_cubes(self) -> tuple[Path, ...]:
        """The cubes this sensing appends to (the station cube only when it follows feeds)."""
        names = (TRAJECTORIES, MAP) + ((STATIONS,) if self.followers else ())
        return tuple(self.cubes_dir / n for n in names)

    def take_leases(self, owner: str | None = None, replaces: Collection[str] = ()) -> None:
        """Become the one writer of every cube it appends to, until close(); a cube another
        writer holds refuses with CubeError (naming it and since when) and none is taken.

        A lease of another command centre is taken over (logged with what it said) when that
        centre is gone: a process of this host that no longer runs, or a daemon this one
        replaces (`replaces`: owner names, as command.dispatch.owner gives them)."""
        if self._leases is not None:
            return
        who = owner or f"{CENTRE_OWNER} {this_process()}"
        stack = ExitStack()
        try:
            for cube in self.written_cubes:
                try:
                    stack.enter_context(writer_lease(cube, who))
                except CubeError:
                    doc = _lease_of(cube)
                    if not _gone_centre(doc.get("owner", ""), replaces):
                        raise
                    break_lease(cube)
                    log.warning(
                        "%s: took over the lease of %s since %s (that centre is gone)",
                        cube,
                        doc.get("owner"),
                        doc.get("since"),
                    )
                    stack.enter_context(writer_lease(cube, who))
        except BaseException:
            stack.close()
            raise
        self._leases = stack

    @classmethod
    def from_config(
        cls,
        config: CentreConfig,
        *,
        bus: EventBus | None = None,
        sortie_of: SortieOf | None = None,
        clock: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> LiveSensing:
        """Live sensing of the centre's cubes and feeds (its `sensing` section, if any)."""
        return cls(
            config.cubes_path,
            bus=bus,
            sortie_of=sortie_of,
            feeds=config.feeds,
            config=getattr(config, "sensing", None),
            clock=clock,
            utcnow=utcnow,
        )

    # --- link threads ------------------------------------------------------------------------
    def offer(self, sample: PayloadSample) -> None:
        """Queue one payload reading (the Fleet's on_sample); never waits."""
        self.drones.offer(sample)

    # --- life --------------------------------------------------------------------------------
    def start(self) -> None:
        """Take the cubes' writer leases, start the sensing, feed and map threads and the
        change notices."""
        if self._thread is not None:
            return
        self.take_leases()
        self._thread = threading.Thread(target=self._run, name="sensing-drones", daemon=True)
        self._thread.start()
        self.maps.start()
        if self.followers:
            self._observer = Observer()
            for follower in self.followers:
                folder = follower.feed.path.absolute().parent
                if folder.is_dir():
                    self._observer.schedule(follower, str(folder), recursive=False)
                else:
                    log.warning(
                        "feed %s: folder %s missing: looked at every %g s",
                        follower.feed.name,
                        folder,
                        self.config.feed_check_s,
                    )
            self._observer.start()
            for follower in self.followers:
                follower.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Append what is queued (open samples closed), stop the feeds, map the last hours."""
        self._closing = True
        self.drones.wake.set()  # the sensing thread wakes at once, whatever it waited for
        if self._thread is not None:
            self._thread.join(timeout_s)
        else:
            self.drones.step(self.clock(), close=True)
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout_s)
        for follower in self.followers:
            follower.close(timeout_s)
        self.maps.close(timeout_s)
        if self._leases is not None:
            self._leases.close()
            self._leases = None

    def __enter__(self) -> LiveSensing:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> SensingStats:
        """Counters of every part."""
        return SensingStats(
            self.drones.stats(),
            tuple(f.status() for f in self.followers),
            self.maps.stats(),
        )

    # --- threads -----------------------------------------------------------------------------
    def _run(self) -> None:
        drones = self.drones
        while not self._closing:
            drones.sleep(self.clock())
            try:
                drones.step(self.clock())
            except Exception:  # a bug in one batch must not stop sensing for the whole flight
                log.exception("drone samples step failed")
        drones.step(self.clock(), close=True)

    def _drone_stored(self, samples: list[DroneSample]) -> None:
        first = samples[0]
        self.maps.touch((s.time_ms for s in samples), (first.lat, first.lon))

    def _stations_stored(self, stored: StoredValues) -> None:
        times = np.asarray(stored.time_ms)
        self.maps.touch(times.tolist())


def _lease_of(cube: Path) -> dict[str, str]:
    try:
        doc = json.loads(cube.with_name(cube.name + LEASE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _gone_centre(owner: str, replaces: Collection[str]) -> bool:
    """Is `owner` a command centre that no longer writes (dead here, or replaced)?"""
    if not owner.startswith(CENTRE_OWNER + " "):
        return False
    process = owner.removeprefix(CENTRE_OWNER + " ")
    for replaced in replaces:  # a holder's name may come cut short (PostgreSQL: 46 chars)
        cut = len(replaced) >= NAME_CUT and process.startswith(replaced)
        if replaced and (process == replaced or cut):
            return True
    parts = process.split()
    if len(parts) != 5 or parts[0] != socket.gethostname():
        return False  # another host: only the daemon taking over from it may judge
    return not owner_alive(process, None, datetime.now(UTC))


def _nowhere(event: Event) -> None:
    """Where events go without a bus."""
