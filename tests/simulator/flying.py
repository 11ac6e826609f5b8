"""Ground-station moves shared by the simulator flight tests."""

from __future__ import annotations

from simulator import geo
from tests.helpers.sitl import C, Gcs

POSITION_ONLY = 0b110111111000
"""SET_POSITION_TARGET type_mask: use the position, ignore velocity, acceleration and yaw."""


def take_off(g: Gcs, alt_m: float = 20.0) -> tuple[float, float]:
    """Wait for a position, GUIDED, arm, take off to alt_m; returns home (lat, lon)."""
    pos = g.wait_ready()
    assert g.set_mode(C.COPTER_MODE_GUIDED) == C.MAV_RESULT_ACCEPTED
    assert g.command(C.MAV_CMD_COMPONENT_ARM_DISARM, 1) == C.MAV_RESULT_ACCEPTED
    assert g.command(C.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, alt_m) == C.MAV_RESULT_ACCEPTED
    g.recv("GLOBAL_POSITION_INT", lambda m: m.relative_alt > (alt_m - 1) * 1000, timeout=30)
    return pos.lat / 1e7, pos.lon / 1e7


def go_to(g: Gcs, home: tuple[float, float], north_m: float, east_m: float, alt_m: float) -> None:
    """GUIDED go-to north/east metres from home at alt_m above home."""
    lat, lon = geo.destination(home[0], home[1], north_m, east_m)
    g.m.mav.set_position_target_global_int_send(
        0,
        g.target,
        1,
        C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        POSITION_ONLY,
        int(lat * 1e7),
        int(lon * 1e7),
        alt_m,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    )


def wait_mode(g: Gcs, mode: int, timeout: float = 30.0) -> None:
    """Until the vehicle's heartbeat shows mode."""
    g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1 and m.custom_mode == mode, timeout)


def wait_landed_disarmed(g: Gcs, timeout: float = 60.0) -> None:
    """Until the heartbeat shows the vehicle disarmed."""
    g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1 and not m.base_mode & 128, timeout)
