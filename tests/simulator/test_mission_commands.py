"""Mission items beyond waypoints: loiters, jumps, set-current; and the UDP link."""

from __future__ import annotations

import math

from pymavlink import mavutil

from simulator import geo
from tests.helpers.sitl import C, Gcs, free_base_port, sitl
from tests.simulator.flying import wait_landed_disarmed

REL = C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT


def test_jump_loiter_time_loiter_turns_in_order(tmp_path) -> None:
    with sitl(tmp_path, speedup=20) as s:
        g = Gcs(s.url())
        g.request_streams(4)
        pos = g.wait_ready()
        home = (pos.lat / 1e7, pos.lon / 1e7)
        a = geo.destination(*home, 30, 0)
        b = geo.destination(*home, 30, 30)
        centre = geo.destination(*home, 0, 40)
        items = [
            (C.MAV_FRAME_GLOBAL_INT, 16, [0, 0, 0, 0], *home, 0.0),
            (REL, C.MAV_CMD_NAV_TAKEOFF, [0, 0, 0, 0], 0, 0, 15.0),  # 1
            (REL, C.MAV_CMD_NAV_WAYPOINT, [0, 0, 0, 0], *a, 15.0),  # 2
            (REL, C.MAV_CMD_NAV_WAYPOINT, [0, 0, 0, 0], *b, 15.0),  # 3
            (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_JUMP, [2, 1, 0, 0], 0, 0, 0.0),  # 4: once more
            (REL, C.MAV_CMD_NAV_LOITER_TIME, [20, 0, 0, 0], *b, 15.0),  # 5: 20 s there
            (REL, C.MAV_CMD_NAV_LOITER_TURNS, [1, 0, 15, 0], *centre, 15.0),  # 6: one 15 m turn
            (REL, C.MAV_CMD_NAV_RETURN_TO_LAUNCH, [0, 0, 0, 0], 0, 0, 0.0),  # 7
        ]
        assert g.upload(items) == C.MAV_MISSION_ACCEPTED
        g.m.mav.mission_set_current_send(1, 1, 3)
        assert g.recv("MISSION_CURRENT", lambda m: m.seq == 3).mission_state == (
            C.MISSION_STATE_NOT_STARTED
        )
        g.m.mav.mission_set_current_send(1, 1, 1)
        g.recv("MISSION_CURRENT", lambda m: m.seq == 1)
        assert g.set_mode(C.COPTER_MODE_GUIDED) == 0
        assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == 0
        assert g.command(C.MAV_CMD_MISSION_START) == 0
        reached, times, ring = [], {}, []
        last = pos
        while len(reached) < 8:
            m = g.recv(["MISSION_ITEM_REACHED", "GLOBAL_POSITION_INT"], timeout=60)
            if m.get_type() == "MISSION_ITEM_REACHED":
                reached.append(m.seq)
                times[m.seq] = last.time_boot_ms / 1000
            else:
                last = m
                if reached and reached[-1] == 5:  # flying the turn
                    ring.append(math.dist(geo.offset_m(*centre, m.lat / 1e7, m.lon / 1e7), (0, 0)))
        assert reached == [1, 2, 3, 2, 3, 5, 6, 7]
        assert times[5] - times[3] >= 19.0  # the loiter lasted its 20 s (plus the arrival)
        assert ring and max(abs(r - 15.0) for r in ring[len(ring) // 3 :]) < 2.5
        wait_landed_disarmed(g)
        g.close()


def test_udp_out_link_carries_telemetry_and_commands(tmp_path) -> None:
    port = free_base_port(1)
    listener = mavutil.mavlink_connection(
        f"udpin:127.0.0.1:{port}", source_system=255, source_component=190
    )
    try:
        with sitl(tmp_path, speedup=5, extra=["--udp-out", f"127.0.0.1:{port}"]):
            hb = listener.recv_match(type="HEARTBEAT", blocking=True, timeout=10)
            assert hb is not None and hb.get_srcSystem() == 1
            listener.mav.command_long_send(
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
            )
            ack = None
            for _ in range(200):
                m = listener.recv_match(type="COMMAND_ACK", blocking=True, timeout=0.1)
                if m is not None:
                    ack = m
                    break
            assert ack is not None and ack.result == C.MAV_RESULT_ACCEPTED
    finally:
        listener.close()
