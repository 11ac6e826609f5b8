"""Per-sortie telemetry track files: round trip, torn tails after a crash, resuming."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command.storage import TrackFormatError, TrackPoint, TrackWriter, read_track
from command.storage.tracks import HEADER, RECORD

REPO = Path(__file__).resolve().parents[3]


def point(i: int, mode: str = "AUTO") -> TrackPoint:
    return TrackPoint(
        time_utc_s=1_795_000_000.0 + 0.1 * i,
        latitude_deg=30.25 + 1e-6 * i,
        longitude_deg=120.15 - 1e-6 * i,
        altitude_m=50.0 + i,
        groundspeed_mps=8.5,
        battery_pct=100.0 - 0.5 * i,  # float32 keeps it exactly
        mode=mode,
    )


def test_points_come_back_as_numpy_columns(tmp_path: Path) -> None:
    path = tmp_path / "tracks" / "7.track"
    with TrackWriter(path) as writer:
        writer.append(point(0, "GUIDED"))
        writer.extend(point(i) for i in range(1, 5))
        writer.append(point(5, "GUIDED_NOGPS"))
        assert writer.count == 6
    track = read_track(path)
    assert len(track) == 6
    assert path.stat().st_size == HEADER.size + 6 * RECORD.size
    assert track.time_utc_s.dtype == np.float64 and track.altitude_m.dtype == np.float32
    np.testing.assert_array_equal(track.time_utc_s, [point(i).time_utc_s for i in range(6)])
    np.testing.assert_array_equal(track.latitude_deg, [point(i).latitude_deg for i in range(6)])
    assert track.mode.tolist() == ["GUIDED", "AUTO", "AUTO", "AUTO", "AUTO", "GUIDED_NOGPS"]
    assert track.point(3) == point(3)
    assert len(read_track(path, start=4)) == 2
    assert len(read_track(path, start=10)) == 0


def test_a_torn_last_record_is_left_out_and_cut_when_the_writer_resumes(tmp_path: Path) -> None:
    path = tmp_path / "1.track"
    with TrackWriter(path) as writer:
        writer.extend(point(i) for i in range(3))
    with open(path, "ab") as raw:  # a crash half-way through the fourth record
        raw.write(RECORD.pack(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, b"AUTO")[:20])
    assert len(read_track(path)) == 3
    with TrackWriter(path) as writer:
        assert writer.count == 3
        writer.append(point(3))
    track = read_track(path)
    assert len(track) == 4 and track.point(3) == point(3)
    assert path.stat().st_size == HEADER.size + 4 * RECORD.size


def test_a_torn_header_reads_as_empty_and_the_writer_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "2.track"
    with TrackWriter(path):
        pass
    path.write_bytes(path.read_bytes()[:5])
    assert len(read_track(path)) == 0
    with TrackWriter(path) as writer:
        writer.append(point(0))
    assert len(read_track(path)) == 1


def test_a_foreign_file_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "notes.track"
    path.write_bytes(b"hello, this is not a track at all")
    with pytest.raises(TrackFormatError):
        read_track(path)
    with pytest.raises(TrackFormatError):
        TrackWriter(path)
    assert path.read_bytes() == b"hello, this is not a track at all"


def test_a_mode_longer_than_sixteen_bytes_is_refused(tmp_path: Path) -> None:
    with TrackWriter(tmp_path / "3.track") as writer, pytest.raises(ValueError):
        writer.append(point(0, mode="X" * 17))
    assert len(read_track(tmp_path / "3.track")) == 0


WRITER_SCRIPT = """
import sys
from pathlib import Path
from command.storage.tracks import TrackPoint, TrackWriter
writer = TrackWriter(Path(sys.argv[1]))
i = 0
while True:
    writer.append(TrackPoint(float(i), 30.0, 120.0, float(i), 1.0, 50.0, "AUTO"))
    i += 1
"""


def test_a_writer_killed_mid_flight_leaves_every_complete_record(tmp_path: Path) -> None:
    path = tmp_path / "killed.track"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if path.exists() and path.stat().st_size > HEADER.size + 2000 * RECORD.size:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the writer subprocess wrote nothing in 30 s")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    track = read_track(path)
    assert len(track) > 2000
    np.testing.assert_array_equal(track.time_utc_s, np.arange(len(track), dtype=np.float64))
    assert set(track.mode.tolist()) == {"AUTO"}


finite = st.floats(allow_nan=False, allow_infinity=False)
small = st.floats(-1e6, 1e6, width=32)
points = st.builds(
    TrackPoint,
    time_utc_s=finite,
    latitude_deg=st.floats(-90, 90),
    longitude_deg=st.floats(-180, 180),
    altitude_m=small,
    groundspeed_mps=small,
    battery_pct=st.floats(0, 100, width=32) | st.just(float("nan")),
    mode=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=16),
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=st.lists(points, max_size=40), cut=st.integers(0, RECORD.size - 1))
def test_any_points_come_back_and_a_cut_tail_loses_only_the_last(
    tmp_path: Path, generated: list[TrackPoint], cut: int
) -> None:
    path = tmp_path / "hyp.track"
    path.unlink(missing_ok=True)
    with TrackWriter(path) as writer:
        writer.extend(generated)
    track = read_track(path)
    assert [_comparable(track.point(i)) for i in range(len(track))] == [
        _comparable(p) for p in generated
    ]
    if generated and cut:
        os.truncate(path, path.stat().st_size - cut)
        assert len(read_track(path)) == len(generated) - 1


def _comparable(p: TrackPoint) -> tuple[object, ...]:
    """The point's fields, with NaN (battery unknown) as a value equal to itself."""
    return tuple("nan" if isinstance(v, float) and np.isnan(v) else v for v in vars_of(p))


def vars_of(p: TrackPoint) -> tuple[object, ...]:
    return (
        p.time_utc_s,
        p.latitude_deg,
        p.longitude_deg,
        p.altitude_m,
        p.groundspeed_mps,
        p.battery_pct,
        p.mode,
    )
