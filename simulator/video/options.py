"""The simulator's camera options (`python -m simulator --video …`) and their checks."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.video.camera import VideoSettings
from simulator.video.encoder import StreamFormat

MAX_BITRATE_BPS = 6_000_000
BITS_PER_PIXEL = 0.3
"""Default bit rate per pixel of each frame: enough for x264 ultrafast on the synthetic view."""


def add_video_options(p: argparse.ArgumentParser) -> None:
    """Add the camera options to the simulator's command line."""
    g = p.add_argument_group("camera (H.264 video as QGroundControl receives it; JPEG stills)")
    g.add_argument(
        "--video",
        action="store_true",
        help="stream each vehicle's camera from boot: vehicle i to --video-host:--video-port+i",
    )
    g.add_argument(
        "--video-idle",
        action="store_true",
        help="cameras ready, streaming only after MAV_CMD_VIDEO_START_STREAMING",
    )
    g.add_argument("--video-host", default="127.0.0.1", help="where streams go (127.0.0.1)")
    g.add_argument("--video-port", type=int, default=5600, help="UDP port of vehicle 1 (5600)")
    g.add_argument(
        "--video-format",
        choices=("rtp", "mpegts"),
        default="rtp",
        help="RTP/UDP (H.264, payload type 96) or MPEG-TS over UDP",
    )
    g.add_argument("--video-size", default="640x360", help="WIDTHxHEIGHT (640x360; 1280x720)")
    g.add_argument("--video-fps", type=int, default=15, help="frames per second (15)")
    g.add_argument(
        "--video-keyframe", type=float, default=1.0, help="seconds between keyframes (1)"
    )
    g.add_argument(
        "--video-bitrate", type=int, help="kbit/s (default: 0.3 bit per pixel, at most 6000)"
    )
    g.add_argument("--image-dir", type=Path, help="write a JPEG per camera trigger here")


def video_settings(args: argparse.Namespace, drones: int, seed: int) -> VideoSettings | None:
    """The cameras' settings from the parsed options (None: no cameras); ValueError names the
    option that is wrong."""
    if not (args.video or args.video_idle or args.image_dir):
        return None
    if args.video and args.video_idle:
        raise ValueError("--video and --video-idle: choose one")
    try:
        w_text, h_text = args.video_size.lower().split("x")
        width, height = int(w_text), int(h_text)
    except ValueError:
        raise ValueError(f"--video-size {args.video_size!r}: expected WIDTHxHEIGHT") from None
    if not 1 <= args.video_port <= 65535 - drones + 1:
        raise ValueError(f"--video-port {args.video_port}: port + vehicles must fit in 65535")
    if not 1 <= args.video_fps <= 60:
        raise ValueError(f"--video-fps {args.video_fps}: frame rate {args.video_fps} outside 1-60")
    bitrate = (
        args.video_bitrate * 1000
        if args.video_bitrate is not None
        else min(MAX_BITRATE_BPS, round(width * height * args.video_fps * BITS_PER_PIXEL))
    )
    if not 100_000 <= bitrate <= 50_000_000:
        raise ValueError(f"--video-bitrate {bitrate // 1000}: expected 100-50000 kbit/s")
    try:
        fmt = StreamFormat(
            width=width,
            height=height,
            fps=args.video_fps,
            keyframe_s=args.video_keyframe,
            bitrate_bps=bitrate,
            transport=args.video_format,
        )
    except ValueError as exc:
        raise ValueError(f"--video-size/--video-fps/--video-keyframe: {exc}") from None
    if args.image_dir is not None:
        try:
            args.image_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"--image-dir {args.image_dir}: {exc.strerror or exc}") from None
    return VideoSettings(
        stream=fmt,
        host=args.video_host,
        base_port=args.video_port,
        stream_at_start=bool(args.video),
        image_dir=args.image_dir.resolve() if args.image_dir is not None else None,
        seed=seed,
    )


def describe_video(settings: VideoSettings, drones: int) -> str:
    """One line for the simulator's start-up message: where the cameras send and stills go."""
    fmt = settings.stream
    last = settings.port_of(drones - 1)
    ports = str(settings.base_port) if drones == 1 else f"{settings.base_port}-{last}"
    when = "streaming" if settings.stream_at_start else "idle until VIDEO_START_STREAMING"
    line = (
        f"video: {fmt.transport.upper()} H.264 {fmt.width}x{fmt.height} at {fmt.fps} fps to "
        f"udp {settings.host}:{ports} (one port per vehicle), {when}"
    )
    if settings.image_dir is not None:
        line += f"; stills in {settings.image_dir}"
    return line
