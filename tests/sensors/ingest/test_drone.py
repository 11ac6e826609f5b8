"""Drone samples into the trajectory cube: values checked, counts in values."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sensors.cubes import open_trajectory_cube
from sensors.cubes.trajectory import DroneSample
from sensors.ingest import Reason, Rejected, ingest_drone, quarantine

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
T0 = 1_777_593_600_000


def _sample(k: int, **values: float) -> DroneSample:
    return DroneSample("uav-1", "s-1", T0 + 1000 * k, 36.65, 116.93, 60.0, values)


def test_bad_values_are_quarantined_and_the_rest_of_the_sample_kept(tmp_path: Path):
    items = [
        _sample(0, pm2_5=-3.0, so2=float("nan"), no2=30.0),
        _sample(1, co=400.0, o3=80.0),
        Rejected(7, "PM10", "70.0", Reason.NO_POSITION, "vehicle uav-1"),
        _sample(2, pm10=-1.0),
    ]
    report = ingest_drone(items, "flight.tlog", tmp_path / "cubes", now=NOW)
    assert report.accepted == 2  # no2 at 0 s, o3 at 1 s
    assert report.reasons == {
        Reason.NEGATIVE: 2,
        Reason.NAN_OR_SENTINEL: 1,
        Reason.OUT_OF_RANGE: 1,
        Reason.NO_POSITION: 1,
    }
    assert report.rows_read == report.accepted + report.quarantined == 7  # all in values
    rows = quarantine.read(report.quarantine_path)
    assert {r["field"] for r in rows} == {"PM2_5", "SO2", "CO", "PM10"}
    assert report.quarantine_path.name == "flight.tlog-20260501T120000000000Z.csv"
    ds = open_trajectory_cube(tmp_path / "cubes").load()
    assert ds.sizes["obs"] == 2  # the all-bad third sample writes no observation
    assert ds.no2.values.tolist()[0] == 30.0 and ds.o3.values.tolist()[1] == 80.0
