"""The video API and page in process: a real CommandCentre whose relay receives a real H.264 RTP
clip (the camera's encoder) replayed over UDP, a real SQLite file, the recorder writing a real
MP4; roles, CSRF and bad ids; the live view's messages decode; snapshots are JPEGs."""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import pytest
from flask import Flask
from PIL import Image

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.video import TelemetrySample
from simulator.video.encoder import StreamFormat
from tests.helpers.video import Replayer, encode_clip, free_udp_ports, need_ffmpeg, wait_for
from tests.web.conftest import csrf_of, log_in
from tests.web.inprocess import WAYS_IN, app_by
from tests.web.live import add_role_accounts
from web import CENTRE_KEY
from web.api.video import FRAME_HEADER

VEHICLE = "UAV-1"
WIDTH, HEIGHT = 640, 360


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    """A centre with one video stream, fed by a looping replay of a real clip, with one
    finished recording (and its telemetry track) listed."""
    need_ffmpeg()
    folder = tmp_path_factory.mktemp("video-api")
    port = free_udp_ports(1)
    config = config_from_mapping(
        {
            "var_dir": str(folder),
            "scheduler": {"enabled": False},
            "video": {
                "recordings_dir": str(folder / "recordings"),
                "telemetry_every_s": 0.0,
                "streams": [{"vehicle": VEHICLE, "port": port}],
            },
        },
        source="test",
    )
    clip = encode_clip(2.0, StreamFormat())
    centre = CommandCentre(config)
    centre.start()
    replay = Replayer(clip, port, loops=1000).start()
    try:
        add_role_accounts(centre)
        relay = centre.video
        assert relay is not None
        wait_for(lambda: relay.streams[VEHICLE].last_keyframe is not None, 20, "a keyframe")
        relay.start_recording(VEHICLE, None)
        for i in range(12):
            relay.telemetry(
                VEHICLE, TelemetrySample(datetime.now(UTC), 36.64 + i * 1e-4, 116.93, 40.0)
            )
            time.sleep(0.25)
        info = relay.stop_recording(VEHICLE)
        assert info is not None and info.frames > 0
        yield centre
    finally:
        replay.stop()
        centre.close()


@pytest.fixture(scope="module", params=WAYS_IN)
def app(centre: CommandCentre, request: pytest.FixtureRequest) -> Iterator[Flask]:
    with app_by(request.param, centre) as console:
        yield console


def _messages(chunks: Iterator[bytes], wanted: int) -> list[tuple[int, int, bytes]]:
    """The first `wanted` frame messages of the live view (keep-alives skipped)."""
    buf, out = b"", []
    for chunk in chunks:
        buf += chunk
        while len(buf) >= FRAME_HEADER.size:
            length, duration_us, flags = FRAME_HEADER.unpack_from(buf)
            if len(buf) < FRAME_HEADER.size + length:
                break
            if length:
                out.append(
                    (duration_us, flags, buf[FRAME_HEADER.size : FRAME_HEADER.size + length])
                )
            buf = buf[FRAME_HEADER.size + length :]
        if len(out) >= wanted:
            return out
    raise AssertionError(f"the live view ended after {len(out)} frames")


API_GETS = [
    "/api/video/streams",
    f"/api/video/streams/{VEHICLE}/live",
    "/api/video/snapshots",
    "/api/video/recordings",
    "/api/video/recordings/1",
    "/api/video/recordings/1/video.mp4",
    "/api/video/recordings/1/telemetry.vtt",
    "/api/video/recordings/1/track",
]


@pytest.mark.parametrize("path", API_GETS)
def test_every_video_route_needs_a_login(app: Flask, path: str) -> None:
    assert app.test_client().get(path).status_code == 401


def test_stream_figures_show_the_live_stream(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    streams = client.get("/api/video/streams").json["streams"]
    assert [s["vehicle"] for s in streams] == [VEHICLE]
    assert streams[0]["state"] == "live"
    assert streams[0]["frames"] > 0 and streams[0]["fps"] > 0


def test_the_live_view_sends_whole_frames_from_a_keyframe_that_decode(
    app: Flask, centre: CommandCentre
) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    reply = client.get(f"/api/video/streams/{VEHICLE}/live", buffered=False)
    assert reply.status_code == 200
    assert reply.mimetype == "application/octet-stream"
    relay = centre.video
    assert relay is not None
    try:
        assert len(relay.streams[VEHICLE].live) == 1
        frames = _messages(reply.response, 20)
    finally:
        reply.close()
    assert frames[0][1] == 1, "the first frame is a keyframe"
    assert frames[0][2].startswith(b"\x00\x00\x00\x01") or frames[0][2].startswith(b"\x00\x00\x01")
    assert any(d == round(1e6 / 15) for d, _, _ in frames[1:]), "15 fps durations"
    codec = av.CodecContext.create("h264", "r")
    pictures = [p for _, _, data in frames for p in codec.decode(av.Packet(data))]
    assert len(pictures) >= 15
    assert (pictures[0].width, pictures[0].height) == (WIDTH, HEIGHT)
    wait_for(lambda: not relay.streams[VEHICLE].live, 5, "the closed client to be unhooked")


def test_live_view_of_an_unknown_or_bad_vehicle_is_refused(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    assert client.get("/api/video/streams/UAV-9/live").status_code == 404
    reply = client.get("/api/video/streams/bad%20name/live")
    assert reply.status_code == 400 and "vehicle" in reply.json["error"]


def _snapshot_post(client: Any, token: str | None, vehicle: str = VEHICLE) -> Any:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(f"/api/video/streams/{vehicle}/snapshot", headers=headers, json={})


def test_a_snapshot_is_saved_to_a_jpeg_of_the_stream_and_listed(
    app: Flask, centre: CommandCentre
) -> None:
    viewer = app.test_client()
    assert _snapshot_post(viewer, csrf_of_page(viewer, "viewer")).status_code == 403
    officer = app.test_client()
    token = csrf_of_page(officer, "officer")
    assert _snapshot_post(officer, None).status_code == 400  # no CSRF token
    assert _snapshot_post(officer, token, "UAV-9").status_code == 409
    reply = _snapshot_post(officer, token)
    assert reply.status_code == 202, reply.json
    status_url = reply.json["status_url"]
    wait_for(lambda: officer.get(status_url).status_code == 200, 10, "the snapshot saved")
    snap = officer.get(status_url).json
    assert snap["vehicle"] == VEHICLE and snap["actor"].startswith("web:officer@")
    assert (snap["width"], snap["height"]) == (WIDTH, HEIGHT)
    image = officer.get(snap["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(image.data)) as picture:
        assert picture.format == "JPEG" and picture.size == (WIDTH, HEIGHT)
    listed = officer.get(f"/api/video/snapshots?vehicle={VEHICLE}").json["snapshots"]
    assert snap["token"] in [s["token"] for s in listed]
    assert Path(centre.video_snapshots()[0].path).is_file()


def csrf_of_page(client: Any, username: str) -> str:
    log_in(client, username)
    return csrf_of(client.get("/video").get_data(as_text=True))


def test_bad_snapshot_tokens_are_refused(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    assert client.get("/api/video/snapshots/nothex").status_code == 400
    assert client.get("/api/video/snapshots/" + "0" * 32).status_code == 404
    assert client.get("/api/video/snapshots/" + "0" * 32 + "/image.jpg").status_code == 404
    assert client.get("/api/video/snapshots?sortie=abc").status_code == 400


def test_a_recording_is_listed_served_with_ranges_and_its_track(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    recordings = client.get(f"/api/video/recordings?vehicle={VEHICLE}").json["recordings"]
    assert len(recordings) == 1
    rec = recordings[0]
    assert rec["frames"] > 0 and rec["duration_s"] > 1.0
    video = client.get(rec["video_url"], headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and video.mimetype == "video/mp4"
    assert len(video.data) == 100 and video.data[4:8] == b"ftyp"
    vtt = client.get(rec["telemetry_url"])
    assert vtt.mimetype == "text/vtt" and vtt.get_data(as_text=True).startswith("WEBVTT")
    cues = client.get(rec["track_url"]).json["cues"]
    assert len(cues) >= 5
    starts = [c["start_s"] for c in cues]
    assert starts == sorted(starts) and cues[-1]["lat"] > cues[0]["lat"]
    assert all(c["end_s"] > c["start_s"] for c in cues)


def test_bad_recording_ids_are_refused(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    assert client.get("/api/video/recordings/999").status_code == 404
    assert client.get("/api/video/recordings/999/video.mp4").status_code == 404
    assert client.get("/api/video/recordings/abc").status_code == 404
    assert client.get("/api/video/recordings?sortie=-1").status_code == 400


def test_the_video_page_has_a_player_per_drone_and_the_snapshot_button_for_officers(
    app: Flask,
) -> None:
    viewer = app.test_client()
    log_in(viewer, "viewer")
    page = viewer.get("/video").get_data(as_text=True)
    assert f'data-vehicle="{VEHICLE}"' in page
    assert "vendor/node_modules/jmuxer/dist/jmuxer.min.js" in page
    assert "video-snapshot" not in page.split("</figure>")[0].split("<figure")[1]
    officer = app.test_client()
    log_in(officer, "officer")
    assert 'class="video-snapshot"' in officer.get("/video").get_data(as_text=True)


def test_the_openapi_document_lists_the_video_api(app: Flask) -> None:
    paths = app.test_client().get("/api/openapi.json").json["paths"]
    assert "/api/video/streams/{vehicle}/live" in paths
    assert paths["/api/video/streams/{vehicle}/snapshot"]["post"]["x-role"] == "officer"
    assert "/api/video/recordings/{recording_id}/track" in paths


def test_header_layout() -> None:
    assert FRAME_HEADER.size == 12
    assert struct.unpack(">IIB3x", FRAME_HEADER.pack(5, 66667, 1)) == (5, 66667, 1)


def test_a_browser_that_stops_reading_drops_to_the_next_keyframe_and_stalls_nothing(
    app: Flask, centre: CommandCentre
) -> None:
    relay = centre.video
    assert relay is not None
    client = app.test_client()
    log_in(client, "viewer")
    reply = client.get(f"/api/video/streams/{VEHICLE}/live", buffered=False)
    try:
        # In the centre's process the relay's own client drops; through a worker, the worker's
        # (the daemon's stream to the worker is read at once and never falls behind).
        remote = app.extensions[CENTRE_KEY]
        (feed,) = remote.live_feeds if remote is not centre else relay.streams[VEHICLE].live
        frames_before = relay.streams[VEHICLE].frames
        # 15 fps against a 30-frame queue: unread for 2 s, it overflows and drops all 30 waiting
        # (before its first keyframe it drops at most a second of frames, 15)
        wait_for(lambda: feed.counters.dropped >= 30, 10, "the unread client to drop frames")
        assert relay.streams[VEHICLE].frames > frames_before + 30, "the relay kept going"
        if remote is centre:
            stats = client.get("/api/video/streams").json["streams"][0]
            live_sinks = [s for s in stats["sinks"] if s["kind"] == "live"]
            assert live_sinks and live_sinks[0]["dropped"] >= 30
        frames = _messages(reply.response, 3)
        assert frames[0][1] == 1, "after dropping, the client goes on from a keyframe"
        codec = av.CodecContext.create("h264", "r")
        pictures = [p for _, _, data in frames for p in codec.decode(av.Packet(data))]
        assert pictures and pictures[0].width == WIDTH
    finally:
        reply.close()


def test_the_video_page_of_one_sortie_lists_only_its_own(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    page = client.get("/video?sortie=7").get_data(as_text=True)
    assert 'data-sortie="7"' in page
    assert client.get("/api/video/recordings?sortie=7").json["recordings"] == []
    assert 'data-sortie=""' in client.get("/video").get_data(as_text=True)
