"""Sinks in other containers get the same frames: MPEG-TS over UDP, RTSP push to a media server,
RTMP push; and a sink that dies takes nothing from the others."""

from __future__ import annotations

import itertools
import logging
import signal
import threading
from pathlib import Path

import pytest

from command.video import VideoConfig, VideoRelay
from command.video.rtp import AccessUnit, parse_rtp
from tests.helpers.video import (
    Replayer,
    UdpCapture,
    ffmpeg,
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


def test_mpegts_over_udp_sink_decodes(clip: list[bytes], tmp_path: Path) -> None:
    port, sink_port = free_udp_port(), free_rtp_port()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[{"name": "brain-ts", "kind": "mpegts_udp", "url": f"udp://127.0.0.1:{sink_port}"}],
    )
    out = tmp_path / "brain.ts"
    client = ffmpeg("-f", "mpegts", "-i", f"udp://127.0.0.1:{sink_port}", "-c", "copy",
                    "-t", "5", str(out))  # fmt: skip
    wait_for(lambda: udp_bound(sink_port), 10, "ffmpeg listening")
    relay = VideoRelay(config)
    relay.start()
    try:
        Replayer(clip, port, loops=2).start().wait()
    finally:
        relay.close()
    client.wait(20)
    _decodes_as_the_clip(out, 45)


def test_rtsp_push_to_a_listening_server_decodes(clip: list[bytes], tmp_path: Path) -> None:
    port, rtsp_port = free_udp_port(), free_tcp_port()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[
            {
                "name": "brain",
                "kind": "rtsp",
                "url": f"rtsp://127.0.0.1:{rtsp_port}/ecopatrol/{{vehicle}}",
            }
        ],
    )
    out = tmp_path / "rtsp.mkv"
    server = ffmpeg("-rtsp_flags", "listen", "-i", f"rtsp://127.0.0.1:{rtsp_port}/ecopatrol/UAV-1",
                    "-c", "copy", "-t", "5", str(out))  # fmt: skip
    wait_for(lambda: tcp_listening(rtsp_port), 10, "the server listening")
    relay = VideoRelay(config)
    relay.start()
    try:
        Replayer(clip, port, loops=2).start().wait()
    finally:
        relay.close()
    server.wait(20)
    _decodes_as_the_clip(out, 45)


def test_rtmp_push_decodes(clip: list[bytes], tmp_path: Path) -> None:
    port, rtmp_port = free_udp_port(), free_tcp_port()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[{"name": "cdn", "kind": "rtmp", "url": f"rtmp://127.0.0.1:{rtmp_port}/live/uav1"}],
    )
    out = tmp_path / "rtmp.flv"
    server = ffmpeg("-listen", "1", "-i", f"rtmp://127.0.0.1:{rtmp_port}/live/uav1",
                    "-c", "copy", "-t", "5", str(out))  # fmt: skip
    wait_for(lambda: tcp_listening(rtmp_port), 10, "the server listening")
    relay = VideoRelay(config)
    relay.start()
    try:
        Replayer(clip, port, loops=2).start().wait()
    finally:
        relay.close()
    server.wait(20)
    _decodes_as_the_clip(out, 45)


def test_killing_one_sink_leaves_the_others_flowing_without_a_gap(
    clip: list[bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture
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
    server = ffmpeg("-rtsp_flags", "listen", "-i", f"rtsp://127.0.0.1:{rtsp_port}/x",
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
