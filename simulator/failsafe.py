"""ArduCopter's failsafes, checked every step while armed: GCS heartbeat loss (FS_GCS_*),
battery low/critical (BATT_*), and fence breach (FENCE_*), each leading to RTL, LAND or a
disarm on the ground, with the STATUSTEXT ArduPilot sends.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.fence import fence_breach
from simulator.modes import Mode

if TYPE_CHECKING:
    from simulator.vehicle import Copter

SEV_CRITICAL, SEV_INFO = mavlink.MAV_SEVERITY_CRITICAL, mavlink.MAV_SEVERITY_INFO
GCS_ACTIONS = {1: "rtl", 2: "rtl", 3: "rtl", 4: "rtl", 5: "land", 6: "rtl", 7: "land"}
BATTERY_ACTIONS = {1: "land", 2: "rtl", 3: "rtl", 4: "land", 5: "terminate"}
FENCE_ACTIONS = {1: "rtl", 2: "land", 3: "rtl", 4: "land", 5: "rtl"}


def check_failsafes(c: Copter) -> None:
    """Trigger whichever failsafe the vehicle's state calls for."""
    _gcs(c)
    _battery(c)
    _fence(c)


def _gcs(c: Copter) -> None:
    p = c.params
    if not (p["FS_GCS_ENABLE"] and c.last_gcs_heartbeat is not None and not c.failsafe_gcs):
        return
    if c.t - c.last_gcs_heartbeat <= p["FS_GCS_TIMEOUT"]:
        return
    c.failsafe_gcs = True
    c.say(SEV_CRITICAL, "GCS Failsafe")
    action = int(p["FS_GCS_ENABLE"])
    if c.landed:
        c.disarm(reason="GCS failsafe")
    elif not (action == 2 and c.mode == Mode.AUTO):  # 2: carry on with an AUTO mission
        act(c, GCS_ACTIONS.get(action, "rtl"))


def _battery(c: Copter) -> None:
    p, b = c.params, c.battery
    v, used = b.voltage_v, b.consumed_mah
    remaining = b.capacity_mah - used
    low_v = p["BATT_LOW_VOLT"] > 0 and v < p["BATT_LOW_VOLT"]
    crt_v = p["BATT_CRT_VOLT"] > 0 and v < p["BATT_CRT_VOLT"]
    if not (low_v or crt_v):
        c.low_volt_since = None
    elif c.low_volt_since is None:
        c.low_volt_since = c.t
    timed = c.low_volt_since is not None and c.t - c.low_volt_since >= p["BATT_LOW_TIMER"]
    level = 0
    if (crt_v and timed) or (p["BATT_CRT_MAH"] > 0 and remaining < p["BATT_CRT_MAH"]):
        level = 2
    elif (low_v and timed) or (p["BATT_LOW_MAH"] > 0 and remaining < p["BATT_LOW_MAH"]):
        level = 1
    if level <= c.failsafe_battery:
        return
    c.failsafe_battery = level
    c.say(
        SEV_CRITICAL,
        f"Battery 1 is {'critical' if level == 2 else 'low'} {v:.2f}V used {used:.0f} mAh",
    )
    action = int(p["BATT_FS_CRT_ACT" if level == 2 else "BATT_FS_LOW_ACT"])
    if c.landed:
        c.disarm(reason="battery failsafe")
    elif action:
        act(c, BATTERY_ACTIONS[action])


def _fence(c: Copter) -> None:
    if not c.params["FENCE_ENABLE"] or c.landed or c.home is None:
        return
    breach = breached_fence(c)
    if breach and not c.fence_breached:
        c.fence_breached = breach
        c.say(SEV_CRITICAL, f"Fence Breached: {breach}")
        action = int(c.params["FENCE_ACTION"])
        if action:
            act(c, FENCE_ACTIONS[action])
    elif not breach and c.fence_breached:
        c.fence_breached = None
        c.say(SEV_INFO, "Fence breach cleared")


def breached_fence(c: Copter) -> str | None:
    """Which enabled fence the vehicle is outside of now, or None."""
    p = c.params
    return fence_breach(
        int(p["FENCE_TYPE"]),
        p["FENCE_ALT_MAX"],
        p["FENCE_RADIUS"],
        c.fence_geometry,
        (c.kin.north, c.kin.east),
        c.home_ne,
        c.relative_alt_m,
    )


def act(c: Copter, action: str) -> None:
    """Carry out a failsafe action: 'rtl', 'land' or 'terminate' (disarm in the air)."""
    if action == "terminate":
        c.disarm(force=True, reason="terminate")
        return
    wanted = Mode.RTL if action == "rtl" else Mode.LAND
    if c.mode in (Mode.LAND, wanted):
        return
    at_home = math.dist(c.home_ne, (c.kin.north, c.kin.east)) < 0.5 and c.kin.up < 2
    c.set_mode(Mode.LAND if wanted == Mode.RTL and at_home else wanted, reason="failsafe")
