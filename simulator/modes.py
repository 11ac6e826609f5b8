"""ArduCopter flight modes: their numbers, which the simulator flies, which need a position
estimate, and in which arming is allowed."""

from __future__ import annotations

from enum import IntEnum


class Mode(IntEnum):
    """ArduCopter custom flight modes."""

    STABILIZE = 0
    ACRO = 1
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    CIRCLE = 7
    LAND = 9
    DRIFT = 11
    SPORT = 13
    POSHOLD = 16
    BRAKE = 17
    SMART_RTL = 21


SUPPORTED_MODES = frozenset(
    {
        Mode.STABILIZE,
        Mode.ALT_HOLD,
        Mode.AUTO,
        Mode.GUIDED,
        Mode.LOITER,
        Mode.RTL,
        Mode.LAND,
        Mode.POSHOLD,
        Mode.BRAKE,
        Mode.SMART_RTL,
    }
)
REQUIRES_POSITION = frozenset(
    {Mode.AUTO, Mode.GUIDED, Mode.LOITER, Mode.RTL, Mode.POSHOLD, Mode.BRAKE, Mode.SMART_RTL}
)
ARMABLE = frozenset({Mode.STABILIZE, Mode.ALT_HOLD, Mode.GUIDED, Mode.LOITER, Mode.POSHOLD})


def mode_change_refusal(mode: int, position_ok: bool, armed: bool, has_mission: bool) -> str | None:
    """Why ArduCopter would refuse a change to mode now (its STATUSTEXT), or None."""
    try:
        new = Mode(mode)
    except ValueError:
        return f"Mode change failed: unknown mode {mode}"
    if new not in SUPPORTED_MODES:
        return f"Mode change to {new.name} failed: not supported by this vehicle"
    if new in REQUIRES_POSITION and not position_ok:
        return f"Mode change failed: {new.name} requires position"
    if new is Mode.AUTO and armed and not has_mission:
        return "Mode change failed: AUTO: no mission"
    return None
