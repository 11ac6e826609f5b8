"""The video relay: every drone's stream in, the same encoded video out to every configured sink,
the console's live view and the sortie recordings. One selector thread receives and forwards
datagrams (never blocking); sinks that may block write from threads of their own.

Typical use by the command centre:

    relay = VideoRelay(config.video, publish=bus.publish, recordings=RecordingStore(db))
    relay.start()
    bus.subscribe("video", relay.handle, kinds=VideoRelay.EVENT_KINDS)
    ...
    relay.close()
"""

from __future__ import annotations

import itertools
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from command.events.types import (
    DroneReading,
    Event,
    SortieCompleted,
    SortieFailed,
    SortieInterrupted,
    SortieStarted,
    TelemetryUpdated,
    VideoRecordingSaved,
    VideoStats,
)
from command.video.config import VideoConfig, VideoSinkConfig
from command.video.live import LiveFeed
from command.video.recorder import RecordingInfo, RecordingSink, TelemetrySample
from command.video.remux import RemuxSink
from command.video.sinks import DatagramSink, utc_now
from command.video.snapshot import SnapshotError, keyframe_jpeg
from command.video.stream import IncomingStream

if TYPE_CHECKING:
    from command.video.records import RecordingStore

log = logging.getLogger("command.video")

CHECK_EVERY_S = 0.2
"""How often stall and keyframe checks run (s)."""
BURST = 256
"""Datagrams read from one socket before the others get a turn."""


class VideoRelayError(RuntimeError):
    """The relay cannot start (a port in use) or was asked about an unknown vehicle."""


class VideoRelay:
    """All drones' video: receive, forward, record, serve the live view; `start()`/`close()`."""

    EVENT_KINDS = (
        TelemetryUpdated,
        DroneReading,
        SortieStarted,
        SortieCompleted,
        SortieFailed,
        SortieInterrupted,
    )
    """The events `handle()` acts on."""

    def __init__(
        self,
        config: VideoConfig,
        publish: Callable[[Event], None] | None = None,
        recordings: RecordingStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        utc: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self._publish = publish or (lambda event: None)
        self._store = recordings
        self._clock, self._utc = clock, utc
        self.streams: dict[str, IncomingStream] = {}
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._numbers = itertools.count(1)
        self._telemetry: dict[str, tuple[float, TelemetrySample]] = {}
        self._readings: dict[str, tuple[tuple[str, float], ...]] = {}

    # --- life -------------------------------------------------------------------------------
    def start(self) -> None:
        """Bind every stream's port, start the sinks and the receiving thread."""
        if self._thread is not None:
            raise VideoRelayError("the relay is already started")
        cfg = self.config
        try:
            for s in cfg.streams:
                try:
                    self.streams[s.vehicle] = IncomingStream(
                        s, cfg, self._publish, self._clock, self._utc
                    )
                except OSError as exc:
                    raise VideoRelayError(
                        f"video stream of {s.vehicle}: cannot listen on udp {s.host}:{s.port}: "
                        f"{exc.strerror}"
                    ) from None
            for sink in cfg.sinks:
                for position, vehicle in enumerate(cfg.sink_vehicles(sink)):
                    self._add_sink(self.streams[vehicle], sink, position)
        except Exception:
            self._close_streams()
            raise
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        for stream in self.streams.values():
            self._sel.register(stream.sock, selectors.EVENT_READ, stream)
            for frame_sink in stream.frame_sinks:
                frame_sink.start()
        self._thread = threading.Thread(target=self._run, name="video-relay", daemon=True)
        self._thread.start()

    def _add_sink(self, stream: IncomingStream, sink: VideoSinkConfig, position: int) -> None:
        label = f"{sink.name}/{stream.vehicle}"
        if sink.kind == "rtp_udp":
            host, port = sink.address_for(position)
            stream.datagram_sinks = (
                *stream.datagram_sinks,
                DatagramSink(label, host, port, self._clock),
            )
        else:
            url = sink.url_for(stream.vehicle, position)
            remux = RemuxSink(
                label, sink.kind, url, sink.queue_frames, self.config.retry_s, self._clock
            )
            stream.frame_sinks = (*stream.frame_sinks, remux)

    def close(self) -> None:
        """Stop receiving, finish and store running recordings, close every sink and feed."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(10.0)
        for vehicle in list(self.streams):
            self.stop_recording(vehicle)
        self._close_streams()
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()

    def _close_streams(self) -> None:
        for stream in self.streams.values():
            for feed in stream.live:
                feed.close()
            for sink in stream.frame_sinks:
                sink.join()
            stream.close()

    # --- the receiving thread ----------------------------------------------------------------
    def _run(self) -> None:
        next_check = self._clock()
        next_stats = next_check + self.config.stats_every_s
        while not self._stop.is_set():
            for key, _ in self._sel.select(CHECK_EVERY_S):
                stream = key.data
                if stream is None:
                    self._wake_r.recv(64)
                    continue
                self._drain(stream)
            now = self._clock()
            if now >= next_check:
                next_check = now + CHECK_EVERY_S
                for stream in self.streams.values():
                    stream.check(now)
            if now >= next_stats:
                next_stats = now + self.config.stats_every_s
                for stream in self.streams.values():
                    stream.measure(now)
                    self._publish(stream.stats(now))

    def _drain(self, stream: IncomingStream) -> None:
        for _ in range(BURST):
            try:
                data, source = stream.sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. an ICMP error queued on the socket
                log.debug("video %s: receive error %s", stream.vehicle, exc)
                return
            try:
                stream.receive(data, source, self._clock())
            except Exception:  # one bad datagram must never stop the relay
                stream.malformed += 1
                log.exception(
                    "video %s: datagram of %d bytes not handled", stream.vehicle, len(data)
                )

    # --- what the centre and the console ask -----------------------------------------------
    def _stream(self, vehicle: str) -> IncomingStream:
        try:
            return self.streams[vehicle]
        except KeyError:
            raise VideoRelayError(f"no video stream for vehicle {vehicle!r}") from None

    def stats(self) -> tuple[VideoStats, ...]:
        """Each stream's figures: totals now, rates over the last stats interval (for the API)."""
        now = self._clock()
        return tuple(s.stats(now) for s in self.streams.values())

    def live_feed(self, vehicle: str) -> LiveFeed:
        """A new live-view client of vehicle's stream; iterate it for frames, close() it."""
        stream = self._stream(vehicle)
        feed = LiveFeed(
            vehicle,
            next(self._numbers),
            self.config.live_queue_frames,
            self._drop_feed,
            self._clock,
        )
        with stream.lock:
            stream.live = (*stream.live, feed)
        return feed

    def _drop_feed(self, feed: LiveFeed) -> None:
        stream = self.streams.get(feed.vehicle)
        if stream is not None:
            with stream.lock:
                stream.live = tuple(f for f in stream.live if f is not feed)

    def snapshot(self, vehicle: str) -> bytes:
        """JPEG of vehicle's latest keyframe; SnapshotError when none came yet."""
        unit = self._stream(vehicle).last_keyframe
        if unit is None:
            raise SnapshotError(f"no keyframe received from {vehicle} yet")
        return keyframe_jpeg(unit)

    # --- recordings --------------------------------------------------------------------------
    def recording_path(self, vehicle: str, sortie_id: int | None) -> Path:
        """Default file of a new recording: recordings_dir/VEHICLE/sortie-N-UTC.mp4."""
        stamp = self._utc().strftime("%Y%m%dT%H%M%SZ")
        sortie = "none" if sortie_id is None else f"{sortie_id:06d}"
        return self.config.recordings_dir / vehicle / f"sortie-{sortie}-{stamp}.mp4"

    def start_recording(
        self, vehicle: str, sortie_id: int | None, path: Path | None = None
    ) -> Path:
        """Record vehicle's stream from its next keyframe into path (MP4) and path.vtt."""
        stream = self._stream(vehicle)
        if stream.recording is not None:
            log.warning("video %s: a new recording ends the running one", vehicle)
            self.stop_recording(vehicle)
        target = Path(path) if path is not None else self.recording_path(vehicle, sortie_id)
        sink = RecordingSink(
            vehicle, sortie_id, target, self.config.retry_s, self._clock, self._utc
        )
        sink.start()
        with stream.lock:
            stream.recording = sink
        return target

    def stop_recording(self, vehicle: str, sortie_id: int | None = None) -> RecordingInfo | None:
        """Finish vehicle's recording (only if it is sortie_id's, when given) and list it
        (VideoRecordingSaved is published)."""
        stream = self._stream(vehicle)
        sink = stream.recording
        if sink is None or (sortie_id is not None and sink.sortie_id != sortie_id):
            return None
        with stream.lock:
            stream.recording = None
        sink.join()
        info = sink.info()
        if info.frames == 0:
            log.warning("video %s: the recording got no frame; nothing kept", vehicle)
            for p in (info.path, info.telemetry_path):
                p.unlink(missing_ok=True)
            return info
        if self._store is not None:
            recording_id = self._store.add(info)
            self._publish(
                VideoRecordingSaved(
                    time_utc=self._utc(),
                    vehicle=vehicle,
                    sortie_id=info.sortie_id,
                    recording_id=recording_id,
                    duration_s=info.duration_s,
                )
            )
        return info

    def telemetry(self, vehicle: str, sample: TelemetrySample) -> None:
        """A telemetry sample for vehicle's running recording (kept at telemetry_every_s)."""
        stream = self.streams.get(vehicle)
        recording = stream.recording if stream is not None else None
        if recording is None:
            return
        now = self._clock()
        last = self._telemetry.get(vehicle)
        if last is not None and now - last[0] < self.config.telemetry_every_s:
            return
        self._telemetry[vehicle] = (now, sample)
        recording.add_telemetry(sample)

    def handle(self, event: Event) -> None:
        """Act on a centre event: sorties start and stop recordings; telemetry and readings
        feed the telemetry track. Subscribe it for EVENT_KINDS."""
        if isinstance(event, SortieStarted):
            if event.vehicle in self.streams:
                self.start_recording(event.vehicle, event.sortie_id)
        elif isinstance(event, SortieCompleted | SortieFailed | SortieInterrupted):
            if event.vehicle in self.streams:
                self.stop_recording(event.vehicle, event.sortie_id)
        elif isinstance(event, DroneReading):
            self._readings[event.vehicle] = event.values
        elif isinstance(event, TelemetryUpdated):
            snap = event.snapshot
            if snap.latitude_deg is None:
                return
            self.telemetry(
                event.vehicle,
                TelemetrySample(
                    time_utc=event.time_utc,
                    latitude_deg=snap.latitude_deg,
                    longitude_deg=snap.longitude_deg,
                    altitude_m=snap.altitude_relative_m,
                    heading_deg=snap.heading_deg,
                    readings=self._readings.get(event.vehicle, ()),
                ),
            )
