"""Telemetry and commands against the real simulator over TCP."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from command.link import (
    CommandRefused,
    Fleet,
    LinkState,
    PayloadSample,
)
from tests.helpers.sitl import sitl


def test_guided_takeoff_is_tracked_in_snapshots(
    fleet: Fleet, samples: queue.Queue[PayloadSample]
) -> None:
    snap = fleet.set_mode("d1", "GUIDED")
    assert (snap.mode_name, snap.mode_number) == ("GUIDED", 4)
    snap = fleet.arm("d1")
    assert snap.armed
    assert fleet.wait_for("d1", lambda s: s.home is not None, 10) is not None
    fleet.takeoff("d1", 15.0)
    high = fleet.wait_for("d1", lambda s: (s.altitude_relative_m or 0) > 12.0, 20)
    assert high is not None, fleet.snapshot("d1")
    assert high.link is LinkState.OK and high.system_id == 1
    assert high.gps_fix_type >= 3 and high.satellites > 0
    assert high.battery_voltage_v and high.battery_voltage_v > 10
    assert high.battery_remaining_pct is not None
    assert high.home is not None
    expected_amsl = high.home.altitude_m + high.altitude_relative_m
    assert high.altitude_amsl_m == pytest.approx(expected_amsl, abs=1.5)
    assert "Takeoff" in " ".join(t.text for t in fleet.link("d1").telemetry.texts)
    track = fleet.track("d1")
    assert len(track) > 3 and track[-1].altitude_relative_m > track[0].altitude_relative_m
    sample = samples.get(timeout=5)
    while sample.latitude_deg is None:  # the first ones come before the position estimate
        sample = samples.get(timeout=5)
    assert sample.vehicle == "d1" and sample.system_id == 1
    assert sample.quantity in {"PM2_5", "PM10", "SO2", "NO2", "CO", "O3", "VOC"}
    assert sample.value >= 0 and sample.altitude_amsl_m is not None
    # go-to, speed, pause, then RTL read back from the heartbeat
    lat, lon = high.latitude_deg + 0.0015, high.longitude_deg  # about 170 m north
    fleet.change_speed("d1", 6.0)
    fleet.go_to("d1", lat, lon, 20.0)
    speeds: list[float] = []

    def arrived(s) -> bool:
        speeds.append(s.groundspeed_mps or 0.0)
        return abs(s.latitude_deg - lat) < 0.00003

    assert fleet.wait_for("d1", arrived, 30) is not None
    assert 5.0 < max(speeds) <= 6.3  # flown at the commanded 6 m/s, not WPNAV_SPEED's 10
    assert fleet.return_to_launch("d1").mode_name == "RTL"


def test_arm_refused_before_position_with_reason(tmp_path: Path) -> None:
    with sitl(tmp_path, speedup=1) as s, Fleet() as fleet:
        fleet.connect("d1", s.url(0))
        assert fleet.wait_for("d1", lambda x: x.link is LinkState.OK, 10) is not None
        fleet.set_mode("d1", "STABILIZE")
        fleet.set_parameter("d1", "FENCE_ENABLE", 1)  # needs GPS even in STABILIZE
        with pytest.raises(CommandRefused) as err:
            fleet.arm("d1")
        assert err.value.command == "arm"
        assert err.value.result == 4  # MAV_RESULT_FAILED
        assert err.value.reason in ("PreArm: GPS 1: Bad fix", "PreArm: Need Position Estimate")
        assert not fleet.snapshot("d1").armed


def test_mode_read_back_and_refusal_reason(fleet: Fleet) -> None:
    assert fleet.set_mode("d1", "LOITER").mode_name == "LOITER"
    assert fleet.snapshot("d1").mode_number == 5
    with pytest.raises(CommandRefused) as err:
        fleet.set_mode("d1", "CIRCLE")  # not supported by this vehicle
    assert "CIRCLE" in err.value.reason
    assert fleet.snapshot("d1").mode_name == "LOITER"


def test_statustext_reaches_snapshot(fleet: Fleet) -> None:
    fleet.set_mode("d1", "LAND")
    with pytest.raises(CommandRefused):
        fleet.arm("d1")
    snap = fleet.wait_for("d1", lambda s: s.status_text == "Arm: Mode not armable", 5)
    assert snap is not None and snap.status_severity == 2  # MAV_SEVERITY_CRITICAL
