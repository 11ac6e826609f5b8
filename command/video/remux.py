"""The same H.264 frames in another container, through FFmpeg's muxers (PyAV): MPEG-TS over UDP,
RTSP push (ANNOUNCE/RECORD), RTMP push (FLV), MP4. Frames are copied, never decoded or
re-encoded; the stream's parameters are read once from the first keyframe's SPS.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av

from command.video.rtp import RTP_CLOCK_HZ, AccessUnit
from command.video.sinks import ThreadedSink

TIME_BASE = Fraction(1, RTP_CLOCK_HZ)
IO_TIMEOUT_US = 5_000_000
"""A network sink whose peer accepts nothing for this long (µs) fails and is reopened."""

_FORMATS = {"mpegts_udp": "mpegts", "rtsp": "rtsp", "rtmp": "flv", "mp4": "mp4"}


def stream_template(keyframe: AccessUnit) -> tuple[Any, Any]:
    """An input container over one keyframe (Annex B) and its video stream: the codec
    parameters (size, profile, SPS/PPS) a muxer needs, taken from the stream itself."""
    container = av.open(io.BytesIO(keyframe.data), format="h264")
    return container, container.streams.video[0]


class Timeline:
    """RTP timestamps (32-bit, wrapping) as 90 kHz ticks from the first frame."""

    def __init__(self, first: int) -> None:
        self._last = first
        self.ticks = 0

    def advance(self, timestamp: int) -> int:
        """Ticks of this frame since the first (never backwards)."""
        step = (timestamp - self._last) & 0xFFFFFFFF
        if step >= 0x80000000:  # out of order or reset: hold the clock
            step = 0
        self._last = timestamp
        self.ticks += step
        return self.ticks


def output_options(kind: str) -> dict[str, str]:
    """Muxer and protocol options per sink kind."""
    if kind == "rtsp":
        return {"rtsp_transport": "tcp", "timeout": str(IO_TIMEOUT_US)}
    if kind == "rtmp":
        return {"rw_timeout": str(IO_TIMEOUT_US)}
    if kind == "mpegts_udp":
        return {}
    return {}


class Remuxer:
    """One output container fed with frames; the first frame must be a keyframe."""

    def __init__(
        self, url: str, kind: str, first: AccessUnit, options: dict[str, str] | None = None
    ) -> None:
        template_container, template = stream_template(first)
        try:
            opts = {**output_options(kind), **(options or {})}
            target = url
            if kind == "mpegts_udp" and "pkt_size" not in url:
                target = url + ("&" if "?" in url else "?") + "pkt_size=1316"
            self.container = av.open(target, "w", format=_FORMATS[kind], options=opts)
            self.stream = self.container.add_stream_from_template(template)
            self.stream.time_base = TIME_BASE
            self.container.start_encoding()  # connect and write the header now
        finally:
            template_container.close()
        self.timeline = Timeline(first.timestamp)
        self.frames = 0
        self._last_pts = -1

    def write(self, unit: AccessUnit) -> int:
        """Mux one frame; returns its size (bytes)."""
        pts = self.timeline.advance(unit.timestamp)
        if pts <= self._last_pts:
            pts = self._last_pts + 1
        self._last_pts = pts
        packet = av.Packet(unit.data)
        packet.pts = packet.dts = pts
        packet.time_base = TIME_BASE
        packet.is_keyframe = unit.keyframe
        packet.stream = self.stream
        self.container.mux(packet)
        self.frames += 1
        return len(unit.data)

    @property
    def duration_s(self) -> float:
        """Seconds from the first frame to the last written."""
        return max(self._last_pts, 0) / RTP_CLOCK_HZ

    def close(self) -> None:
        """Write the trailer and close."""
        self.container.close()


class RemuxSink(ThreadedSink):
    """A city-brain or media-server sink: MPEG-TS over UDP, RTSP push or RTMP push."""

    def __init__(
        self,
        name: str,
        kind: str,
        url: str,
        maxlen: int,
        retry_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if kind not in ("mpegts_udp", "rtsp", "rtmp"):
            raise ValueError(f"sink {name!r}: {kind!r} is not a remuxing sink")
        super().__init__(name, kind, maxlen, retry_s, clock)
        self.url = url
        self._remuxer: Remuxer | None = None

    def open_output(self, first: AccessUnit) -> None:
        """Connect (RTSP ANNOUNCE/RECORD, RTMP handshake) and write the header."""
        self.counters.set_state("connecting")
        self._remuxer = Remuxer(self.url, self.kind, first)

    def write(self, unit: AccessUnit) -> int:
        """One frame out."""
        assert self._remuxer is not None
        return self._remuxer.write(unit)

    def close_output(self) -> None:
        """Trailer (RTSP TEARDOWN) and close."""
        remuxer, self._remuxer = self._remuxer, None
        if remuxer is not None:
            remuxer.close()
