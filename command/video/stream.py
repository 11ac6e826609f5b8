"""One drone's incoming stream at the relay: its socket, the checks on each datagram, its state
(waiting → live ⇄ stalled / no_keyframe), its figures, and the sinks it feeds."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from datetime import datetime

from command.events.types import Event, VideoStats, VideoStreamState
from command.video.config import VideoConfig, VideoStreamConfig
from command.video.live import LiveFeed
from command.video.recorder import RecordingSink
from command.video.rtp import (
    AccessUnit,
    Depacketizer,
    RtpError,
    nal_types,
    parse_rtp,
    starts_keyframe,
)
from command.video.sinks import LOG_EVERY_S, DatagramSink, FrameQueue, ThreadedSink

log = logging.getLogger("command.video")

MAX_SEQUENCE_JUMP = 3000
"""A sequence number further ahead than this is a restarted sender, not lost packets."""
RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


class IncomingStream:
    """Receives one vehicle's RTP datagrams and hands them on; driven by the relay's thread."""

    def __init__(
        self,
        config: VideoStreamConfig,
        relay_config: VideoConfig,
        publish: Callable[[Event], None],
        clock: Callable[[], float],
        utc: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.vehicle = config.vehicle
        self._limits = relay_config
        self._publish, self._clock, self._utc = publish, clock, utc
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self.sock.bind((config.host, config.port))
        self.sock.setblocking(False)
        self.datagram_sinks: tuple[DatagramSink, ...] = ()
        self.frame_sinks: tuple[ThreadedSink, ...] = ()
        self.live: tuple[LiveFeed, ...] = ()
        self.recording: RecordingSink | None = None
        self.lock = threading.Lock()
        self.depacketizer = Depacketizer()
        self.state = "waiting"
        self.reason = "no packet yet"
        self.packets = self.bytes = self.frames = self.keyframes = 0
        self.lost = self.malformed = 0
        self.ssrc: int | None = None
        self._next_seq: int | None = None
        self._last_ts: int | None = None
        self.last_packet_s: float | None = None
        self.last_packet_utc: datetime | None = None
        self.live_since_s: float | None = None
        self.last_keyframe_s: float | None = None
        self.keyframe_interval_s: float | None = None
        self.last_keyframe: AccessUnit | None = None
        self._window = (clock(), 0, 0)
        self.bitrate_bps = 0.0
        self.fps = 0.0
        self._logged: dict[str, float] = {}

    # --- packets -----------------------------------------------------------------------------
    def receive(self, data: bytes, source: tuple[str, int], now: float) -> None:
        """One datagram from the camera (or from anyone: it is checked first)."""
        try:
            pkt = parse_rtp(data)
        except RtpError as exc:
            self._reject(f"{len(data)} bytes from {source[0]}:{source[1]} dropped: {exc}")
            return
        if pkt.payload_type != self.config.payload_type:
            self._reject(
                f"payload type {pkt.payload_type} from {source[0]}:{source[1]} dropped "
                f"(the stream is type {self.config.payload_type})"
            )
            return
        types = nal_types(memoryview(data)[pkt.payload_offset :])
        frame_start = pkt.timestamp != self._last_ts
        key_start = frame_start and starts_keyframe(types)
        if pkt.ssrc != self.ssrc:
            if self.ssrc is not None and not key_start and self.state != "stalled":
                self._reject(
                    f"packet of another source (SSRC {pkt.ssrc:08x}) from "
                    f"{source[0]}:{source[1]} dropped while SSRC {self.ssrc:08x} is live"
                )
                return
            if self.ssrc is not None:
                self._note("ssrc", f"new sender on the port (SSRC {pkt.ssrc:08x})", logging.INFO)
            self.ssrc = pkt.ssrc
            self._next_seq = None
            self.depacketizer = Depacketizer()
        if self._next_seq is not None and pkt.sequence != self._next_seq:
            gap = (pkt.sequence - self._next_seq) & 0xFFFF
            if gap < MAX_SEQUENCE_JUMP:
                self.lost += gap
        self._next_seq = (pkt.sequence + 1) & 0xFFFF
        self._last_ts = pkt.timestamp
        self.packets += 1
        self.bytes += len(data)
        self.last_packet_s = now
        if self.state in ("waiting", "stalled"):
            resumed = self.state == "stalled"
            self.live_since_s = now
            self._set_state("live", "resumed" if resumed else "first packet", logging.INFO)
        for sink in self.datagram_sinks:
            sink.forward(data, frame_start, key_start)
        unit = self.depacketizer.push(pkt, data, now)
        if unit is not None:
            self._frame(unit, now)

    def _frame(self, unit: AccessUnit, now: float) -> None:
        self.frames += 1
        if unit.keyframe:
            self.keyframes += 1
            if self.last_keyframe_s is not None:
                self.keyframe_interval_s = now - self.last_keyframe_s
            self.last_keyframe_s = now
            self.last_keyframe = unit
            if self.state == "no_keyframe":
                self._set_state("live", "keyframe received", logging.INFO)
        for sink in self.frame_sinks:
            sink.offer(unit)
        for feed in self.live:
            feed.offer(unit)
        recording = self.recording
        if recording is not None:
            recording.offer(unit)

    def _reject(self, reason: str) -> None:
        self.malformed += 1
        self._note("reject", f"port {self.config.port}: {reason}")

    def _note(self, what: str, text: str, level: int = logging.WARNING) -> None:
        now = self._clock()
        if now - self._logged.get(what, -1e9) >= LOG_EVERY_S:
            self._logged[what] = now
            log.log(level, "video %s: %s", self.vehicle, text)

    def _set_state(self, state: str, reason: str, level: int = logging.WARNING) -> None:
        self.state, self.reason = state, reason
        log.log(level, "video %s: %s (%s)", self.vehicle, state, reason)
        self._publish(
            VideoStreamState(time_utc=self._utc(), vehicle=self.vehicle, state=state, reason=reason)
        )

    # --- time ---------------------------------------------------------------------------------
    def check(self, now: float) -> None:
        """Stall and missing-keyframe detection (called a few times a second)."""
        if self.state in ("live", "no_keyframe") and self.last_packet_s is not None:
            quiet = now - self.last_packet_s
            if quiet >= self._limits.stall_after_s:
                self._set_state("stalled", f"no packet for {quiet:.1f} s")
                return
        if self.state == "live":
            since = self.last_keyframe_s if self.last_keyframe_s is not None else self.live_since_s
            if since is not None and now - since >= self._limits.keyframe_missing_s:
                what = "since the last" if self.last_keyframe_s is not None else "since the stream"
                self._set_state(
                    "no_keyframe",
                    f"no keyframe for {now - since:.1f} s {what} "
                    f"{'keyframe' if self.last_keyframe_s is not None else 'began'}; "
                    "sinks that need one wait",
                )

    def measure(self, now: float) -> None:
        """Close a statistics interval: bit rate and frame rate over it, for each sink too."""
        t0, b0, f0 = self._window
        if now > t0:
            self.bitrate_bps = (self.bytes - b0) * 8.0 / (now - t0)
            self.fps = (self.frames - f0) / (now - t0)
            self._window = (now, self.bytes, self.frames)
        for sink in self._sinks():
            sink.counters.measure(now)

    def _sinks(self) -> list[DatagramSink | FrameQueue]:
        with self.lock:
            out: list[DatagramSink | FrameQueue] = [
                *self.datagram_sinks,
                *self.frame_sinks,
                *self.live,
            ]
            if self.recording is not None:
                out.append(self.recording)
        return out

    def stats(self, now: float) -> VideoStats:
        """Totals now, rates of the last interval, every sink's figures."""
        utc = self._utc()
        sinks = [sink.stats(utc) for sink in self._sinks()]
        last_utc = None
        if self.last_packet_s is not None:
            last_utc = datetime.fromtimestamp(
                utc.timestamp() - (now - self.last_packet_s), utc.tzinfo
            )
        return VideoStats(
            time_utc=utc,
            vehicle=self.vehicle,
            state=self.state,
            bitrate_bps=self.bitrate_bps,
            fps=self.fps,
            keyframe_interval_s=self.keyframe_interval_s,
            packets=self.packets,
            bytes=self.bytes,
            frames=self.frames,
            keyframes=self.keyframes,
            lost=self.lost,
            malformed=self.malformed,
            last_packet_utc=last_utc,
            sinks=tuple(sinks),
        )

    def close(self) -> None:
        """Close the socket and the datagram sinks."""
        self.sock.close()
        for sink in self.datagram_sinks:
            sink.close()
