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
