"""A sortie's recording: an MP4 that plays for as long as the sortie streamed, a WebVTT telemetry
track on the video's clock, and a row in the recordings list with its sortie."""

from __future__ import annotations

import itertools
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from command.events.types import SortieCompleted, SortieStarted, TelemetryUpdated
from command.link.snapshot import VehicleSnapshot
from command.storage import (
    StoredMissionItem,
    open_database,
    open_sortie,
    save_mission,
    sqlite_url,
    upsert_vehicle,
)
from command.video import VideoConfig, VideoRelay
from command.video.records import RecordingStore
from tests.command.video.conftest import CLIP_S
from tests.helpers.video import Replayer, ffprobe, free_udp_port, video_stream, wait_for

CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _sortie(tmp_path: Path) -> tuple[object, int]:
    db = open_database(sqlite_url(tmp_path / "ecopatrol.sqlite"))
    upsert_vehicle(db, name="UAV-1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad")
    now = datetime.now(UTC)
    mission = save_mission(
        db,
        name="riverside",
        home_latitude_deg=36.6425,
        home_longitude_deg=116.9275,
        home_altitude_m=30.0,
        cruise_speed_mps=8.0,
        items=[StoredMissionItem(22, 3, 0.0, 0.0, 0.0, 0.0, 36.6425, 116.9275, 40.0)],
        now=now,
    )
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name="UAV-1", now=now)
    return db, sortie.id


def _telemetry(i: int) -> TelemetryUpdated:
    now = datetime.now(UTC)
    snap = VehicleSnapshot(
        name="UAV-1",
        latitude_deg=36.6425 + i * 1e-5,
        longitude_deg=116.9275,
        altitude_relative_m=40.0 + i,
        heading_deg=90.0,
    )
    return TelemetryUpdated(time_utc=now, vehicle="UAV-1", snapshot=snap)


def test_a_sortie_recording_plays_for_its_duration_with_its_telemetry_track(
    clip: list[bytes], tmp_path: Path
) -> None:
    db, sortie_id = _sortie(tmp_path)
    port = free_udp_port()
    config = VideoConfig.for_fleet(
        ["UAV-1"], base_port=port, recordings_dir=tmp_path / "recordings", telemetry_every_s=0.0
    )
    relay = VideoRelay(config, recordings=RecordingStore(db))
    relay.start()
    try:
        relay.handle(
            SortieStarted(time_utc=datetime.now(UTC), sortie_id=sortie_id, vehicle="UAV-1")
        )
        sender = Replayer(clip, port, loops=2).start()
        for i in range(int(2 * CLIP_S * 4)):  # telemetry at 4 Hz while it streams
            relay.handle(_telemetry(i))
            time.sleep(0.25)
        sender.wait()
        wait_for(lambda: relay.stats()[0].frames >= 2 * 60, 5, "every frame in")
        relay.handle(
            SortieCompleted(
                time_utc=datetime.now(UTC),
                sortie_id=sortie_id,
                vehicle="UAV-1",
                distance_m=100.0,
                battery_used_pct=10.0,
            )
        )
    finally:
        relay.close()
    [row] = RecordingStore(db).list(sortie_id=sortie_id)
    assert row.vehicle == "UAV-1" and row.path.parent == tmp_path / "recordings" / "UAV-1"
    info = ffprobe(row.path, "-count_frames")
    video = video_stream(info)
    assert video["codec_name"] == "h264" and (video["width"], video["height"]) == (640, 360)
    assert int(video["nb_read_frames"]) == 2 * 60  # the whole sortie, every frame decoded
    duration = float(info["format"]["duration"])
    assert abs(duration - 2 * CLIP_S) < 0.1
    assert abs(row.duration_s - duration) < 0.1
    assert row.size_bytes == row.path.stat().st_size and row.frames == 120
    assert row.end_utc - row.start_utc == timedelta(seconds=row.duration_s)
    text = row.telemetry_path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    cues = [_cue(block) for block in text.split("\n\n")[1:] if block.strip()]
    assert len(cues) >= 2 * CLIP_S * 4 - 2
    starts = [c[0] for c in cues]
    assert starts == sorted(starts) and starts[0] < 0.5
    assert cues[-1][1] <= duration + 0.01
    for (start, end, _), (nxt, _, _) in itertools.pairwise(cues):
        assert end == nxt and end > start  # each sample holds until the next
    last = cues[-1][2]
    assert last["alt_m"] > 40 and last["lon"] == 116.9275 and last["time_utc"].endswith("Z")
    # the subtitle track is read by FFmpeg as WebVTT, as a player would
    track = ffprobe(row.telemetry_path)
    assert track["streams"][0]["codec_name"] == "webvtt"
    db.close()


def test_a_recording_with_no_video_is_not_listed(tmp_path: Path) -> None:
    db, sortie_id = _sortie(tmp_path)
    config = VideoConfig.for_fleet(
        ["UAV-1"], base_port=free_udp_port(), recordings_dir=tmp_path / "rec"
    )
    relay = VideoRelay(config, recordings=RecordingStore(db))
    relay.start()
    try:
        path = relay.start_recording("UAV-1", sortie_id)
        info = relay.stop_recording("UAV-1")
    finally:
        relay.close()
    assert info is not None and info.frames == 0
    assert not path.exists() and not path.with_suffix(".vtt").exists()
    assert RecordingStore(db).list() == []
    db.close()


def _cue(block: str) -> tuple[float, float, dict[str, object]]:
    lines = block.strip().splitlines()
    m = CUE.match(lines[1])
    assert m, lines
    g = m.groups()
    return _seconds(*g[:4]), _seconds(*g[4:]), json.loads(lines[2])
