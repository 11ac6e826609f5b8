"""The update path and link-state logic with injected time (no sockets, no sleeps)."""

from __future__ import annotations

from typing import Any

from command.link import LinkState, PayloadSample, SigningKey, VehicleSnapshot
from command.link.codec import ingest, new_codec
from command.link.telemetry import Telemetry


class _Bytes:
    def __init__(self) -> None:
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.buf += data


def _vehicle(sysid: int = 1) -> tuple[Any, _Bytes]:
    out = _Bytes()
    mav = new_codec(writer=out)
    mav.srcSystem, mav.srcComponent = sysid, 1
    return mav, out


def _heartbeat(mav: Any, mode: int = 4, armed: bool = False) -> None:
    mav.heartbeat_send(2, 3, 1 | (128 if armed else 0), mode, 4, 3)


def test_state_connecting_ok_lost_by_time() -> None:
    t = Telemetry("d1")
    t.transport_up = True
    vehicle, out = _vehicle()
    assert t.link_state(0.0) is LinkState.CONNECTING
    _heartbeat(vehicle)
    ingest(new_codec(), t, bytes(out.buf), now=10.0)
    assert t.link_state(10.0) is LinkState.OK
    assert t.link_state(14.9) is LinkState.OK
    assert t.link_state(15.1) is LinkState.LOST
    assert t.publish(15.1).link is LinkState.LOST
    t.transport_up = False
    assert t.link_state(10.5) is LinkState.LOST


def test_snapshot_fields_and_immutability() -> None:
    samples: list[PayloadSample] = []
    t = Telemetry("d1", on_sample=samples.append)
    t.transport_up = True
    v, out = _vehicle(sysid=7)
    _heartbeat(v, mode=4, armed=True)
    v.global_position_int_send(1000, 331234567, 1190000000, 25500, 10250, 300, 400, -50, 9000)
    v.vfr_hud_send(0.0, 5.0, 90, 40, 25.5, 0.5)
    v.sys_status_send(0, 0, 0, 250, 15800, 100, 87, 0, 3, 0, 0, 0, 0)
    v.gps_raw_int_send(0, 3, 0, 0, 0, 70, 110, 0, 0, 14)
    v.mission_current_send(2, 10, 2, 0)
    v.mission_item_reached_send(1)
    v.statustext_send(4, b"PreArm: Need Position Estimate")
    v.named_value_float_send(1000, b"PM2_5", 42.5)
    v.named_value_float_send(1000, b"RPM", 1.0)  # not a payload quantity
    v.home_position_send(331200000, 1190000000, 15000, 0, 0, 0, [1, 0, 0, 0], 0, 0, 0)
    msgs = ingest(new_codec(), t, bytes(out.buf), now=3.0)
    assert len(msgs) == 11
    s = t.snapshot
    assert isinstance(s, VehicleSnapshot)
    assert (s.system_id, s.mode_name, s.mode_number, s.armed) == (7, "GUIDED", 4, True)
    assert abs(s.latitude_deg - 33.1234567) < 1e-9 and abs(s.longitude_deg - 119.0) < 1e-9
    assert (s.altitude_amsl_m, s.altitude_relative_m) == (25.5, 10.25)
    assert (s.groundspeed_mps, s.heading_deg, s.climb_mps) == (5.0, 90.0, 0.5)
    assert (s.battery_voltage_v, s.battery_remaining_pct, s.errors_comm) == (15.8, 87, 3)
    assert (s.gps_fix_type, s.satellites) == (3, 14)
    assert (s.mission_seq, s.mission_total, s.mission_state, s.last_reached_seq) == (2, 10, 2, 1)
    assert (s.status_text, s.status_severity) == ("PreArm: Need Position Estimate", 4)
    assert s.home is not None and s.home.altitude_m == 15.0
    assert s.link is LinkState.OK and s.time_s == 3.0
    assert [(p.quantity, p.value, p.latitude_deg) for p in samples] == [
        ("PM2_5", 42.5, s.latitude_deg)
    ]
    assert len(t.track) == 1
    before = t.snapshot
    ingest(new_codec(), t, b"", now=4.0)
    assert t.snapshot is before  # unchanged → same object; changes replace it


def test_other_system_ignored_after_first_heartbeat() -> None:
    t = Telemetry("d1")
    a, out_a = _vehicle(1)
    b, out_b = _vehicle(2)
    _heartbeat(a, mode=4)
    ingest(new_codec(), t, bytes(out_a.buf), 1.0)
    _heartbeat(b, mode=6)
    ingest(new_codec(), t, bytes(out_b.buf), 2.0)
    assert t.snapshot.mode_name == "GUIDED" and t.snapshot.system_id == 1


def test_signing_key_never_shown() -> None:
    key = SigningKey.from_config("ab" * 32)
    assert "ab" not in repr(key) and "ab" not in str(key)
    assert key.secret == bytes.fromhex("ab" * 32)
