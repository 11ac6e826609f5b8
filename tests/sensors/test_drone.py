"""Drone samples from real pymavlink messages and .tlog files into the trajectory cube."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from pymavlink import mavutil

from sensors import quarantine
from sensors.cube_trajectory import DroneSample
from sensors.cubes import open_trajectory_cube
from sensors.drone import ingest_drone, pair_messages

MAV = mavutil.mavlink
T0_US = 1_777_593_600_000_000  # 2026-05-01T00:00:00Z


class _Sink:
    def write(self, data: bytes) -> None:
        pass


def _link() -> MAV.MAVLink:
    return MAV.MAVLink(_Sink(), srcSystem=1, srcComponent=1)


def flight_messages(seconds: int = 20, fix_after_s: int = 3) -> list:
    """Messages a payload drone sends: time, position (no fix at first) and 7 values at 1 Hz."""
    link = _link()
    out = []
    for k in range(seconds):
        boot = 10_000 + 1000 * k
        if k >= 1:
            out.append(link.system_time_encode(T0_US + boot * 1000, boot))
        lat = 0 if k < fix_after_s else int((36.65 + 1e-5 * k) * 1e7)
        lon = 0 if k < fix_after_s else int(116.93 * 1e7)
        out.append(link.global_position_int_encode(boot, lat, lon, 92_000, 60_000, 0, 0, 0, 0))
        for name, value in (
            ("PM2_5", 40.0 + k),
            ("PM10", 70.0),
            ("SO2", 9.0),
            ("NO2", 28.0),
            ("CO", 0.6),
            ("O3", 85.0),
            ("VOC", 40.0),
        ):
            out.append(link.named_value_float_encode(boot + 5, name.encode(), value))
    return out


def test_pairing_uses_latest_position_and_time_and_rejects_the_rest():
    items = list(pair_messages(flight_messages(), "uav-1", "s-1"))
    samples = [s for s in items if isinstance(s, DroneSample)]
    rejected = [r for r in items if not isinstance(r, DroneSample)]
    assert {r.reason for r in rejected} == {"no_time", "no_position"}
    assert sum(r.reason == "no_time" for r in rejected) == 7  # first second: no SYSTEM_TIME
    assert sum(r.reason == "no_position" for r in rejected) == 14  # seconds 1-2: no fix
    assert len(samples) == 17
    s = samples[0]
    assert s.time_ms == T0_US // 1000 + 13_005
    assert s.lat == 36.65 + 3e-5 and s.altitude_m == 60.0
    assert s.values["pm2_5"] == 43.0 and s.values["co"] == np.float32(0.6)


def test_bad_values_and_repeats_are_quarantined():
    link = _link()
    msgs = [
        link.system_time_encode(T0_US, 1000),
        link.global_position_int_encode(1000, 366500000, 1169300000, 0, 50_000, 0, 0, 0, 0),
        link.named_value_float_encode(1005, b"PM2_5", -3.0),
        link.named_value_float_encode(1005, b"SO2", float("nan")),
        link.named_value_float_encode(1005, b"NO2", 30.0),
        link.named_value_float_encode(1005, b"NO2", 31.0),
        link.named_value_float_encode(1005, b"RPM", 3000.0),
    ]
    items = list(pair_messages(msgs, "uav-1", "s-1"))
    reasons = sorted(r.reason for r in items if not isinstance(r, DroneSample))
    assert reasons == ["duplicate", "nan_or_sentinel", "negative"]
    (sample,) = [s for s in items if isinstance(s, DroneSample)]
    assert sample.values == {"no2": 30.0}


def test_tlog_ingest_to_trajectory_cube(tmp_path: Path):
    tlog = tmp_path / "flight.tlog"
    link = _link()
    with tlog.open("wb") as f:  # tlog: 8-byte big-endian µs timestamp before each packet
        for k, m in enumerate(flight_messages()):
            f.write(struct.pack(">Q", T0_US + 1000 * k) + m.pack(link))
    report = ingest_drone(tlog, "uav-1", "sortie-7", tmp_path / "cubes")
    assert report.accepted == 17 and report.reasons == {"no_time": 7, "no_position": 14}
    assert len(quarantine.read(report.quarantine_path)) == 21
    ds = open_trajectory_cube(tmp_path / "cubes")
    assert ds.attrs["featureType"] == "trajectory"
    assert ds.pm2_5.chunks is not None  # lazy
    ds = ds.load()
    assert ds.sizes["obs"] == 17 and list(ds.trajectory_id.values) == ["sortie-7"]
    assert ds.trajectory_id.attrs["cf_role"] == "trajectory_id"
    assert str(ds.time.values[0]).startswith("2026-05-01T00:00:13.005")
    assert ds.pm2_5.attrs["standard_name"] == (
        "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air"
    )
    assert list(ds.pm2_5.values) == [40.0 + k for k in range(3, 20)]
    again = ingest_drone(flight_messages(), "uav-2", "sortie-8", tmp_path / "cubes")
    assert again.accepted == 17
    ds = open_trajectory_cube(tmp_path / "cubes").load()
    assert ds.sizes["obs"] == 34 and list(ds.vehicle_id.values) == ["uav-1", "uav-2"]
    assert set(ds.trajectory_index.values[17:]) == {1}
