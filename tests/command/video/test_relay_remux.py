"""Sinks in other containers get the same frames: MPEG-TS over UDP, RTSP push to a media server,
RTMP push; and a sink that dies takes nothing from the others."""

from __future__ import annotations

import itertools
import logging
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from command.video import VideoConfig, VideoRelay
from command.video.rtp import AccessUnit, parse_rtp
from tests.helpers.video import (
    Replayer,
    UdpCapture,
    ffprobe,
    free_rtp_port,
    free_tcp_port,
    free_udp_port,
    tcp_listening,
    udp_bound,
    video_stream,
    wait_for,
)


def _decodes_as_the_clip(path: Path, at_least: int) -> None:
    video = video_stream(ffprobe(path, "-count_frames"))
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (640, 360)
    assert video["r_frame_rate"] == "15/1"
    assert int(video["nb_read_frames"]) >= at_least


@pytest.mark.parametrize(
    ("kind", "sink_url", "server_args", "ready"),
    [
        (
            "mpegts_udp",
            "udp://127.0.0.1:{port}",
            ["-f", "mpegts", "-i", "udp://127.0.0.1:{port}"],
            udp_bound,
        ),
        (
            "rtsp",
            "rtsp://127.0.0.1:{port}/ecopatrol/{{vehicle}}",
            ["-rtsp_flags", "listen", "-i", "rtsp://127.0.0.1:{port}/ecopatrol/UAV-1"],
            tcp_listening,
        ),
        (
            "rtmp",
            "rtmp://127.0.0.1:{port}/live/{{vehicle}}",
            ["-listen", "1", "-i", "rtmp://127.0.0.1:{port}/live/UAV-1"],
            tcp_listening,
        ),
    ],
    ids=["mpegts-over-udp", "rtsp-push-to-a-listening-server", "rtmp-push"],
)
def test_a_remuxed_sink_gives_a_stream_that_decodes(
    run_ffmpeg: Callable[..., subprocess.Popen[bytes]],
    clip: list[bytes],
    tmp_path: Path,
    kind: str,
    sink_url: str,
    server_args: list[str],
    ready: Callable[[int], bool],
) -> None:
    port = free_udp_port()
    sink_port = free_rtp_port() if kind == "mpegts_udp" else free_tcp_port()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[{"name": "brain", "kind": kind, "url": sink_url.format(port=sink_port)}],
    )
    out = tmp_path / "received.mkv"
    args = [a.format(port=sink_port) for a in server_args]
    server = run_ffmpeg(*args, "-c", "copy", "-t", "5", str(out))
    wait_for(lambda: ready(sink_port), 10, "the receiving ffmpeg ready")
    relay = VideoRelay(config)
    relay.start()
    try:
        Replayer(clip, port, loops=2).start().wait()
    finally:
        relay.close()
    server.wait(20)
    _decodes_as_the_clip(out, 45)


def test_killing_one_sink_leaves_the_others_flowing_without_a_gap(
    run_ffmpeg: Callable[..., subprocess.Popen[bytes]],
    clip: list[bytes],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "command.video")
    port, rtsp_port = free_udp_port(), free_tcp_port()
    brain = UdpCapture()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[
            {"name": "media", "kind": "rtsp", "url": f"rtsp://127.0.0.1:{rtsp_port}/x"},
            {"name": "brain", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{brain.port}"},
        ],
        retry_s=60.0,
    )
    server = run_ffmpeg("-rtsp_flags", "listen", "-i", f"rtsp://127.0.0.1:{rtsp_port}/x",
                        "-c", "copy", "-f", "null", "-")  # fmt: skip
    wait_for(lambda: tcp_listening(rtsp_port), 10, "the server listening")
    relay = VideoRelay(config)
    relay.start()
    feed = relay.live_feed("UAV-1")
    frames: list[AccessUnit] = []
    reader = threading.Thread(target=lambda: frames.extend(feed), daemon=True)
    reader.start()
    try:
        sender = Replayer(clip, port, loops=3).start()
        media = lambda: next(s for s in relay.stats()[0].sinks if s.sink == "media/UAV-1")  # noqa: E731
        wait_for(lambda: media().sent > 20, 15, "the media server receiving")
        server.send_signal(signal.SIGKILL)
        server.wait(5)
        sender.wait()
        wait_for(lambda: len(brain.datagrams) >= len(sender.sent), 5, "the brain sink")
        wait_for(lambda: len(frames) == 3 * 60, 5, "the live view's frames")
        wait_for(lambda: media().state in ("failed", "connecting"), 10, "the dead sink noticed")
    finally:
        relay.close()
        brain.close()
    reader.join(5)
    assert brain.datagrams == sender.sent  # not one datagram missing or late-dropped
    seqs = [parse_rtp(d).sequence for d in brain.datagrams]
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))
    assert len(frames) == 3 * 60 and frames[0].keyframe
    steps = {(b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(frames)}
    assert steps == {6000}  # every frame, 1/15 s apart, none missing
    assert "media/UAV-1" in caplog.text and "output failed" in caplog.text
