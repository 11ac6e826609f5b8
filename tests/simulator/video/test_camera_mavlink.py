"""The simulator's cameras as a ground station sees them: VIDEO_STREAM_INFORMATION says where
the H.264 goes, the streaming commands start and stop it, and each camera trigger leaves a JPEG
whose EXIF position is the one CAMERA_IMAGE_CAPTURED reported."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from command.video.rtp import nal_types, parse_rtp
from command.video.sdp import h264_sdp
from simulator.video.stills import read_gps
from tests.helpers.sitl import C, Gcs, sitl
from tests.helpers.video import (
    UdpCapture,
    ffprobe,
    free_rtp_port,
    video_stream,
    wait_for,
)


def _video_args(port: int, *more: str) -> list[str]:
    return ["--video-port", str(port), *more]


def test_streams_announced_started_and_stopped_over_mavlink(tmp_path: Path) -> None:
    port = free_rtp_port()
    capture, second = UdpCapture(port), UdpCapture(port + 1)
    try:
        with sitl(tmp_path, drones=2, extra=["--video", *_video_args(capture.port)]) as s:
            g = Gcs(s.url(0))
            g.m.mav.command_long_send(
                1, 1, C.MAV_CMD_REQUEST_MESSAGE, 0, C.MAVLINK_MSG_ID_VIDEO_STREAM_INFORMATION,
                0, 0, 0, 0, 0, 0,
            )  # fmt: skip
            info = g.recv("VIDEO_STREAM_INFORMATION")
            assert info.type == C.VIDEO_STREAM_TYPE_RTPUDP
            assert info.encoding == C.VIDEO_STREAM_ENCODING_H264
            assert info.uri == f"udp://127.0.0.1:{capture.port}"
            assert (info.resolution_h, info.resolution_v, info.framerate) == (640, 360, 15.0)
            assert info.flags & C.VIDEO_STREAM_STATUS_FLAGS_RUNNING
            wait_for(lambda: len(capture.datagrams) > 30, 20, "vehicle 1's stream")
            wait_for(lambda: len(second.datagrams) > 30, 20, "vehicle 2's stream on +1")
            assert {parse_rtp(d).ssrc for d in second.datagrams}.isdisjoint(
                {parse_rtp(d).ssrc for d in capture.datagrams}
            )
            assert g.command(C.MAV_CMD_VIDEO_STOP_STREAMING, 1) == C.MAV_RESULT_ACCEPTED
            time.sleep(0.5)
            stopped_at = len(capture.datagrams)
            time.sleep(1.0)
            assert len(capture.datagrams) == stopped_at  # silent
            g.m.mav.command_long_send(
                1, 1, C.MAV_CMD_REQUEST_MESSAGE, 0, C.MAVLINK_MSG_ID_VIDEO_STREAM_STATUS,
                0, 0, 0, 0, 0, 0,
            )  # fmt: skip
            assert not g.recv("VIDEO_STREAM_STATUS").flags & C.VIDEO_STREAM_STATUS_FLAGS_RUNNING
            assert g.command(C.MAV_CMD_VIDEO_START_STREAMING, 1) == C.MAV_RESULT_ACCEPTED
            wait_for(lambda: len(capture.datagrams) > stopped_at, 10, "the stream again")
            first = capture.datagrams[stopped_at]
            assert 7 in nal_types(first[parse_rtp(first).payload_offset :])  # begins with SPS
            assert g.command(C.MAV_CMD_VIDEO_START_STREAMING, 5) == C.MAV_RESULT_DENIED
            g.close()
    finally:
        capture.close()
        second.close()


def test_the_stream_decodes_as_h264_at_its_announced_size_and_rate(
    run_ffmpeg: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    port = free_rtp_port()
    sdp = tmp_path / "uav1.sdp"
    sdp.write_text(h264_sdp("127.0.0.1", port))
    out = tmp_path / "uav1.mkv"
    client = run_ffmpeg(
        "-protocol_whitelist", "file,udp,rtp", "-i", str(sdp), "-c", "copy", "-t", "3", str(out)
    )
    time.sleep(0.5)
    with sitl(tmp_path, extra=["--video", *_video_args(port, "--video-size", "320x180")]):
        client.wait(30)
    video = video_stream(ffprobe(out, "-count_frames"))
    assert video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (320, 180)
    assert video["r_frame_rate"] == "15/1"
    assert int(video["nb_read_frames"]) >= 30


def test_a_jpeg_per_trigger_with_the_reported_position(tmp_path: Path) -> None:
    images = tmp_path / "images"
    with sitl(tmp_path, extra=["--image-dir", str(images)]) as s:
        g = Gcs(s.url(0))
        g.wait_ready()
        assert g.command(C.MAV_CMD_IMAGE_START_CAPTURE, 0, 0.5, 3) == 0
        shots = [g.recv("CAMERA_IMAGE_CAPTURED", timeout=10) for _ in range(3)]
        assert g.command(C.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1) == 0
        shots.append(g.recv("CAMERA_IMAGE_CAPTURED"))
        g.close()
        for shot in shots:
            path = images / "vehicle-1" / f"IMG_{shot.image_index:05d}.jpg"
            wait_for(path.exists, 10, str(path))
            assert shot.file_url == path.resolve().as_uri()
            lat, lon, alt, when = read_gps(path)
            assert abs(lat - shot.lat / 1e7) < 1e-8 and abs(lon - shot.lon / 1e7) < 1e-8
            assert abs(alt - shot.alt / 1000) < 0.01
            assert abs(when.timestamp() - shot.time_utc / 1e6) < 0.002
        assert [s.image_index for s in shots] == [0, 1, 2, 3]
