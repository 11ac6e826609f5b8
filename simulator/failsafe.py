"""ArduCopter's failsafes, judged every step while armed: GCS heartbeat loss (FS_GCS_*), battery
low/critical (BATT_*), fence breach (FENCE_*).

Pure: `check_failsafes(status, inputs, params)` returns a decision — the new status, the
STATUSTEXTs ArduCopter sends, and the actions to take — which the copter applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum, IntEnum

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.events import StatusText
from simulator.modes import Mode

SEV_CRITICAL, SEV_WARNING, SEV_INFO = (
    mavlink.MAV_SEVERITY_CRITICAL,
    mavlink.MAV_SEVERITY_WARNING,
    mavlink.MAV_SEVERITY_INFO,
)


class FailsafeAction(Enum):
    """What a failsafe makes the vehicle do."""

    RTL = "rtl"
    LAND = "land"
    TERMINATE = "terminate"  # motors off in the air
    DISARM = "disarm"  # on the ground


class BatteryLevel(IntEnum):
    """Battery failsafe level reached (it never goes back down while armed)."""

    OK = 0
    LOW = 1
    CRITICAL = 2


GCS_ACTIONS = {1: FailsafeAction.RTL, 2: FailsafeAction.RTL, 3: FailsafeAction.RTL,
               4: FailsafeAction.RTL, 5: FailsafeAction.LAND, 6: FailsafeAction.RTL,
               7: FailsafeAction.LAND}  # fmt: skip
BATTERY_ACTIONS = {1: FailsafeAction.LAND, 2: FailsafeAction.RTL, 3: FailsafeAction.RTL,
                   4: FailsafeAction.LAND, 5: FailsafeAction.TERMINATE}  # fmt: skip
FENCE_ACTIONS = {1: FailsafeAction.RTL, 2: FailsafeAction.LAND, 3: FailsafeAction.RTL,
                 4: FailsafeAction.LAND, 5: FailsafeAction.RTL}  # fmt: skip
GCS_CONTINUE_AUTO = 2
"""FS_GCS_ENABLE value that lets an AUTO mission carry on."""


@dataclass(frozen=True)
class FailsafeStatus:
    """Which failsafes are on, and the low-voltage timer's start (boot seconds)."""

    gcs: bool = False
    battery: BatteryLevel = BatteryLevel.OK
    low_volt_since_s: float | None = None
    fence_breach: str | None = None  # the fence the vehicle is outside of

    @property
    def any(self) -> bool:
        """Whether any failsafe is on (the heartbeat then reports CRITICAL)."""
        return self.gcs or self.battery is not BatteryLevel.OK or self.fence_breach is not None


@dataclass(frozen=True)
class FailsafeInputs:
    """What the checks read about the vehicle at boot time t_s."""

    t_s: float
    landed: bool
    mode: Mode
    voltage_v: float
    consumed_mah: float
    capacity_mah: float
    last_gcs_heartbeat_s: float | None
    fence_breach: str | None  # the enabled fence the vehicle is outside of now
    home_set: bool


@dataclass(frozen=True)
class FailsafeDecision:
    """The checks' verdict: the new status, texts to send, actions in order."""

    status: FailsafeStatus
    texts: tuple[StatusText, ...] = ()
    actions: tuple[FailsafeAction, ...] = ()


def check_failsafes(
    status: FailsafeStatus, v: FailsafeInputs, params: Mapping[str, float]
) -> FailsafeDecision:
    """Judge every failsafe once; the actions come in the order ArduCopter checks them."""
    texts: list[StatusText] = []
    actions: list[FailsafeAction] = []
    status = _gcs(status, v, params, texts, actions)
    status = _battery(status, v, params, texts, actions)
    status = _fence(status, v, params, texts, actions)
    return FailsafeDecision(status, tuple(texts), tuple(actions))


def _gcs(
    s: FailsafeStatus, v: FailsafeInputs, p: Mapping[str, float], texts: list, actions: list
) -> FailsafeStatus:
    enable = int(p["FS_GCS_ENABLE"])
    if not enable or v.last_gcs_heartbeat_s is None or s.gcs:
        return s
    if v.t_s - v.last_gcs_heartbeat_s <= p["FS_GCS_TIMEOUT"]:
        return s
    if v.landed:
        texts.append(StatusText(SEV_WARNING, "GCS Failsafe - Disarming"))
        actions.append(FailsafeAction.DISARM)
    elif enable == GCS_CONTINUE_AUTO and v.mode is Mode.AUTO:
        texts.append(StatusText(SEV_WARNING, "GCS Failsafe - Continuing Auto Mode"))
    else:
        texts.append(StatusText(SEV_WARNING, "GCS Failsafe"))
        actions.append(GCS_ACTIONS.get(enable, FailsafeAction.RTL))
    return replace(s, gcs=True)


def gcs_heartbeat(s: FailsafeStatus) -> tuple[FailsafeStatus, tuple[StatusText, ...]]:
    """A GCS heartbeat arrived: the GCS failsafe clears (the mode stays as it is)."""
    if not s.gcs:
        return s, ()
    return replace(s, gcs=False), (StatusText(SEV_INFO, "GCS Failsafe Cleared"),)


def _battery(
    s: FailsafeStatus, v: FailsafeInputs, p: Mapping[str, float], texts: list, actions: list
) -> FailsafeStatus:
    remaining = v.capacity_mah - v.consumed_mah
    low_v = p["BATT_LOW_VOLT"] > 0 and v.voltage_v < p["BATT_LOW_VOLT"]
    crt_v = p["BATT_CRT_VOLT"] > 0 and v.voltage_v < p["BATT_CRT_VOLT"]
    since = (
        None
        if not (low_v or crt_v)
        else (s.low_volt_since_s if s.low_volt_since_s is not None else v.t_s)
    )
    timed = since is not None and v.t_s - since >= p["BATT_LOW_TIMER"]
    level = BatteryLevel.OK
    if (crt_v and timed) or (p["BATT_CRT_MAH"] > 0 and remaining < p["BATT_CRT_MAH"]):
        level = BatteryLevel.CRITICAL
    elif (low_v and timed) or (p["BATT_LOW_MAH"] > 0 and remaining < p["BATT_LOW_MAH"]):
        level = BatteryLevel.LOW
    s = replace(s, low_volt_since_s=since)
    if level <= s.battery:
        return s
    word = "critical" if level is BatteryLevel.CRITICAL else "low"
    texts.append(
        StatusText(
            SEV_CRITICAL, f"Battery 1 is {word} {v.voltage_v:.2f}V used {v.consumed_mah:.0f} mAh"
        )
    )
    act = int(p["BATT_FS_CRT_ACT" if level is BatteryLevel.CRITICAL else "BATT_FS_LOW_ACT"])
    if v.landed:
        texts.append(StatusText(SEV_WARNING, "Battery Failsafe - Disarming"))
        actions.append(FailsafeAction.DISARM)
    elif act:
        texts.append(StatusText(SEV_WARNING, "Battery Failsafe"))
        actions.append(BATTERY_ACTIONS[act])
    return replace(s, battery=level)


def _fence(
    s: FailsafeStatus, v: FailsafeInputs, p: Mapping[str, float], texts: list, actions: list
) -> FailsafeStatus:
    if not p["FENCE_ENABLE"] or v.landed or not v.home_set:
        return s
    breach = v.fence_breach
    if breach and not s.fence_breach:
        texts.append(StatusText(SEV_CRITICAL, f"Fence Breached: {breach}"))
        act = int(p["FENCE_ACTION"])
        if act:
            actions.append(FENCE_ACTIONS[act])
        return replace(s, fence_breach=breach)
    if not breach and s.fence_breach:
        texts.append(StatusText(SEV_INFO, "Fence breach cleared"))
        return replace(s, fence_breach=None)
    return s
