"""Commands, message requests and intervals, and the camera."""

from __future__ import annotations

import itertools

from simulator import geo
from tests.helpers.sitl import C, Gcs, sitl
from tests.simulator.flying import take_off, wait_landed_disarmed


def test_message_requests_and_intervals(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        g.wait_ready()
        assert g.command(C.MAV_CMD_REQUEST_MESSAGE, C.MAVLINK_MSG_ID_AUTOPILOT_VERSION) == 0
        v = next(m for m in g.seen if m.get_type() == "AUTOPILOT_VERSION")  # sent before the ACK
        assert v.capabilities & C.MAV_PROTOCOL_CAPABILITY_MISSION_INT
        assert g.command(C.MAV_CMD_SET_MESSAGE_INTERVAL, C.MAVLINK_MSG_ID_VFR_HUD, 200_000) == 0
        assert g.command(C.MAV_CMD_GET_MESSAGE_INTERVAL, C.MAVLINK_MSG_ID_VFR_HUD) == 0
        interval = next(m for m in g.seen if m.get_type() == "MESSAGE_INTERVAL")
        assert interval.interval_us == 200_000
        hud = [g.recv("VFR_HUD") for _ in range(3)]
        assert g.command(C.MAV_CMD_GET_HOME_POSITION) == 0
        home = next(m for m in reversed(g.seen) if m.get_type() == "HOME_POSITION")
        assert abs(home.latitude / 1e7 - 36.6425) < 1e-4
        assert len(hud) == 3
        g.close()


def test_takeoff_refused_when_disarmed_and_guided_goto_and_land(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        g.wait_ready()
        assert g.set_mode(C.COPTER_MODE_GUIDED) == 0
        assert g.command(C.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 10) == C.MAV_RESULT_FAILED
        assert "not armed" in g.recv("STATUSTEXT", lambda m: m.text.startswith("Takeoff")).text
        home = take_off(g, 12)
        assert g.command(C.MAV_CMD_DO_CHANGE_SPEED, 1, 5) == 0
        lat, lon = geo.destination(*home, 40.0, 0.0)
        g.m.mav.command_int_send(
            1,
            1,
            C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            C.MAV_CMD_DO_REPOSITION,
            0,
            0,
            -1,
            0,
            0,
            0,
            int(lat * 1e7),
            int(lon * 1e7),
            12,
        )
        assert g.recv("COMMAND_ACK", lambda m: m.command == C.MAV_CMD_DO_REPOSITION).result == 0
        speeds = []
        arrived = None
        while arrived is None:
            m = g.recv("GLOBAL_POSITION_INT", timeout=30)
            speeds.append((m.vx**2 + m.vy**2) ** 0.5 / 100)
            if geo.offset_m(*home, m.lat / 1e7, m.lon / 1e7)[0] > 39.0:
                arrived = m
        assert max(speeds) <= 5.2
        assert g.command(C.MAV_CMD_NAV_LAND) == 0
        wait_landed_disarmed(g)
        g.close()


def test_camera_capture_commands_and_distance_trigger_in_a_mission(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        pos = g.wait_ready()
        home = (pos.lat / 1e7, pos.lon / 1e7)
        assert g.command(C.MAV_CMD_IMAGE_START_CAPTURE, 0, 1, 3) == 0
        shots = [g.recv("CAMERA_IMAGE_CAPTURED", timeout=10) for _ in range(3)]
        assert [m.image_index for m in shots] == [0, 1, 2]
        assert g.command(C.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1) == 0
        assert g.recv("CAMERA_IMAGE_CAPTURED").image_index == 3
        rel = C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
        end = geo.destination(*home, 100.0, 0.0)
        items = [
            (C.MAV_FRAME_GLOBAL_INT, 16, [0, 0, 0, 0], home[0], home[1], 0.0),
            (rel, C.MAV_CMD_NAV_TAKEOFF, [0, 0, 0, 0], 0, 0, 20.0),
            (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_SET_CAM_TRIGG_DIST, [20, 0, 0, 0], 0, 0, 0.0),
            (rel, C.MAV_CMD_NAV_WAYPOINT, [0, 0, 0, 0], end[0], end[1], 20.0),
            (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_SET_CAM_TRIGG_DIST, [0, 0, 0, 0], 0, 0, 0.0),
            (rel, C.MAV_CMD_NAV_RETURN_TO_LAUNCH, [0, 0, 0, 0], 0, 0, 0.0),
        ]
        assert g.upload(items) == 0
        assert g.set_mode(C.COPTER_MODE_GUIDED) == 0
        assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == 0
        assert g.command(C.MAV_CMD_MISSION_START) == 0
        g.recv("MISSION_ITEM_REACHED", lambda m: m.seq == 3, timeout=40)
        g.recv("MISSION_ITEM_REACHED", lambda m: m.seq == 5, timeout=60)
        caps = [m for m in g.seen if m.get_type() == "CAMERA_IMAGE_CAPTURED" and m.image_index > 3]
        norths = [geo.offset_m(*home, m.lat / 1e7, m.lon / 1e7)[0] for m in caps]
        assert 5 <= len(caps) <= 7  # one at the start of the leg, then every 20 m of 100 m
        assert norths == sorted(norths)
        assert all(abs(b - a - 20) < 2 for a, b in itertools.pairwise(norths))
        g.close()
