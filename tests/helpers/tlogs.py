"""Telemetry logs written with pymavlink, as ground stations record them (.tlog)."""

from __future__ import annotations

import struct
from pathlib import Path

from pymavlink import mavutil

MAV = mavutil.mavlink
T0_US = 1_777_593_600_000_000  # 2026-05-01T00:00:00Z
PAYLOAD = (
    ("PM2_5", 40.0),
    ("PM10", 70.0),
    ("SO2", 9.0),
    ("NO2", 28.0),
    ("CO", 0.6),
    ("O3", 85.0),
    ("VOC", 40.0),
)


class _Sink:
    def write(self, data: bytes) -> None:
        pass


def link(system_id: int = 1, component_id: int = 1) -> MAV.MAVLink:
    """An encoder speaking as one vehicle."""
    return MAV.MAVLink(_Sink(), srcSystem=system_id, srcComponent=component_id)


def flight_messages(
    seconds: int = 20,
    fix_after_s: int = 3,
    system_id: int = 1,
    lat0: float = 36.65,
    extra_names: tuple[str, ...] = (),
) -> list[tuple[MAV.MAVLink_message, MAV.MAVLink]]:
    """What a payload drone sends at 1 Hz: time, position (no fix at first) and 7 readings."""
    enc = link(system_id)
    out = []
    for k in range(seconds):
        boot = 10_000 + 1000 * k
        if k >= 1:
            out.append(enc.system_time_encode(T0_US + boot * 1000, boot))
        lat = 0 if k < fix_after_s else int((lat0 + 1e-5 * k) * 1e7)
        lon = 0 if k < fix_after_s else int(116.93 * 1e7)
        out.append(enc.global_position_int_encode(boot, lat, lon, 92_000, 60_000, 0, 0, 0, 0))
        for name, value in PAYLOAD:
            out.append(
                enc.named_value_float_encode(
                    boot + 5, name.encode(), value + (k if name == "PM2_5" else 0)
                )
            )
        for name in extra_names:
            out.append(enc.named_value_float_encode(boot + 5, name.encode(), 1.0))
    return [(m, enc) for m in out]


def write_tlog(path: Path, messages: list[tuple[MAV.MAVLink_message, MAV.MAVLink]]) -> Path:
    """A .tlog: each packet after its 8-byte big-endian µs timestamp."""
    with path.open("wb") as f:
        for k, (m, enc) in enumerate(messages):
            f.write(struct.pack(">Q", T0_US + 1000 * k) + m.pack(enc))
    return path


def received(messages: list[tuple[MAV.MAVLink_message, MAV.MAVLink]]) -> list:
    """The messages as a ground station parses them off the wire (with their system ids)."""
    parser = MAV.MAVLink(_Sink())
    out = []
    for m, enc in messages:
        out.extend(parser.parse_buffer(m.pack(enc)) or [])
    return out


def interleave(*streams: list) -> list:
    """Messages of several vehicles as one log receives them, alternating."""
    out = []
    for group in zip(*streams, strict=False):
        out.extend(group)
    for s in streams:
        out.extend(s[min(len(x) for x in streams) :])
    return out
