"""Garbage on a vehicle's port is skipped and counted; refusals say why."""

from __future__ import annotations

import itertools
import random
import socket

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from tests.helpers.sitl import C, Gcs, sitl
from tests.simulator.flying import take_off


def _frame(seq: int) -> bytes:
    enc = mavlink.MAVLink(None, srcSystem=200, srcComponent=1)
    enc.seq = seq
    return enc.heartbeat_encode(C.MAV_TYPE_GCS, C.MAV_AUTOPILOT_INVALID, 0, 0, 0).pack(enc)


def test_random_bytes_truncated_frames_and_bad_crcs_are_skipped_and_counted(tmp_path) -> None:
    rng = random.Random(7)
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        take_off(g, 15)
        before = g.recv("SYS_STATUS").errors_comm
        junk = socket.create_connection(("127.0.0.1", s.port(0, serial=1)))  # a second port
        bad_crc = 0
        for i in range(50):
            junk.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
            frame = bytearray(_frame(i))
            junk.sendall(bytes(frame[: rng.randrange(1, len(frame) - 1)]))  # truncated
            frame[-1] ^= 0xFF
            junk.sendall(bytes(frame))  # bad CRC
            bad_crc += 1
        # After the garbage, the same connection still gets answers.
        enc = mavlink.MAVLink(None, srcSystem=254, srcComponent=190)
        reply = b""
        for _ in range(20):
            junk.sendall(
                enc.command_long_encode(
                    1,
                    1,
                    C.MAV_CMD_REQUEST_MESSAGE,
                    0,
                    C.MAVLINK_MSG_ID_AUTOPILOT_VERSION,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                ).pack(enc)
            )
            junk.settimeout(0.5)
            try:
                reply += junk.recv(65536)
            except TimeoutError:
                continue
            parser = mavlink.MAVLink(None)
            parser.robust_parsing = True
            if any(m.get_type() == "AUTOPILOT_VERSION" for m in parser.parse_buffer(reply) or []):
                break
        else:
            raise AssertionError("no answer after garbage")
        after = g.recv("SYS_STATUS", lambda m: m.errors_comm > before, timeout=10).errors_comm
        assert after - before >= bad_crc // 2
        hb = g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1)
        assert (
            hb.base_mode & C.MAV_MODE_FLAG_SAFETY_ARMED and hb.custom_mode == C.COPTER_MODE_GUIDED
        )
        assert g.recv("GLOBAL_POSITION_INT").relative_alt > 13_000  # still flying
        junk.close()
        g.close()


def test_arming_in_auto_without_mission_is_refused_with_reason(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        g.wait_ready()
        assert g.set_mode(C.COPTER_MODE_AUTO) == C.MAV_RESULT_ACCEPTED  # allowed while disarmed
        assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == C.MAV_RESULT_FAILED
        text = g.recv("STATUSTEXT", lambda m: m.text.startswith("Arm")).text
        assert "no mission" in text
        assert not g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1).base_mode & 128
        g.close()


def test_guided_before_position_and_arming_without_gps_are_refused(tmp_path) -> None:
    with sitl(tmp_path, speedup=1) as s:
        g = Gcs(s.url())
        assert g.set_mode(C.COPTER_MODE_GUIDED) == C.MAV_RESULT_FAILED
        assert "requires position" in g.recv("STATUSTEXT", lambda m: "Mode change" in m.text).text
        g.set_param("FENCE_ENABLE", 1)  # fence needs GPS even in STABILIZE
        assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == C.MAV_RESULT_FAILED
        assert (
            g.recv("STATUSTEXT", lambda m: m.text.startswith("PreArm")).text
            == "PreArm: GPS 1: Bad fix"
        )
        g.close()


def test_battery_below_arming_voltage_is_refused(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        g.wait_ready()
        g.set_param("BATT_ARM_VOLT", 17.5)
        assert g.set_mode(C.COPTER_MODE_GUIDED) == C.MAV_RESULT_ACCEPTED
        assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == C.MAV_RESULT_FAILED
        assert "minimum arming voltage" in g.recv("STATUSTEXT", lambda m: "PreArm" in m.text).text
        g.close()


def test_unknown_command_is_unsupported(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        assert g.command(31010, 1) == C.MAV_RESULT_UNSUPPORTED
        g.close()


def test_lossy_link_still_transfers_a_mission(tmp_path) -> None:
    from tests.simulator.conftest import HOME, square_mission

    with sitl(tmp_path, speedup=5, extra=["--loss", "20"]) as s:
        g = Gcs(s.url())
        items = square_mission(HOME)
        for _ in range(20):  # a ground station retries; here: whole attempts
            try:
                if g.upload(items, timeout=3) == C.MAV_MISSION_ACCEPTED:
                    break
            except AssertionError:
                continue
        else:
            raise AssertionError("no upload got through 20 % loss")
        # Frames arrive with gaps in their sequence numbers, as over a poor radio.
        got = [m.get_seq() for m in g.seen if m.get_srcSystem() == 1]
        gaps = sum(1 for a, b in itertools.pairwise(got) if (b - a) % 256 != 1)
        assert gaps > len(got) * 0.05
        g.close()


def test_signed_link_rejects_unsigned_frames(tmp_path) -> None:
    key = bytes(range(32))
    with sitl(tmp_path, speedup=5, extra=["--signing-key", key.hex()]) as s:
        plain = Gcs(s.url())
        plain.m.mav.command_long_send(
            1, 1, C.MAV_CMD_REQUEST_MESSAGE, 0, C.MAVLINK_MSG_ID_AUTOPILOT_VERSION, 0, 0, 0, 0, 0, 0
        )
        try:
            plain.recv("COMMAND_ACK", timeout=2)
            raise RuntimeError("unsigned command was answered")
        except AssertionError:
            pass
        plain.close()
        signed = Gcs(s.url())
        signed.m.setup_signing(key, sign_outgoing=True)
        assert signed.command(C.MAV_CMD_REQUEST_MESSAGE, C.MAVLINK_MSG_ID_AUTOPILOT_VERSION) == 0
        hb = signed.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1)
        assert hb.get_signed()  # the vehicle signs what it sends, and the key checks out
        signed.close()
