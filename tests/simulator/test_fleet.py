"""Several vehicles at once, and what persists between runs."""

from __future__ import annotations

from tests.helpers.sitl import C, Gcs, sitl


def test_three_vehicles_distinct_sysids_ports_flying_together(tmp_path) -> None:
    with sitl(tmp_path, drones=3, speedup=10) as s:
        assert len({s.port(i) for i in range(3)}) == 3
        gcs = [Gcs(s.url(i), target=i + 1) for i in range(3)]
        for i, g in enumerate(gcs):
            hb = g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1)
            assert hb.get_srcSystem() == i + 1
            assert hb.type == C.MAV_TYPE_QUADROTOR
            assert hb.autopilot == C.MAV_AUTOPILOT_ARDUPILOTMEGA
        for g in gcs:
            g.wait_ready()
            assert g.set_mode(4) == C.MAV_RESULT_ACCEPTED
            assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == C.MAV_RESULT_ACCEPTED
            assert g.command(C.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 15 + 5 * g.target) == 0
        heights = {}
        for g in gcs:
            m = g.recv("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 10_000, timeout=20)
            heights[m.get_srcSystem()] = m.relative_alt
        # All three are in the air at the same moment.
        for g in gcs:
            assert g.recv("GLOBAL_POSITION_INT").relative_alt > 10_000
        assert sorted(heights) == [1, 2, 3]
        for g in gcs:
            g.close()


def test_parameters_persist_between_runs(tmp_path) -> None:
    params = tmp_path / "params"
    with sitl(tmp_path, speedup=5, extra=["--params-dir", str(params)]) as s:
        g = Gcs(s.url())
        assert g.set_param("RTL_ALT", 2500) == 2500
        g.close()
    with sitl(tmp_path, speedup=5, extra=["--params-dir", str(params)]) as s:
        g = Gcs(s.url())
        g.m.mav.param_request_read_send(1, 1, b"RTL_ALT", -1)
        assert g.recv("PARAM_VALUE", lambda m: m.param_id == "RTL_ALT").param_value == 2500
        g.close()
