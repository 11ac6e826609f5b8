"""One vehicle's link: a thread that reads the transport, updates the telemetry, sends our GCS
heartbeat, drives the exchanges callers queue, and reconnects with backoff.

Everything that talks to the vehicle runs on this thread. If it hangs, our heartbeats stop and
the vehicle's GCS failsafe can act — which is the point of sending them from here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, Protocol

from command.events.types import Event
from command.link import codec
from command.link.address import Endpoint
from command.link.commands import CallOnLink, CommandExchange
from command.link.errors import LinkClosed, LinkDown, TransportUnavailable
from command.link.exchange import Exchange, LinkIO
from command.link.link_events import TELEMETRY_PERIOD_S, LinkEvents
from command.link.signing import SigningKey
from command.link.snapshot import LinkState, TrackPoint, VehicleSnapshot
from command.link.telemetry import SampleSink, Telemetry
from command.link.transport import Transport, transport_for

log = logging.getLogger(__name__)
HEARTBEAT_PERIOD_S = 1.0
STREAM_RATE_HZ = 4
TURN_S = 0.05
"""Longest the loop waits for bytes before servicing timers and requests."""


class EventSink(Protocol):
    """Where the link hands its events (an EventBus): `publish` must never block."""

    def publish(self, event: Event) -> None: ...


class VehicleLink:
    """The link to one vehicle. Thread-safe API: snapshot, track(), submit(), wait_for()."""

    def __init__(
        self,
        name: str,
        endpoint: Endpoint,
        signing_key: SigningKey | None = None,
        on_sample: SampleSink | None = None,
        clock: Callable[[], float] = time.monotonic,
        backoff_s: tuple[float, float] = (0.2, 5.0),
        transport: Transport | None = None,
        heartbeat_period_s: float = HEARTBEAT_PERIOD_S,
        bus: EventSink | None = None,
        telemetry_period_s: float = TELEMETRY_PERIOD_S,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`bus`: where the link publishes its events (TelemetryUpdated at most every
        `telemetry_period_s`, link lost/back, mode changes, failsafes, texts, items reached)."""
        self.name = name
        self.endpoint = endpoint
        self.clock = clock
        self.backoff_s = backoff_s
        self.heartbeat_period_s = heartbeat_period_s
        self.transport = transport or transport_for(endpoint)
        self._signing = signing_key is not None
        self._writer = codec._Writer()
        self.mav = codec.new_codec(signing_key, writer=self._writer)
        self.telemetry = Telemetry(name, on_sample=on_sample, utcnow=utcnow)
        self.bus = bus
        self.events = LinkEvents(name, utcnow, telemetry_period_s)
        self.io = LinkIO(self.mav, self.telemetry)
        self._jobs: queue.SimpleQueue[Exchange] = queue.SimpleQueue()
        self._pending: deque[Exchange] = deque()
        self._submit_lock = threading.Lock()
        self._active: Exchange | None = None
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._track_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"link-{name}", daemon=True)
        self.connected = False
        self.connects = 0
        self.last_error: str = ""
        self._backoff = backoff_s[0]
        self._reconnect_at = 0.0
        self._next_heartbeat = 0.0
        self._streams_at: float | None = None
        self._position_at: float | None = None
        self._home_asked_at = -1e9
        self._notified: VehicleSnapshot | None = None

    def __repr__(self) -> str:
        signed = ", signed" if self._signing else ""
        return f"VehicleLink({self.name!r}, {self.endpoint}{signed})"

    # --- API for other threads ---------------------------------------------------------------
    def start(self) -> None:
        """Start the link thread."""
        self._thread.start()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the thread, close the transport, fail what is still queued with LinkClosed."""
        with self._submit_lock:
            self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)
        self.transport.close()
        for job in self._drain_jobs():
            job.fail(LinkClosed(f"{self.name}: link closed"))

    @property
    def snapshot(self) -> VehicleSnapshot:
        """The latest snapshot (an immutable value; replaced, never changed)."""
        return self.telemetry.snapshot

    def track(self) -> tuple[TrackPoint, ...]:
        """Recent positions, oldest first."""
        with self._track_lock:
            return tuple(self.telemetry.track)

    def submit(self, exchange: Exchange) -> Future[Any]:
        """Queue an exchange for the link thread; exchanges run one at a time, in order."""
        with self._submit_lock:
            if self._stop.is_set():
                exchange.fail(LinkClosed(f"{self.name}: link closed"))
            else:
                self._jobs.put(exchange)
        return exchange.future

    def call_on_link(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run fn on the link thread between two loop turns (blocking it blocks the link)."""
        return self.submit(CallOnLink(fn))

    def wait_for(
        self, predicate: Callable[[VehicleSnapshot], bool], timeout_s: float
    ) -> VehicleSnapshot | None:
        """Block until a snapshot satisfies predicate (returns it) or timeout (returns None)."""
        with self._changed:
            ok = self._changed.wait_for(lambda: predicate(self.telemetry.snapshot), timeout_s)
        return self.telemetry.snapshot if ok else None

    # --- the loop ----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._turn()
            except Exception as exc:  # a bad frame or a dying device must not end the link
                log.exception("%s: link loop error", self.name)
                if self._active is not None and not self._active.done:
                    self._active.fail(LinkClosed(f"{self.name}: link error: {exc}"))
                self._disconnect(self.clock(), f"link loop error: {exc}")
        self.transport.close()
        with self._submit_lock:  # nothing queued or running is left waiting after the loop ends
            leftovers = [*self._drain_jobs(), *self._pending]
            self._pending.clear()
            if self._active is not None:
                leftovers.append(self._active)
                self._active = None
        for job in leftovers:
            if not job.done:
                job.fail(LinkClosed(f"{self.name}: link closed"))

    def _turn(self) -> None:
        now = self.clock()
        if not self.connected:
            self._try_connect(now)
        if self.connected:
            self._read(min(TURN_S, max(0.0, self._next_heartbeat - now)))
        else:
            self._stop.wait(min(TURN_S, max(0.0, self._reconnect_at - now)))
        now = self.clock()
        self._service(now)
        self._housekeeping(now)
        self._publish(now)

    def _try_connect(self, now: float) -> None:
        if now < self._reconnect_at:
            return
        try:
            self.transport.open()
        except (OSError, TransportUnavailable) as exc:
            self.last_error = str(exc)
            self._reconnect_at = now + self._backoff
            self._backoff = min(self._backoff * 2, self.backoff_s[1])
            return
        self.connected = True
        self.connects += 1
        self.telemetry.transport_up = True
        self._writer.target = self.transport
        self._backoff = self.backoff_s[0]
        self._next_heartbeat = now
        self._streams_at = None
        log.info("%s: connected to %s", self.name, self.endpoint)

    def _disconnect(self, now: float, why: str) -> None:
        log.info("%s: link dropped (%s)", self.name, why)
        self.last_error = why
        self.transport.close()
        self._writer.target = None
        self.connected = False
        self.telemetry.transport_up = False
        self._reconnect_at = now + self._backoff
        self._backoff = min(self._backoff * 2, self.backoff_s[1])

    def _read(self, timeout_s: float) -> None:
        try:
            data = self.transport.recv(timeout_s)
        except (ConnectionError, OSError) as exc:
            self._disconnect(self.clock(), str(exc) or type(exc).__name__)
            return
        if not data:
            return
        now = self.clock()
        with self._track_lock:
            msgs = codec.ingest(self.mav, self.telemetry, data, now)
        active = self._active
        for msg in msgs:
            if msg._type == "GLOBAL_POSITION_INT":
                self._position_at = now
            if active is not None and not active.done:
                active.on_message(msg, self.io, now)

    def _service(self, now: float) -> None:
        for job in self._drain_jobs():
            self._pending.append(job)
        while True:
            if self._active is not None and not self._active.done:
                self._active.poll(self.io, now)
                if not self._active.done:
                    return
            self._active = None
            if not self._pending:
                return
            job = self._pending.popleft()
            if job.done:
                continue  # cancelled by its caller
            state = self.telemetry.link_state(now)
            if not isinstance(job, CallOnLink) and state is not LinkState.OK:
                job.fail(LinkDown(self.name, state.value))
                continue
            self._active = job
            if isinstance(job, CommandExchange) and job.spec.wanted_mode is not None:
                self.events.commanded(job.spec.wanted_mode, now)
            job.start(self.io, now)

    def _housekeeping(self, now: float) -> None:
        if not self.connected:
            return
        if now >= self._next_heartbeat:
            codec.send_heartbeat(self.mav)
            self._next_heartbeat = max(self._next_heartbeat + self.heartbeat_period_s, now)
        sysid = self.telemetry.system_id
        if sysid is None or self.telemetry.link_state(now) is not LinkState.OK:
            return
        stale = self._position_at is None or now - self._position_at > 3.0
        if self._streams_at is None or (stale and now - self._streams_at > 3.0):
            codec.request_streams(self.mav, sysid, STREAM_RATE_HZ)
            self._streams_at = now
        snap = self.telemetry.snapshot
        if (snap.home is None or snap.firmware_version is None) and now - self._home_asked_at > 3.0:
            if snap.home is None:
                codec.request_home(self.mav, sysid)
            if snap.firmware_version is None:
                codec.request_version(self.mav, sysid)
            self._home_asked_at = now

    def _publish(self, now: float) -> None:
        snap = self.telemetry.publish(now)
        reached, texts = self.telemetry.take_news()
        if self.bus is not None:
            for event in self.events.turn(snap, reached, texts, now):
                self.bus.publish(event)  # hands over only: subscribers run on their own threads
        if snap is not self._notified:
            self._notified = snap
            with self._changed:
                self._changed.notify_all()

    def _drain_jobs(self) -> list[Exchange]:
        out = []
        while True:
            try:
                out.append(self._jobs.get_nowait())
            except queue.Empty:
                return out
