"""Where a stream goes: each sink has its own bounded queue, so a slow or dead one never holds
the others back. A sink that falls behind drops what is waiting and resumes at the next keyframe
(a decoder can start there); every drop is counted and the reason kept.

`DatagramSink` forwards the camera's RTP datagrams unchanged (non-blocking sends; the socket
buffer is its queue). `FrameQueue` holds whole frames for a consumer that pulls (a live-view
client); `ThreadedSink` adds a writer thread for sinks whose output may block (remux, recording).
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from command.events.types import VideoSinkStats
from command.video.rtp import AccessUnit

log = logging.getLogger("command.video")

LOG_EVERY_S = 10.0
"""Repeated warnings of one sink are logged at most this often."""


def utc_now() -> datetime:
    """The wall clock, UTC."""
    return datetime.now(UTC)


class SinkCounters:
    """What a sink sent and dropped, its state and why; bit rate over the last stats interval."""

    def __init__(self, name: str, kind: str, clock: Callable[[], float]) -> None:
        self.name, self.kind = name, kind
        self.clock = clock
        self.state = "waiting_keyframe"
        self.reason = ""
        self.sent = 0
        self.sent_bytes = 0
        self.dropped = 0
        self._sent_at = 0.0
        self._window = (clock(), 0)
        self.bitrate_bps = 0.0
        self._logged: dict[str, float] = {}

    def count_sent(self, size: int) -> None:
        """One item out, size bytes."""
        self.sent += 1
        self.sent_bytes += size
        self._sent_at = self.clock()

    def set_state(self, state: str, reason: str = "", level: int = logging.WARNING) -> None:
        """Change state; the reason is logged when it is news (rate-limited per state)."""
        changed = state != self.state or reason != self.reason
        self.state, self.reason = state, reason
        if changed and reason:
            now = self.clock()
            if now - self._logged.get(state, -1e9) >= LOG_EVERY_S:
                self._logged[state] = now
                log.log(level, "video sink %s: %s", self.name, reason)

    def measure(self, now: float) -> None:
        """Close a statistics interval: the bit rate over it (monotonic s)."""
        t0, b0 = self._window
        if now > t0:
            self.bitrate_bps = (self.sent_bytes - b0) * 8.0 / (now - t0)
            self._window = (now, self.sent_bytes)

    def stats(self, waiting: int, now_utc: datetime) -> VideoSinkStats:
        """Totals now, the bit rate of the last interval."""
        now = self.clock()
        last = None
        if self.sent:
            last = datetime.fromtimestamp(now_utc.timestamp() - (now - self._sent_at), UTC).replace(
                microsecond=0
            )
        return VideoSinkStats(
            sink=self.name,
            kind=self.kind,
            state=self.state,
            sent=self.sent,
            sent_bytes=self.sent_bytes,
            bitrate_bps=self.bitrate_bps,
            dropped=self.dropped,
            waiting=waiting,
            reason=self.reason,
            last_sent_utc=last,
        )


class DatagramSink:
    """Forwards RTP datagrams byte for byte to one UDP address, from the relay's own thread."""

    kind = "rtp_udp"

    def __init__(self, name: str, host: str, port: int, clock: Callable[[], float]) -> None:
        self.name = name
        self.address = (host, port)
        self.counters = SinkCounters(name, self.kind, clock)
        self._waiting_keyframe = True
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        try:
            self.sock.connect(self.address)  # ICMP "port unreachable" then shows as ECONNREFUSED
        except OSError as exc:
            self.counters.set_state("failed", f"cannot reach {host}:{port}: {exc.strerror}")

    def forward(self, datagram: bytes, frame_start: bool, keyframe_start: bool) -> None:
        """Send one datagram; after a loss, nothing until the next keyframe begins."""
        c = self.counters
        if self._waiting_keyframe:
            if not keyframe_start:
                c.dropped += 1
                return
            self._waiting_keyframe = False
        try:
            self.sock.send(datagram)
        except BlockingIOError:
            c.dropped += 1
            self._waiting_keyframe = True
            c.set_state("waiting_keyframe", "socket buffer full: dropping to the next keyframe")
            return
        except OSError as exc:
            c.dropped += 1
            if exc.errno == errno.ECONNREFUSED:
                c.set_state("refused", f"{self._where()} refused the datagrams (nothing listens)")
            else:
                c.set_state("failed", f"sending to {self._where()} failed: {exc.strerror}")
            self._waiting_keyframe = frame_start and not keyframe_start
            return
        c.count_sent(len(datagram))
        if c.state != "ok":
            c.set_state("ok", "", logging.INFO)

    def _where(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    def stats(self, now_utc: datetime) -> VideoSinkStats:
        """This sink's figures."""
        return self.counters.stats(0, now_utc)

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()
        self.counters.set_state("closed")


class FrameQueue:
    """A bounded queue of whole frames with the keyframe rule: it starts at a keyframe, and when
    full it drops everything waiting and starts again at the next keyframe."""

    def __init__(
        self, name: str, kind: str, maxlen: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if maxlen < 2:
            raise ValueError(f"sink {name!r}: a queue needs room for at least 2 frames")
        self.name, self.kind = name, kind
        self.maxlen = maxlen
        self.counters = SinkCounters(name, kind, clock)
        self._queue: deque[AccessUnit] = deque()
        self._ready = threading.Condition()
        self._waiting_keyframe = True
        self.closed = False

    def offer(self, unit: AccessUnit) -> None:
        """Queue a frame without waiting (called from the relay's thread)."""
        c = self.counters
        with self._ready:
            if self.closed:
                return
            if self._waiting_keyframe:
                if not unit.keyframe:
                    c.dropped += 1
                    return
                self._waiting_keyframe = False
            if len(self._queue) >= self.maxlen:
                c.dropped += len(self._queue)
                self._queue.clear()
                c.set_state(
                    "waiting_keyframe",
                    f"not keeping up: {self.maxlen} frames waiting were dropped; "
                    "going on from the next keyframe",
                )
                if not unit.keyframe:
                    c.dropped += 1
                    self._waiting_keyframe = True
                    return
            self._queue.append(unit)
            self._ready.notify()

    def get(self, timeout_s: float | None = None) -> AccessUnit | None:
        """The next frame; None on timeout or once closed and empty."""
        with self._ready:
            if not self._queue and not self.closed:
                self._ready.wait(timeout_s)
            if not self._queue:
                return None
            return self._queue.popleft()

    def __iter__(self) -> FrameQueue:
        return self

    def __next__(self) -> AccessUnit:
        while True:
            unit = self.get(1.0)
            if unit is not None:
                return unit
            if self.closed:
                raise StopIteration

    @property
    def waiting(self) -> int:
        """Frames queued now."""
        return len(self._queue)

    def restart_at_keyframe(self) -> None:
        """Drop what waits and take nothing until the next keyframe (after an output error)."""
        with self._ready:
            self.counters.dropped += len(self._queue)
            self._queue.clear()
            self._waiting_keyframe = True

    def stats(self, now_utc: datetime) -> VideoSinkStats:
        """This sink's figures."""
        return self.counters.stats(self.waiting, now_utc)

    def close(self) -> None:
        """Take no more frames; a consumer gets what is queued, then None."""
        with self._ready:
            self.closed = True
            self._ready.notify_all()


class ThreadedSink(FrameQueue):
    """A frame sink written by a thread of its own: `open_output(first)`, `write(unit)`,
    `close_output()`. An output error closes it; it reopens at a later keyframe after retry_s."""

    def __init__(
        self,
        name: str,
        kind: str,
        maxlen: int,
        retry_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name, kind, maxlen, clock)
        self.retry_s = retry_s
        self._clock = clock
        self._thread = threading.Thread(target=self._serve, name=f"video-{name}", daemon=True)
        self._open = False

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def open_output(self, first: AccessUnit) -> None:
        """Open the output with the first frame (a keyframe) in hand."""
        raise NotImplementedError

    def write(self, unit: AccessUnit) -> int:
        """Write one frame; returns bytes written."""
        raise NotImplementedError

    def close_output(self) -> None:
        """Finish and close the output."""
        raise NotImplementedError

    def _serve(self) -> None:
        retry_at = 0.0
        while True:
            unit = self.get(0.5)
            if unit is None:
                if self.closed:
                    break
                continue
            if not self._open:
                if self._clock() < retry_at or not unit.keyframe:
                    self.counters.dropped += 1
                    continue
                try:
                    self.open_output(unit)
                    self._open = True
                except Exception as exc:  # any FFmpeg or socket error: retry later
                    self.counters.dropped += 1
                    self._failed("connecting", f"cannot open: {exc}")
                    retry_at = self._clock() + self.retry_s
                    continue
            try:
                size = self.write(unit)
            except Exception as exc:
                self._failed("failed", f"output failed: {exc}")
                self._safe_close()
                retry_at = self._clock() + self.retry_s
                continue
            self.counters.count_sent(size)
            if self.counters.state != "ok":
                self.counters.set_state("ok", "", logging.INFO)
        self._safe_close()
        self.counters.set_state("closed")

    def _failed(self, state: str, reason: str) -> None:
        self.counters.set_state(state, f"{reason}; retrying in {self.retry_s:g} s")
        self.restart_at_keyframe()

    def _safe_close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self.close_output()
        except Exception as exc:
            log.warning("video sink %s: closing failed: %s", self.name, exc)

    def join(self, timeout_s: float = 10.0) -> None:
        """Close and wait for the writer to finish what is queued."""
        self.close()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
