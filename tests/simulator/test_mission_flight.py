"""A ground station flies a mission on the simulator over a real TCP socket."""

from __future__ import annotations

import math

import dronekit
import pytest

from simulator import geo
from tests.helpers.sitl import C, Gcs, sitl
from tests.simulator.conftest import square_mission


def test_pymavlink_flies_takeoff_four_waypoints_rtl(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        pos = g.wait_ready()
        home = (pos.lat / 1e7, pos.lon / 1e7)
        items = square_mission(home)
        assert g.upload(items) == C.MAV_MISSION_ACCEPTED
        assert g.set_mode(4) == C.MAV_RESULT_ACCEPTED  # GUIDED
        assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == C.MAV_RESULT_ACCEPTED
        hb = g.recv("HEARTBEAT", lambda m: m.get_srcSystem() == 1 and m.base_mode & 128)
        assert hb.base_mode & C.MAV_MODE_FLAG_SAFETY_ARMED
        assert g.set_mode(3) == C.MAV_RESULT_ACCEPTED  # AUTO
        assert g.command(C.MAV_CMD_MISSION_START) == C.MAV_RESULT_ACCEPTED
        assert g.recv("HEARTBEAT", lambda m: m.custom_mode == 3).custom_mode == 3
        reached: list[int] = []
        max_alt = 0.0
        while len(reached) < 6:
            m = g.recv(["MISSION_ITEM_REACHED", "GLOBAL_POSITION_INT"], timeout=30)
            if m.get_type() == "MISSION_ITEM_REACHED":
                reached.append(m.seq)
            else:
                max_alt = max(max_alt, m.relative_alt / 1000)
        assert reached == [1, 2, 3, 4, 5, 6]
        assert 24.0 < max_alt < 27.0
        g.recv("HEARTBEAT", lambda m: m.get_srcSystem() == 1 and not m.base_mode & 128, timeout=30)
        state = g.recv("EXTENDED_SYS_STATE")
        assert state.landed_state == C.MAV_LANDED_STATE_ON_GROUND
        end = g.recv("GLOBAL_POSITION_INT")
        n, e = geo.offset_m(home[0], home[1], end.lat / 1e7, end.lon / 1e7)
        assert math.hypot(n, e) < 2.0
        assert end.relative_alt < 200  # mm
        assert "Land complete" in g.texts()
        g.close()


def test_dronekit_connects_waits_ready_and_uploads_legacy_items(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        vehicle = dronekit.connect(s.url(), wait_ready=True, timeout=60, heartbeat_timeout=30)
        try:
            assert vehicle.mode.name == "STABILIZE"
            assert vehicle.armed is False
            assert len(vehicle.parameters) > 50
            assert vehicle.parameters["SYSID_THISMAV"] == 1
            assert vehicle.version.autopilot_type == C.MAV_AUTOPILOT_ARDUPILOTMEGA
            cmds = vehicle.commands
            cmds.download()  # as dronekit documents: fetch (and so hold item 0, home) first
            cmds.wait_ready()
            cmds.clear()
            cmds.add(
                dronekit.Command(0, 0, 0, 3, C.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 0, 0, 15)
            )
            cmds.add(
                dronekit.Command(
                    0, 0, 0, 3, C.MAV_CMD_NAV_WAYPOINT, 0, 0, 0, 0, 0, 0, 36.6515, 116.9305, 20
                )
            )
            cmds.upload()
            cmds.download()
            cmds.wait_ready()
            got = [(c.command, round(c.x, 5), round(c.y, 5), c.z) for c in cmds]
            assert got == [(22, 0.0, 0.0, 15.0), (16, 36.6515, 116.9305, 20.0)]
        finally:
            vehicle.close()


@pytest.mark.parametrize("speedup", [20.0])
def test_sim_clock_runs_at_speedup(tmp_path, speedup: float) -> None:
    import time

    with sitl(tmp_path, speedup=speedup) as s:
        g = Gcs(s.url())
        g.request_streams(2)
        first = g.recv("ATTITUDE")
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            last = g.recv("ATTITUDE")
        ratio = (last.time_boot_ms - first.time_boot_ms) / 1000 / (time.monotonic() - t0)
        assert ratio > speedup / 3  # generous: a loaded CI machine still runs far above real time
        g.close()
