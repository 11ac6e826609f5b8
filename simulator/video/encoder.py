"""H.264 out of frames and onto the network: RTP/UDP (RFC 6184, packetization mode 1) or
MPEG-TS over UDP, through FFmpeg's own muxers (PyAV). x264 ultrafast/zerolatency, a keyframe
every `keyframe_s`, SPS/PPS repeated before every keyframe so a receiver can join at any one.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
from PIL import Image

RTP_PAYLOAD_TYPE = 96
"""The dynamic RTP payload type the stream uses (as QGroundControl and GStreamer expect)."""
RTP_PACKET_BYTES = 1200
"""Largest RTP datagram (bytes): fits any path MTU with room for tunnels."""
TS_PACKET_BYTES = 1316
"""MPEG-TS over UDP: seven 188-byte TS packets per datagram."""


@dataclass(frozen=True)
class StreamFormat:
    """What one camera sends: size (px), rate (frames/s), keyframe spacing (s), bitrate (bit/s)
    and transport ('rtp' or 'mpegts')."""

    width: int = 640
    height: int = 360
    fps: int = 15
    keyframe_s: float = 1.0
    bitrate_bps: int = 1_000_000
    transport: str = "rtp"

    def __post_init__(self) -> None:
        if self.transport not in ("rtp", "mpegts"):
            raise ValueError(f"transport {self.transport!r} is not 'rtp' or 'mpegts'")
        if self.width % 2 or self.height % 2 or not (64 <= self.width <= 3840):
            raise ValueError(f"frame size {self.width}x{self.height}: even sizes, 64-3840 wide")
        if not 1 <= self.fps <= 60:
            raise ValueError(f"frame rate {self.fps} outside 1-60")
        if not 0.2 <= self.keyframe_s <= 10.0:
            raise ValueError(f"keyframe spacing {self.keyframe_s} s outside 0.2-10 s")

    @property
    def gop(self) -> int:
        """Frames from one keyframe to the next."""
        return max(1, round(self.fps * self.keyframe_s))


def stream_url(fmt: StreamFormat, host: str, port: int) -> str:
    """The FFmpeg URL the muxer writes to."""
    if fmt.transport == "rtp":
        return f"rtp://{host}:{port}?pkt_size={RTP_PACKET_BYTES}"
    return f"udp://{host}:{port}?pkt_size={TS_PACKET_BYTES}"


class H264Sender:
    """One open stream: encode frames, mux and send them. Not thread-safe; one per camera."""

    def __init__(self, fmt: StreamFormat, host: str, port: int) -> None:
        self.fmt = fmt
        options = {"rtpflags": "skip_rtcp"} if fmt.transport == "rtp" else {}
        self.container = av.open(
            stream_url(fmt, host, port), "w", format=fmt.transport, options=options
        )
        kbps = max(100, fmt.bitrate_bps // 1000)
        stream = self.container.add_stream(
            "libx264",
            rate=fmt.fps,
            options={
                "preset": "ultrafast",
                "tune": "zerolatency",
                "x264-params": (
                    f"keyint={fmt.gop}:min-keyint={fmt.gop}:scenecut=0:"
                    f"vbv-maxrate={kbps}:vbv-bufsize={kbps}"
                ),
            },
        )
        stream.width, stream.height = fmt.width, fmt.height
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = fmt.bitrate_bps
        stream.codec_context.time_base = Fraction(1, fmt.fps)
        self.stream = stream
        self.frames = 0

    def send(self, image: Image.Image) -> int:
        """Encode one RGB frame and send what the encoder gives back; returns bytes sent."""
        frame = av.VideoFrame.from_image(image)
        frame.pts = self.frames
        frame.time_base = Fraction(1, self.fmt.fps)
        self.frames += 1
        sent = 0
        for packet in self.stream.encode(frame):
            sent += packet.size
            self.container.mux(packet)
        return sent

    def close(self) -> None:
        """Flush the encoder and close the socket."""
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
        finally:
            self.container.close()
