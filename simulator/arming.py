"""ArduCopter's pre-arm and arm checks, worded as ArduCopter words its refusals."""

from __future__ import annotations

from typing import Protocol

from simulator.failsafe import BatteryLevel, FailsafeStatus
from simulator.flight import Battery
from simulator.mission import MissionStore
from simulator.modes import ARMABLE, REQUIRES_POSITION, Mode
from simulator.params import ParamStore

AUTO_OPTIONS_ALLOW_ARMING = 1
"""AUTO_OPTIONS bit 0: arming in AUTO is allowed."""


class ArmingView(Protocol):
    """What the checks read of the vehicle (nothing is changed)."""

    params: ParamStore
    mode: Mode
    missions: MissionStore
    battery: Battery
    failsafe: FailsafeStatus

    @property
    def gps_fix(self) -> bool: ...

    @property
    def position_ok(self) -> bool: ...

    def fence_breach_now(self) -> str | None: ...


def prearm_failure(v: ArmingView) -> str | None:
    """The first failing pre-arm/arm check, or None when the vehicle may arm."""
    p = v.params
    if not p["ARMING_CHECK"]:
        return None
    if v.mode is Mode.AUTO and not v.missions.has_nav():
        return "Arm: AUTO mode: no mission loaded"
    allowed_in_auto = v.mode is Mode.AUTO and int(p["AUTO_OPTIONS"]) & AUTO_OPTIONS_ALLOW_ARMING
    if v.mode not in ARMABLE and not allowed_in_auto:
        return "Arm: Mode not armable"
    needs_gps = v.mode in REQUIRES_POSITION or p["FENCE_ENABLE"]
    if needs_gps and not v.gps_fix:
        return "PreArm: GPS 1: Bad fix"
    if needs_gps and not v.position_ok:
        return "PreArm: Need Position Estimate"
    if v.failsafe.battery is not BatteryLevel.OK:
        return "PreArm: Battery 1 low voltage failsafe"
    b = v.battery
    arm_volt = p["BATT_ARM_VOLT"]
    if arm_volt > 0 and b.voltage_v < arm_volt:
        return f"PreArm: Battery 1 below minimum arming voltage ({b.voltage_v:.2f}V)"
    arm_mah = p["BATT_ARM_MAH"]
    remaining_mah = b.capacity_mah - b.consumed_mah
    if arm_mah > 0 and remaining_mah < arm_mah:
        return f"PreArm: Battery 1 below minimum arming capacity ({remaining_mah:.0f}mAh)"
    if p["FENCE_ENABLE"] and v.fence_breach_now() is not None:
        return "PreArm: Fence: vehicle outside fence"
    return None
