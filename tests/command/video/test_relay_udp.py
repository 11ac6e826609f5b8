"""The relay forwards the camera's RTP datagrams unchanged, and what comes out decodes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from command.events import EventBus, VideoStats, VideoStreamState
from command.video import VideoConfig, VideoRelay, h264_sdp
from tests.helpers.video import (
    Replayer,
    UdpCapture,
    ffprobe,
    free_rtp_port,
    free_udp_port,
    rtp_fields,
    udp_bound,
    video_stream,
    wait_for,
)


@pytest.fixture
def ports() -> Iterator[tuple[int, UdpCapture, UdpCapture]]:
    """The relay's input port and two capturing sinks."""
    a, b = UdpCapture(), UdpCapture()
    yield free_udp_port(), a, b
    a.close()
    b.close()


def test_udp_sinks_get_the_cameras_datagrams_byte_for_byte(
    clip: list[bytes], ports: tuple[int, UdpCapture, UdpCapture]
) -> None:
    port, brain, backup = ports
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[
            {"name": "brain", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{brain.port}"},
            {"name": "backup", "kind": "rtp_udp", "url": f"rtp://127.0.0.1:{backup.port}"},
        ],
    )
    bus = EventBus()
    events = bus.subscribe("test", kinds=(VideoStreamState, VideoStats))
    relay = VideoRelay(config, publish=bus.publish)
    relay.start()
    try:
        sender = Replayer(clip, port).start()
        sender.wait()
        wait_for(lambda: len(brain.datagrams) >= len(sender.sent), 5, "the brain sink")
        wait_for(lambda: len(backup.datagrams) >= len(sender.sent), 5, "the backup sink")
        wait_for(lambda: relay.stats()[0].packets == len(sender.sent), 5, "stats")
    finally:
        relay.close()
        bus.close()
    assert brain.datagrams == sender.sent  # the clip starts with a keyframe: nothing held back
    assert backup.datagrams == sender.sent
    stats = relay.stats()[0]
    assert stats.lost == 0 and stats.malformed == 0
    assert stats.keyframes == 4 and stats.frames == 60
    assert {s.sink for s in stats.sinks} == {"brain/UAV-1", "backup/UAV-1"}
    assert all(s.sent == len(sender.sent) and s.dropped == 0 for s in stats.sinks)
    got = events.drain()
    states = [e.state for e in got if isinstance(e, VideoStreamState)]
    assert states[0] == "live"
    figures = [e for e in got if isinstance(e, VideoStats) and e.packets]
    assert figures and 10 <= max(e.fps for e in figures) <= 20
    assert max(e.bitrate_bps for e in figures) > 100_000


def test_a_relayed_stream_decodes_as_h264_at_the_cameras_size_and_rate(
    run_ffmpeg: Callable[..., subprocess.Popen[bytes]],
    clip: list[bytes],
    ports: tuple[int, UdpCapture, UdpCapture],
    tmp_path: Path,
) -> None:
    port = ports[0]
    sink_port = free_rtp_port()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[{"name": "brain", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{sink_port}"}],
    )
    sdp = tmp_path / "brain.sdp"
    sdp.write_text(h264_sdp("127.0.0.1", sink_port))
    out = tmp_path / "brain.mkv"
    client = run_ffmpeg(
        "-protocol_whitelist", "file,udp,rtp", "-i", str(sdp), "-c", "copy", "-t", "5", str(out)
    )
    relay = VideoRelay(config)
    relay.start()
    try:
        wait_for(lambda: udp_bound(sink_port), 10, "ffmpeg listening")
        sender = Replayer(clip, port, loops=2).start()
        sender.wait()
    finally:
        relay.close()
    client.wait(20)
    info = ffprobe(out, "-count_frames")
    video = video_stream(info)
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (640, 360)
    assert video["r_frame_rate"] == "15/1"
    assert int(video["nb_read_frames"]) >= 60  # every frame decoded
    first_seq = rtp_fields(sender.sent[0])[0]
    assert first_seq == rtp_fields(clip[0])[0]
