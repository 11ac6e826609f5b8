"""What goes wrong in the field is logged with its reason and the relay keeps going: garbage on
the video port, a stream without keyframes, a stream that stops, a sink address that refuses, a
sink that stops reading."""

from __future__ import annotations

import itertools
import logging
import os
import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from command.events import EventBus, VideoStreamState
from command.video import VideoConfig, VideoRelay, VideoRelayError
from command.video.rtp import NAL_SPS, AccessUnit, nal_types, parse_rtp
from tests.helpers.video import (
    Replayer,
    UdpCapture,
    free_tcp_port,
    free_udp_port,
    wait_for,
)


def _with_brain(port: int, brain: UdpCapture, **fields: object) -> VideoConfig:
    """UAV-1 on port, forwarded to one capturing UDP sink."""
    sink = {"name": "brain", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{brain.port}"}
    return VideoConfig.for_fleet(["UAV-1"], base_port=port, sinks=[sink], **fields)


def _starts_key(d: bytes) -> bool:
    return NAL_SPS in nal_types(d[parse_rtp(d).payload_offset :])


def _keyframe_timestamps(clip: list[bytes]) -> set[int]:
    return {parse_rtp(d).timestamp for d in clip if _starts_key(d)}


def test_garbage_on_the_video_port_is_dropped_with_a_reason(
    clip: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "command.video")
    port = free_udp_port()
    brain = UdpCapture()
    config = _with_brain(port, brain)
    relay = VideoRelay(config)
    relay.start()
    junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    garbage = [
        b"",
        b"\x00",
        os.urandom(700),
        b"GET / HTTP/1.1\r\n\r\n",
        bytes([0x80, 200]) + os.urandom(30),  # an RTCP sender report
        bytes([0x80, 33]) + os.urandom(200),  # RTP, but MPEG-2 TS payload type
        bytes([0x80, 96]) + os.urandom(4),  # cut short
    ]
    try:
        sender = Replayer(clip, port).start()
        for i in range(40):
            junk.sendto(garbage[i % len(garbage)], ("127.0.0.1", port))
        sender.wait()
        wait_for(lambda: len(brain.datagrams) >= len(sender.sent), 5, "the clip through")
        wait_for(lambda: relay.stats()[0].malformed >= 34, 5, "garbage counted")
    finally:
        junk.close()
        relay.close()
        brain.close()
    assert brain.datagrams == sender.sent  # only the camera's packets went on
    assert relay.stats()[0].frames == 60
    log = caplog.text
    assert "shorter than an RTP header" in log or "RTP version" in log


def test_another_sender_on_a_live_port_is_not_mixed_in(clip: list[bytes]) -> None:
    port = free_udp_port()
    brain = UdpCapture()
    config = _with_brain(port, brain)
    keys = _keyframe_timestamps(clip)
    # the same stream under another SSRC, without its keyframes
    foreign = [
        d[:8] + b"\x0b\xad\xf0\x0d" + d[12:] for d in clip if parse_rtp(d).timestamp not in keys
    ]
    relay = VideoRelay(config)
    relay.start()
    try:
        sender = Replayer(clip, port).start()
        wait_for(lambda: len(brain.datagrams) > 10, 5, "the stream live")
        intruder = Replayer(foreign, port).start()
        sender.wait()
        intruder.wait()
        wait_for(lambda: len(brain.datagrams) >= len(sender.sent), 5, "the clip through")
    finally:
        relay.close()
        brain.close()
    assert brain.datagrams == sender.sent
    assert relay.stats()[0].malformed == len(intruder.sent)


def test_a_stream_without_keyframes_is_reported_and_sinks_wait_for_one(
    clip: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "command.video")
    port = free_udp_port()
    brain = UdpCapture()
    config = _with_brain(port, brain, keyframe_missing_s=1.0)
    keys = _keyframe_timestamps(clip)
    bus = EventBus()
    states = bus.subscribe("test", kinds=(VideoStreamState,))
    relay = VideoRelay(config, publish=bus.publish)
    relay.start()
    try:
        sender = Replayer(clip, port, keep=lambda d: parse_rtp(d).timestamp not in keys)
        sender.start().wait()
        wait_for(lambda: relay.stats()[0].packets == len(sender.sent), 5, "packets counted")
        wait_for(lambda: relay.stats()[0].state == "no_keyframe", 5, "no_keyframe")
        feed = relay.live_feed("UAV-1")
        assert feed.get(0.2) is None
        whole = Replayer(clip[:40], port).start()  # a keyframe at last
        whole.wait()
        wait_for(lambda: relay.stats()[0].state == "live", 5, "live again")
        unit = feed.get(2.0)
        assert unit is not None and unit.keyframe
        assert relay.snapshot("UAV-1")[:2] == b"\xff\xd8"
        feed.close()
    finally:
        relay.close()
        bus.close()
        brain.close()
    assert brain.datagrams[0] == whole.sent[0]  # nothing before a keyframe began
    assert "no keyframe for" in caplog.text
    kinds = [e.state for e in states.drain() if isinstance(e, VideoStreamState)]
    assert kinds[:3] == ["live", "no_keyframe", "live"]


def test_a_stream_that_stops_is_stalled_then_resumes(clip: list[bytes]) -> None:
    port = free_udp_port()
    config = VideoConfig.for_fleet(["UAV-1"], base_port=port, stall_after_s=0.5)
    bus = EventBus()
    states = bus.subscribe("test", kinds=(VideoStreamState,))
    relay = VideoRelay(config, publish=bus.publish)
    relay.start()
    try:
        assert relay.stats()[0].state == "waiting"
        sender = Replayer(clip, port).start()
        wait_for(lambda: relay.streams["UAV-1"].state == "live", 5, "live")
        sender.paused.set()
        wait_for(lambda: relay.streams["UAV-1"].state == "stalled", 5, "stalled")
        sender.paused.clear()
        wait_for(lambda: relay.streams["UAV-1"].state == "live", 5, "resumed")
        sender.wait()
    finally:
        relay.close()
        bus.close()
    got = [(e.state, e.reason) for e in states.drain() if isinstance(e, VideoStreamState)]
    assert [s for s, _ in got][:3] == ["live", "stalled", "live"]
    assert got[1][1].startswith("no packet for") and got[2][1] == "resumed"


def test_sink_addresses_that_refuse_are_logged_and_the_rest_flows(
    clip: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "command.video")
    port, closed_udp, closed_tcp = free_udp_port(), free_udp_port(), free_tcp_port()
    brain = UdpCapture()
    config = VideoConfig.for_fleet(
        ["UAV-1"],
        base_port=port,
        sinks=[
            {"name": "nobody", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{closed_udp}"},
            {"name": "server-down", "kind": "rtsp", "url": f"rtsp://127.0.0.1:{closed_tcp}/x"},
            {"name": "brain", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{brain.port}"},
        ],
        retry_s=0.5,
    )
    relay = VideoRelay(config)
    relay.start()
    try:
        sender = Replayer(clip, port).start()
        sender.wait()
        wait_for(lambda: len(brain.datagrams) >= len(sender.sent), 5, "the brain sink")
        sinks = {s.sink: s for s in relay.stats()[0].sinks}
        wait_for(lambda: _sink(relay, "nobody/UAV-1").state == "refused", 5, "refused")
        wait_for(lambda: _sink(relay, "server-down/UAV-1").state == "connecting", 5, "retrying")
        sinks = {s.sink: s for s in relay.stats()[0].sinks}
    finally:
        relay.close()
        brain.close()
    assert brain.datagrams == sender.sent
    assert "refused the datagrams" in sinks["nobody/UAV-1"].reason
    assert "cannot open" in sinks["server-down/UAV-1"].reason
    assert "Connection refused" in sinks["server-down/UAV-1"].reason
    assert "nobody/UAV-1" in caplog.text and "server-down/UAV-1" in caplog.text


def test_a_live_client_that_stops_reading_drops_to_the_next_keyframe(
    clip: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "command.video")
    port = free_udp_port()
    config = VideoConfig.for_fleet(["UAV-1"], base_port=port, live_queue_frames=10)
    relay = VideoRelay(config)
    relay.start()
    try:
        idle, busy = relay.live_feed("UAV-1"), relay.live_feed("UAV-1")
        read: list[int] = []
        kept: list[AccessUnit] = []
        sender = Replayer(clip, port, loops=2).start()
        while len(read) < 120:
            unit = busy.get(3.0)
            assert unit is not None
            read.append(unit.timestamp)
            if len(read) > 60:  # the idle client wakes up for the second half
                while (unit := idle.get(0)) is not None:
                    kept.append(unit)
        sender.wait()
        while (unit := idle.get(0.3)) is not None:
            kept.append(unit)
        dropped = idle.stats(relay._utc()).dropped
        idle.close()
        busy.close()
    finally:
        relay.close()
    assert len(read) == 120  # the reading client got everything
    assert kept[0].keyframe and dropped > 0  # the sleeper went on from a keyframe
    assert len(kept) + dropped == 120
    steps = {(b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(kept)}
    assert steps == {6000}  # and then missed nothing
    assert "not keeping up" in caplog.text


def test_a_port_in_use_stops_the_start_with_its_reason() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        relay = VideoRelay(VideoConfig.for_fleet(["UAV-1"], base_port=port))
        with pytest.raises(VideoRelayError, match=f"cannot listen on udp 127.0.0.1:{port}"):
            relay.start()


@pytest.mark.parametrize(
    ("sink", "message"),
    [
        ({"name": "a", "kind": "rtsp", "url": "udp://1.2.3.4:5"}, "needs rtsp://"),
        ({"name": "a", "kind": "rtp_udp", "url": "udp://127.0.0.1"}, "needs a port"),
        ({"name": "a", "kind": "rtp_udp", "url": "udp://127.0.0.1:x"}, "not a number"),
        ({"name": "a b", "kind": "rtp_udp", "url": "udp://127.0.0.1:5"}, "pattern"),
        ({"name": "a", "kind": "webrtc", "url": "udp://127.0.0.1:5"}, "kind"),
        ({"name": "a", "kind": "rtmp", "url": "rtmp://h/x", "vehicles": ["UAV-9"]}, "UAV-9"),
    ],
)
def test_bad_sink_configuration_is_refused_naming_the_field(
    sink: dict[str, object], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match=message):
        VideoConfig.for_fleet(["UAV-1"], sinks=[sink])


def _sink(relay: VideoRelay, name: str):
    stream = relay.streams["UAV-1"]
    return next(s for s in stream.stats(relay._clock()).sinks if s.sink == name)
