"""Values the link reads off ArduCopter: GPS fix labels, firmware version, failsafe texts,
mission progress with ArduCopter's item 0 after the end, and 4.6/4.7 parameter names."""

from __future__ import annotations

from typing import Any

import pytest

from command.link import GpsFix, VehicleSnapshot, announces_failsafe, gps_fix_label
from command.link.codec import ingest, new_codec
from command.link.param_names import vehicle_param_name
from command.link.telemetry import Telemetry


class _Bytes:
    def __init__(self) -> None:
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.buf += data


def _feed(send: Any) -> VehicleSnapshot:
    out = _Bytes()
    mav = new_codec(writer=out)
    mav.srcSystem, mav.srcComponent = 1, 1
    mav.heartbeat_send(2, 3, 1, 4, 4, 3)
    send(mav)
    t = Telemetry("d1")
    t.transport_up = True
    ingest(new_codec(), t, bytes(out.buf), now=5.0)
    return t.snapshot


@pytest.mark.parametrize(
    ("fix", "label"), [(6, "RTK fixed"), (5, "RTK float"), (3, "3D fix"), (1, "no fix")]
)
def test_gps_fix_types_have_labels(fix: int, label: str) -> None:
    snap = _feed(lambda m: m.gps_raw_int_send(0, fix, 1, 1, 1, 70, 110, 0, 0, 20))
    assert snap.gps_fix_type == fix and snap.gps_fix_label == label
    assert GpsFix(fix).label == label
    assert gps_fix_label(42) == "fix type 42"


def test_firmware_version_from_autopilot_version() -> None:
    version = (4 << 24) | (7 << 16) | (0 << 8) | 255
    snap = _feed(
        lambda m: m.autopilot_version_send(0, version, 0, 0, 0, [0] * 8, [0] * 8, [0] * 8, 0, 0, 0)
    )
    assert snap.firmware_version == (4, 7, 0)


@pytest.mark.parametrize(
    ("text", "failsafe"),
    [
        ("GCS Failsafe", True),
        ("Radio Failsafe - Continuing Auto Mode", True),
        ("Battery 1 is low 14.10V used 8000 mAh", True),
        ("Fence Breached: Circle", True),
        ("GCS Failsafe Cleared", False),
        ("Mission: 3 WP", False),
        ("Arming motors", False),
    ],
)
def test_failsafe_texts_as_arducopter_words_them(text: str, failsafe: bool) -> None:
    assert announces_failsafe(text) is failsafe
    snap = _feed(lambda m: m.statustext_send(4, text.encode()))
    assert (snap.failsafe_text is not None) is failsafe


def test_mission_progress_reads_the_end_as_done_not_item_zero() -> None:
    done = _feed(lambda m: m.mission_current_send(0, 19, 5, 0))
    assert (done.mission_seq, done.mission_total, done.mission_progress) == (0, 19, (19, 19))
    flying = _feed(lambda m: m.mission_current_send(7, 19, 3, 1))
    assert flying.mission_progress == (7, 19)


@pytest.mark.parametrize(
    ("name", "v46", "v47"),
    [
        ("SYSID_THISMAV", "SYSID_THISMAV", "MAV_SYSID"),
        ("MAV_SYSID", "SYSID_THISMAV", "MAV_SYSID"),
        ("SYSID_MYGCS", "SYSID_MYGCS", "MAV_GCS_SYSID"),
        ("SR0_EXT_STAT", "SR0_EXT_STAT", "MAV1_EXT_STAT"),
        ("MAV2_EXTRA1", "SR1_EXTRA1", "MAV2_EXTRA1"),
        ("RTL_ALT", "RTL_ALT", "RTL_ALT"),
    ],
)
def test_parameter_names_follow_the_firmware(name: str, v46: str, v47: str) -> None:
    assert vehicle_param_name(name, (4, 6, 2)) == v46
    assert vehicle_param_name(name, (4, 7, 0)) == v47
    assert vehicle_param_name(name, None) == name
