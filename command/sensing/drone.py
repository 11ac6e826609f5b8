"""Live drone samples: payload readings from the link threads into the trajectory cube.

`offer()` runs on a link thread and only queues (bounded, never waits; a full queue drops the
new reading and counts it). `step(now)` runs on the sensing thread: it assembles each
vehicle's readings into samples with the pairing rule the telemetry-log path uses, tags each
with its vehicle and the sortie flying when its first reading came, checks the values
(quarantining the rest with the reason), appends full or due batches in one commit and
then publishes SampleBatchStored and a DroneReading per sample.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from command.events import DroneReading, Event, SampleBatchStored
from command.link.snapshot import PayloadSample
from command.link.tlog import PAYLOAD_NAMES
from command.sensing.config import SensingConfig
from sensors.cubes import QUARANTINE, TRAJECTORIES
from sensors.cubes import trajectory as cube_trajectory
from sensors.cubes.trajectory import DroneSample
from sensors.ingest.drone import checked
from sensors.ingest.pairing import Reading, SampleAssembler
from sensors.ingest.quarantine import QuarantineFile
from sensors.reasons import Rejected

log = logging.getLogger("command.sensing")

NO_SORTIE = "none"
"""trajectory_id of the samples a vehicle takes outside any sortie (one trajectory per vehicle)."""

VALUES_PER_SAMPLE = 7
"""Payload readings a sample is made of (the seven pollutants)."""

SortieOf = Callable[[str, datetime], int | None]
"""The sortie a vehicle was flying at a UTC time (the centre's clock), or None."""
Publish = Callable[[Event], None]
Stored = Callable[[list[DroneSample]], None]


@dataclass
class _Vehicle:
    """One vehicle's assembly: its pairing state, reading count and quarantine file."""

    assembler: SampleAssembler
    quarantine: QuarantineFile
    readings: int = 0
    last_arrival_s: float = 0.0
    rejected: list[Rejected] = field(default_factory=list)
    rejected_by_sortie: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class DroneStats:
    """How the drone path keeps up: readings offered and dropped, samples and values stored."""

    offered: int
    dropped: int
    queued: int
    samples_stored: int
    values_stored: int
    values_rejected: int
    batches: int
    write_errors: int


class DroneSampleStream:
    """Queue → samples → checked batches → trajectory cube, with events after each commit."""

    def __init__(
        self,
        cubes_dir: Path,
        publish: Publish,
        sortie_of: SortieOf | None,
        config: SensingConfig,
        utcnow: Callable[[], datetime],
        cube_lock: threading.Lock,
        on_stored: Stored | None = None,
    ) -> None:
        self.cubes_dir = Path(cubes_dir)
        self.publish = publish
        self.sortie_of = sortie_of
        self.config = config
        self.utcnow = utcnow
        self.on_stored = on_stored
        self.wake = threading.Event()
        self.idle = False
        """True while the sensing thread waits with nothing due: the next offer wakes it (else
        readings wait for its next due time, or for a batch's worth of them)."""
        self._wake_at = VALUES_PER_SAMPLE * config.batch_samples
        self._queue: deque[PayloadSample] = deque()
        self._limit = config.queue_readings
        self._drop_lock = threading.Lock()
        self._dropped = 0
        self._vehicles: dict[str, _Vehicle] = {}
        self._pending: list[DroneSample] = []
        self._pending_since: float | None = None
        self._cube_lock = cube_lock
        self._offered = self._stored = self._values = self._rejected = 0
        self._batches = self._write_errors = 0
        self._last_drop_log = -1e9

    # --- link threads ------------------------------------------------------------------------
    def offer(self, sample: PayloadSample) -> None:
        """Queue one payload reading; never waits (a full queue drops it, counted)."""
        queue = self._queue
        if len(queue) >= self._limit:
            with self._drop_lock:
                self._dropped += 1
            return
        queue.append(sample)
        if self.idle or len(queue) >= self._wake_at:
            self.wake.set()

    # --- the sensing thread ------------------------------------------------------------------
    def step(self, now: float, close: bool = False) -> int:
        """Assemble what is queued, close idle samples, append a full or due batch (all, when
        close); now is the link clock (s). Returns the samples appended."""
        self._assemble(now)
        for v in self._vehicles.values():
            a = v.assembler
            if a.group_boot is not None and (
                close or now - v.last_arrival_s >= self.config.sample_idle_s
            ):
                self._take(v, a.group_sortie, a.flush(), now)
        due = self._pending_since is not None and (
            close
            or len(self._pending) >= self.config.batch_samples
            or now - self._pending_since >= self.config.batch_s
        )
        return self._write(now) if due else 0

    def wait_s(self, now: float) -> float | None:
        """How long the sensing thread may sleep before step() has work (None: until woken)."""
        waits = []
        if self._pending_since is not None:
            waits.append(self._pending_since + self.config.batch_s - now)
        idle = self.config.sample_idle_s
        for v in self._vehicles.values():
            if v.assembler.group_boot is not None:
                waits.append(v.last_arrival_s + idle - now)
        return max(0.0, min(waits)) if waits else None

    def sleep(self, now: float) -> None:
        """Wait (sensing thread) until something is due or an offer wakes it."""
        wait = self.wait_s(now)
        if wait is None:
            self.idle = True
            if not self._queue:  # an offer after this look sees idle and wakes us
                self.wake.wait()
            self.idle = False
        elif wait > 0:
            self.wake.wait(wait)
        self.wake.clear()

    def stats(self) -> DroneStats:
        """Counters for the console and the benchmark."""
        return DroneStats(
            self._offered + len(self._queue),
            self._dropped,
            len(self._queue),
            self._stored,
            self._values,
            self._rejected,
            self._batches,
            self._write_errors,
        )

    def _assemble(self, now: float) -> None:
        queue = self._queue
        arrived_utc = self.utcnow() - timedelta(seconds=now)  # + a reading's link time_s
        if self._dropped and now - self._last_drop_log > 10.0:
            self._last_drop_log = now
            log.warning("payload readings dropped (queue full): %d so far", self._dropped)
        while queue:
            ps = queue.popleft()
            self._offered += 1
            v = self._vehicles.get(ps.vehicle)
            if v is None:
                v = self._vehicles[ps.vehicle] = self._new_vehicle(ps.vehicle)
            v.readings += 1
            v.last_arrival_s = ps.time_s
            pollutant = PAYLOAD_NAMES.get(ps.quantity, ps.quantity.lower())
            reading = Reading(
                v.readings,
                ps.time_boot_ms,
                pollutant,
                ps.value,
                _position(ps),
                ps.utc_offset_ms,
            )
            a = v.assembler
            closing = sortie = a.group_sortie
            if reading.boot_ms != a.group_boot:
                sortie = self._sortie(ps.vehicle, arrived_utc + timedelta(seconds=ps.time_s))
            self._take(v, closing, a.add(reading, sortie), ps.time_s)

    def _new_vehicle(self, vehicle: str) -> _Vehicle:
        directory = self.cubes_dir / QUARANTINE
        quarantine = QuarantineFile(Path(f"live-{vehicle}"), directory, self.utcnow())
        return _Vehicle(SampleAssembler(vehicle), quarantine)

    def _sortie(self, vehicle: str, arrived: datetime) -> str:
        if self.sortie_of is None:
            return NO_SORTIE
        try:
            sortie = self.sortie_of(vehicle, arrived)
        except Exception as exc:  # the dispatcher's lookup failed: the sample stays untagged
            log.warning("sortie of %s at %s unknown: %s", vehicle, arrived.isoformat(), exc)
            return NO_SORTIE
        return NO_SORTIE if sortie is None else str(sortie)

    def _take(
        self, v: _Vehicle, sortie: str, items: list[DroneSample | Rejected], closed_s: float
    ) -> None:
        """Keep the checked samples of a sample group closed at closed_s (link clock), tagged
        sortie, for the batch, and its refused readings or values for the quarantine."""
        if items and self._pending_since is None:
            self._pending_since = closed_s
        for item in items:
            if isinstance(item, DroneSample):
                sample, bad = checked(item)
                if sample is not None:
                    self._pending.append(sample)
            else:
                bad = [item]
            v.rejected += bad
            v.rejected_by_sortie[sortie] += len(bad)

    def _write(self, now: float) -> int:
        """Append the pending samples in one commit, quarantine the refused, then publish."""
        samples = self._pending
        try:
            if samples:
                with self._cube_lock:
                    path = self.cubes_dir / TRAJECTORIES
                    store = cube_trajectory.open_store(path, create_missing=True)
                    cube_trajectory.append(store, samples)
        except Exception as exc:  # disk full, a damaged cube: keep the samples, try again later
            self._write_errors += 1
            self._pending_since = now
            log.error("drone samples not stored yet (%d waiting): %s", len(samples), exc)
            if len(samples) > self._limit:
                with self._drop_lock:
                    self._dropped += len(samples) - self._limit
                del samples[: len(samples) - self._limit]
            return 0
        self._pending, self._pending_since = [], None
        rejected = self._quarantine()
        self._stored += len(samples)
        self._values += sum(len(s.values) for s in samples)
        if samples:
            self._batches += 1
            self._announce(samples, rejected)
            if self.on_stored is not None:
                self.on_stored(samples)
        return len(samples)

    def _quarantine(self) -> Counter[tuple[str, str]]:
        """Write each vehicle's refused readings; returns their counts by (vehicle, sortie)."""
        counts: Counter[tuple[str, str]] = Counter()
        for name, v in self._vehicles.items():
            if not v.rejected:
                continue
            try:
                v.quarantine.write(v.rejected)
            except OSError as exc:
                log.error("%s: quarantine not written: %s", name, exc)
            self._rejected += len(v.rejected)
            for sortie, n in v.rejected_by_sortie.items():
                counts[name, sortie] += n
            v.rejected, v.rejected_by_sortie = [], Counter()
        return counts

    def _announce(self, samples: list[DroneSample], rejected: Counter[tuple[str, str]]) -> None:
        """SampleBatchStored per vehicle and sortie of the batch, then a DroneReading each."""
        groups: dict[tuple[str, str], list[DroneSample]] = {}
        for s in samples:
            groups.setdefault((s.vehicle_id, s.sortie_id), []).append(s)
        stored_at = self.utcnow()
        for (vehicle, sortie), group in groups.items():
            times = [s.time_ms for s in group]
            self.publish(
                SampleBatchStored(
                    time_utc=stored_at,
                    vehicle=vehicle,
                    sortie_id=_sortie_id(sortie),
                    samples=len(group),
                    rejected=rejected.get((vehicle, sortie), 0),
                    first_utc=utc_of_ms(min(times)),
                    last_utc=utc_of_ms(max(times)),
                )
            )
        for s in samples:
            self.publish(
                DroneReading(
                    time_utc=utc_of_ms(s.time_ms),
                    vehicle=s.vehicle_id,
                    sortie_id=_sortie_id(s.sortie_id),
                    latitude_deg=s.lat,
                    longitude_deg=s.lon,
                    altitude_m=s.altitude_m,
                    values=tuple(s.values.items()),
                )
            )


def _position(ps: PayloadSample) -> tuple[int, float, float, float] | None:
    """The reading's position as the pairing rule takes it, None without a fix."""
    if ps.position_boot_ms is None or ps.latitude_deg is None or ps.longitude_deg is None:
        return None
    alt = ps.altitude_relative_m if ps.altitude_relative_m is not None else float("nan")
    return (ps.position_boot_ms, ps.latitude_deg, ps.longitude_deg, alt)


def _sortie_id(trajectory_id: str) -> int | None:
    """The sortie's number as events carry it (None outside a sortie)."""
    return int(trajectory_id) if trajectory_id.isdigit() else None


def utc_of_ms(time_ms: int) -> datetime:
    """A time in ms since 1970 (UTC) as an aware datetime."""
    return datetime.fromtimestamp(time_ms / 1000.0, UTC)
