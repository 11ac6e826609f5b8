"""Snapshots saved by the worker (a real keyframe decoded by PyAV into a JPEG in a real SQLite
list) and the telemetry track read back; bad input is refused naming what and where."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from command.storage import Database, open_database
from command.video.rtp import AccessUnit, Depacketizer, parse_rtp
from command.video.snapshot import SnapshotError
from command.video.snapshots import SnapshotSaver, SnapshotStore
from command.video.track import TrackError, read_track
from tests.helpers.video import wait_for

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite+pysqlite:///{tmp_path / 'snap.sqlite'}")
    yield database
    database.close()


def _first_keyframe(clip: list[bytes]) -> AccessUnit:
    depacketizer = Depacketizer()
    for datagram in clip:
        unit = depacketizer.push(parse_rtp(datagram), datagram, 0.0)
        if unit is not None and unit.keyframe:
            return unit
    raise AssertionError("the clip has no keyframe")


def test_the_worker_saves_a_jpeg_and_lists_it(
    db: Database, tmp_path: Path, clip: list[bytes]
) -> None:
    saver = SnapshotSaver(SnapshotStore(db), tmp_path / "rec")
    token = saver.request("UAV-1", _first_keyframe(clip), None, AT, "web:officer@127.0.0.1")
    wait_for(lambda: SnapshotStore(db).get(token) is not None, 10, "the snapshot listed")
    saver.close()
    snap = SnapshotStore(db).get(token)
    assert snap is not None and snap.path.parent == tmp_path / "rec" / "UAV-1" / "snapshots"
    with Image.open(io.BytesIO(snap.path.read_bytes())) as image:
        assert image.format == "JPEG" and image.size == (640, 360) == (snap.width, snap.height)
    assert [s.token for s in SnapshotStore(db).list(vehicle="UAV-1")] == [token]
    assert token not in saver.pending


def test_a_keyframe_that_does_not_decode_is_logged_and_nothing_listed(
    db: Database, tmp_path: Path
) -> None:
    saver = SnapshotSaver(SnapshotStore(db), tmp_path / "rec")
    garbage = AccessUnit(b"\x00\x00\x00\x01\x65" + b"\xff" * 50, 0, True, 0.0)
    token = saver.request("UAV-1", garbage, None, AT, "web:officer@127.0.0.1")
    saver.close()
    assert "decode" in saver.failures[token] or "picture" in saver.failures[token]
    assert SnapshotStore(db).list() == []
    assert not (tmp_path / "rec" / "UAV-1" / "snapshots").exists() or not any(
        (tmp_path / "rec" / "UAV-1" / "snapshots").iterdir()
    )


def test_a_frame_that_is_not_a_keyframe_is_refused(db: Database, tmp_path: Path) -> None:
    saver = SnapshotSaver(SnapshotStore(db), tmp_path)
    with pytest.raises(SnapshotError, match="keyframe"):
        saver.request("UAV-1", AccessUnit(b"\x00\x00\x01\x41", 0, False, 0.0), None, AT, "x")


def test_the_track_is_read_back_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "t.vtt"
    path.write_text(
        "WEBVTT - EcoPatrol telemetry, vehicle UAV-1, sortie 4\n\n"
        '2\n00:00:00.500 --> 00:00:01.000\n{"lat":36.65,"lon":116.93}\n\n'
        '1\n00:00:00.000 --> 00:00:00.500\n{"lat":36.64,"lon":116.93}\n\n'
    )
    cues = read_track(path)
    assert [(c.start_s, c.end_s, c.data["lat"]) for c in cues] == [
        (0.0, 0.5, 36.64),
        (0.5, 1.0, 36.65),
    ]


def test_a_damaged_track_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.vtt"
    path.write_text("hello\n")
    with pytest.raises(TrackError, match=r"bad\.vtt:1: not a WebVTT"):
        read_track(path)
    path.write_text("WEBVTT\n\n1\n00:00:00.000 --> 00:00:00.500\n{not json\n")
    with pytest.raises(TrackError, match=r"bad\.vtt:5: cue text is not JSON"):
        read_track(path)
    with pytest.raises(TrackError, match="cannot read"):
        read_track(tmp_path / "missing.vtt")
