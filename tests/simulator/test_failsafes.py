"""ArduCopter's failsafes: GCS heartbeat loss, battery low/critical, fence breach."""

from __future__ import annotations

import math

from simulator import geo
from tests.helpers.sitl import C, Gcs, sitl
from tests.simulator.flying import go_to, take_off, wait_landed_disarmed, wait_mode

RTL, LAND = C.COPTER_MODE_RTL, C.COPTER_MODE_LAND


def _distance_from(home: tuple[float, float], m) -> float:
    n, e = geo.offset_m(home[0], home[1], m.lat / 1e7, m.lon / 1e7)
    return math.hypot(n, e)


def test_gcs_heartbeat_loss_returns_and_lands(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        g.set_param("FS_GCS_ENABLE", 1)
        g.set_param("RTL_LOIT_TIME", 0)
        home = take_off(g)
        go_to(g, home, 60, 0, 20)
        g.recv("GLOBAL_POSITION_INT", lambda m: _distance_from(home, m) > 50, timeout=20)
        g.heartbeats = False
        wait_mode(g, RTL)
        assert "GCS Failsafe" in g.texts()
        wait_landed_disarmed(g)
        assert _distance_from(home, g.recv("GLOBAL_POSITION_INT")) < 2.0
        g.close()


def test_battery_low_then_critical_rtl_then_land(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        g.set_param("BATT_LOW_MAH", 9900)  # 100 mAh of 10000 used → low
        g.set_param("BATT_CRT_MAH", 9800)  # 200 mAh used → critical
        g.set_param("BATT_FS_LOW_ACT", 2)  # RTL
        g.set_param("BATT_FS_CRT_ACT", 1)  # LAND
        g.set_param("RTL_ALT", 4000)  # a long climb, so critical comes during the RTL
        take_off(g)
        wait_mode(g, RTL, timeout=60)
        assert any(t.startswith("Battery 1 is low") for t in g.texts())
        wait_mode(g, LAND, timeout=60)
        assert any(t.startswith("Battery 1 is critical") for t in g.texts())
        wait_landed_disarmed(g)
        status = g.recv("BATTERY_STATUS")
        assert status.current_consumed >= 200
        g.close()


def test_circle_fence_breach_returns_home(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        for name, value in (
            ("FENCE_ENABLE", 1),
            ("FENCE_TYPE", 3),
            ("FENCE_RADIUS", 50),
            ("FENCE_ACTION", 1),
            ("RTL_LOIT_TIME", 0),
        ):
            g.set_param(name, value)
        home = take_off(g)
        go_to(g, home, 0, 120, 20)
        wait_mode(g, RTL)
        assert "Fence Breached: Circle" in g.texts()
        wait_landed_disarmed(g)
        assert _distance_from(home, g.recv("GLOBAL_POSITION_INT")) < 2.0
        g.close()


def test_altitude_fence_breach(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        for name, value in (
            ("FENCE_ENABLE", 1),
            ("FENCE_TYPE", 1),
            ("FENCE_ALT_MAX", 30),
            ("FENCE_ACTION", 2),
        ):
            g.set_param(name, value)
        home = take_off(g, 20)
        go_to(g, home, 0, 0, 45)
        wait_mode(g, LAND)
        assert "Fence Breached: Altitude" in g.texts()
        wait_landed_disarmed(g)
        g.close()


def test_uploaded_polygon_fence_breach_lands(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        pos = g.wait_ready()
        home = (pos.lat / 1e7, pos.lon / 1e7)
        square = [
            geo.destination(*home, n, e) for n, e in [(-40, -40), (-40, 40), (40, 40), (40, -40)]
        ]
        fence = [
            (
                C.MAV_FRAME_GLOBAL,
                C.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
                [4, 0, 0, 0],
                lat,
                lon,
                0.0,
            )
            for lat, lon in square
        ]
        assert g.upload(fence, C.MAV_MISSION_TYPE_FENCE) == C.MAV_MISSION_ACCEPTED
        for name, value in (("FENCE_ENABLE", 1), ("FENCE_TYPE", 4), ("FENCE_ACTION", 2)):
            g.set_param(name, value)
        take_off(g)
        go_to(g, home, 100, 0, 20)
        wait_mode(g, LAND)
        assert "Fence Breached: Polygon" in g.texts()
        wait_landed_disarmed(g)
        d = _distance_from(home, g.recv("GLOBAL_POSITION_INT"))
        assert 38 < d < 60  # landed just past the fence line, where it was breached
        g.close()
