"""Station feeds followed as they grow: new complete lines into the station cube.

Each feed's new lines are copied out below the file's header and ingested by the sensors
room's engine (any registered layout), with reports and quarantine rows naming the feed file
and its own line numbers; then StationReadingsStored and one StationReading per station and
period are published. A block the engine refuses whole (bytes that are not UTF-8, an unknown
layout) is kept back with the error shown, and tried again when the file changes. The
follower wakes on a change notice (inotify through watchdog) or every `check_s` at the latest.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from watchdog.events import FileSystemEvent, FileSystemEventHandler

from command.events import StationReading, StationReadingsStored
from command.sensing.drone import Publish, utc_of_ms
from command.sensing.tail import Block, FeedTail
from sensors.cubes import STATIONS
from sensors.cubes import station as cube_station
from sensors.feeds import IngestError
from sensors.ingest import ingest_file
from sensors.ingest.station import StoredValues

log = logging.getLogger("command.sensing")

FOLLOW_DIR = "follow"
"""Folder in the cubes folder keeping how far each feed was read."""
WAKING_EVENTS = frozenset({"modified", "created", "moved", "deleted", "closed"})
"""Change notices that may mean new lines (our own reads open and close the file too)."""

StationsStored = Callable[[StoredValues], None]


@dataclass(frozen=True)
class FeedSource:
    """A feed to follow: its name, file, layout ("auto": detected) and station metadata file."""

    name: str
    path: Path
    layout: str = "auto"
    metadata: Path | None = None


@dataclass(frozen=True)
class FeedStatus:
    """How a followed feed stands: lines ingested, values stored and refused, the last error."""

    name: str
    path: str
    lines: int
    values_stored: int
    values_rejected: int
    blocks: int
    error: str | None


class FeedFollower(FileSystemEventHandler):
    """Follows one feed file on its own thread."""

    def __init__(
        self,
        feed: FeedSource,
        cubes_dir: Path,
        publish: Publish,
        station_lock: threading.Lock,
        utcnow: Callable[[], datetime],
        check_s: float,
        on_stored: StationsStored | None = None,
    ) -> None:
        self.feed = feed
        self.cubes_dir = Path(cubes_dir)
        self.publish = publish
        self.utcnow = utcnow
        self.check_s = check_s
        self.on_stored = on_stored
        self.tail = FeedTail(feed.path, self.cubes_dir / FOLLOW_DIR / f"{feed.name}.json")
        self._station_lock = station_lock
        self._watched = {os.fsdecode(feed.path.absolute())}
        if feed.metadata is not None:
            self._watched.add(os.fsdecode(feed.metadata.absolute()))
        self._meta_seen: tuple[int, int, int] | None = None
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="ecopatrol-feed-")
        self.error: str | None = None
        self._stored = self._rejected = self._blocks = 0

    # --- watchdog's thread -------------------------------------------------------------------
    def on_any_event(self, event: FileSystemEvent) -> None:
        """Wake the follower when its file (or metadata file) may have changed."""
        if event.event_type not in WAKING_EVENTS:
            return
        paths = {os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")}
        if paths & self._watched:
            self._wake.set()

    # --- life --------------------------------------------------------------------------------
    def start(self) -> None:
        """Follow on a thread of its own."""
        self._thread = threading.Thread(
            target=self._run, name=f"sensing-feed-{self.feed.name}", daemon=True
        )
        self._thread.start()

    def poke(self) -> None:
        """Look at the file now."""
        self._wake.set()

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop after the block being ingested (its data is committed or not at all)."""
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._tmp.cleanup()

    def status(self) -> FeedStatus:
        """Where the feed stands, for the console."""
        return FeedStatus(
            self.feed.name,
            str(self.feed.path),
            self.tail.place.lines,
            self._stored,
            self._rejected,
            self._blocks,
            self.error,
        )

    def _run(self) -> None:
        while not self._stop:
            self._wake.clear()
            try:
                while self.step() and not self._stop:  # a long file: block after block
                    pass
            except Exception:  # the follower must outlive any one bad block
                log.exception("feed %s: follow step failed", self.feed.name)
            self._wake.wait(self.check_s)

    # --- one pass ----------------------------------------------------------------------------
    def step(self) -> bool:
        """Ingest the station metadata if it changed, then the next block of new lines;
        True when a block was taken (there may be more)."""
        self._metadata()
        try:
            block = self.tail.read()
        except OSError as exc:
            self._fail(f"{self.feed.path}: cannot read: {exc.strerror or exc}")
            return False
        if block is None:
            return False
        if block.restarted:
            log.info("feed %s: %s was replaced or cut: read again", self.feed.name, self.feed.path)
        if not block.lines:
            self.tail.advance(block)
            return False
        return self._ingest(block)

    def _ingest(self, block: Block) -> bool:
        copy = Path(self._tmp.name) / self.feed.path.name
        copy.write_bytes(block.header + block.body)
        stored: list[StoredValues] = []
        layout = None if self.feed.layout == "auto" else self.feed.layout
        try:
            with self._station_lock:
                report = ingest_file(
                    copy,
                    self.cubes_dir,
                    layout=layout,
                    now=self.utcnow(),
                    source=self.feed.path,
                    line_offset=block.lines_before - 1,
                    on_stored=stored.append,
                )
                places = station_places(self.cubes_dir) if stored else {}
        except (IngestError, ValueError, OSError) as exc:
            self._fail(str(exc))
            return False
        finally:
            copy.unlink(missing_ok=True)
        self.tail.advance(block)
        self.error = None
        self._blocks += 1
        self._stored += report.accepted
        self._rejected += report.quarantined
        if report.quarantined:
            log.warning("feed %s: %s", self.feed.name, report.summary())
        self._announce(report.rows_read, report.quarantined, stored, places)
        return True

    def _metadata(self) -> None:
        """(Re-)register the feed's stations when its metadata file is new or changed."""
        meta = self.feed.metadata
        if meta is None:
            return
        try:
            st = meta.stat()
        except OSError:
            return  # not there yet: rows of unknown stations are quarantined as such
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen == self._meta_seen:
            return
        try:
            with self._station_lock:
                ingest_file(meta, self.cubes_dir, now=self.utcnow())
        except (IngestError, ValueError, OSError) as exc:
            self._fail(str(exc))
            return
        self._meta_seen = seen

    def _fail(self, message: str) -> None:
        if message != self.error:
            log.warning("feed %s: kept back: %s", self.feed.name, message)
        self.error = message

    def _announce(
        self,
        rows: int,
        rejected: int,
        stored: list[StoredValues],
        places: dict[str, tuple[str, float, float]],
    ) -> None:
        """StationReadingsStored for the block, then one StationReading per station-period."""
        periods: dict[tuple[int, str], dict[str, float]] = {}
        for part in stored:
            for i in range(len(part)):
                values = periods.setdefault((int(part.time_ms[i]), str(part.station_id[i])), {})
                for pollutant, v in zip(part.pollutants, part.value[i], strict=True):
                    if np.isfinite(v):
                        values.setdefault(pollutant, float(v))
        if self.on_stored is not None:
            for part in stored:
                self.on_stored(part)
        last = max((t for t, _ in periods), default=None)
        self.publish(
            StationReadingsStored(
                time_utc=self.utcnow(),
                feed=self.feed.name,
                rows=rows,
                rejected=rejected,
                stations=tuple(sorted({s for _, s in periods})),
                last_utc=None if last is None else utc_of_ms(last),
            )
        )
        for (time_ms, station), values in sorted(periods.items()):
            name, lat, lon = places.get(station, (station, float("nan"), float("nan")))
            self.publish(
                StationReading(
                    time_utc=utc_of_ms(time_ms),
                    station_id=station,
                    name=name,
                    latitude_deg=lat,
                    longitude_deg=lon,
                    values=tuple(values.items()),
                    period_end_utc=utc_of_ms(time_ms),
                )
            )


def station_places(cubes_dir: Path) -> dict[str, tuple[str, float, float]]:
    """Name, latitude and longitude (deg) of each registered station."""
    store = cube_station.open_store(cubes_dir / STATIONS)
    n = store.sizes["station"]
    arrays = store.arrays()
    lat, lon = arrays["latitude"][:n], arrays["longitude"][:n]
    table = store.attrs["stations"]
    return {s["id"]: (s["name"], float(lat[i]), float(lon[i])) for i, s in enumerate(table)}
