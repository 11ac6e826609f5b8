"""Does the list read back from the vehicle hold the mission we uploaded? Compared as ArduPilot
keeps it: command ids; for commands with a position, the position (±1 degE7), the altitude frame
(absolute, above home, above terrain — *_INT frames are their plain twins) and the altitude to
the centimetre ArduPilot stores; and the parameters ArduCopter uses, each as its storage keeps
it (whole numbers truncated, floats as float32).

What ArduPilot does not keep is not compared: frame and x/y/z of commands without a position
(they read back as frame 0 and zeros), parameters the copter ignores (plane-only fields, loiter
directions), autocontinue (always 1). A command this table does not know is compared in full,
so a vehicle that changed it is caught rather than passed. Mission item 0 is the vehicle's home.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from enum import Enum

from command.link.mission_wire import FENCE, MISSION, RALLY, WireItem


class Use(Enum):
    """How ArduCopter keeps a parameter it uses."""

    WHOLE = "whole"  # an integer field: the value truncated toward zero
    FLOAT = "float"  # a float field
    RADIUS = "radius"  # NAV_LOITER_TURNS radius: whole metres to 255, then tens of metres
    CENTIMETRES = "cm"  # NAV_PAYLOAD_PLACE descent: whole centimetres


W, F = Use.WHOLE, Use.FLOAT
Uses = tuple[Use | None, Use | None, Use | None, Use | None]


@dataclass(frozen=True)
class Kept:
    """Which parameters (1-4) a command uses and how they are kept; whether it has a position;
    whether x/y (and z) are plain numbers that are kept."""

    params: Uses = (None, None, None, None)
    position: bool = False
    plain_xy: bool = False
    plain_z: bool = False


def _k(*uses: Use | None, position: bool = False) -> Kept:
    padded = (*uses, None, None, None, None)[:4]
    return Kept((padded[0], padded[1], padded[2], padded[3]), position)


KEPT: dict[int, Kept] = {
    16: _k(W, position=True),  # NAV_WAYPOINT: hold time (s)
    17: _k(position=True),  # NAV_LOITER_UNLIM
    18: _k(W, None, Use.RADIUS, position=True),  # NAV_LOITER_TURNS: turns, radius (sign: ccw)
    19: _k(W, position=True),  # NAV_LOITER_TIME: seconds
    20: _k(),  # NAV_RETURN_TO_LAUNCH
    21: _k(position=True),  # NAV_LAND
    22: _k(position=True),  # NAV_TAKEOFF
    30: _k(W, position=True),  # NAV_CONTINUE_AND_CHANGE_ALT
    31: _k(None, W, position=True),  # NAV_LOITER_TO_ALT: radius
    82: _k(W, position=True),  # NAV_SPLINE_WAYPOINT: hold time
    84: _k(position=True),  # NAV_VTOL_TAKEOFF
    85: _k(W, position=True),  # NAV_VTOL_LAND: options
    92: _k(W, position=True),  # NAV_GUIDED_ENABLE
    93: _k(F, W, W, W),  # NAV_DELAY: seconds, hour, minute, second (UTC)
    94: _k(Use.CENTIMETRES, position=True),  # NAV_PAYLOAD_PLACE: maximum descent
    112: _k(F),  # CONDITION_DELAY
    114: _k(F),  # CONDITION_DISTANCE
    115: _k(F, F, W, W),  # CONDITION_YAW
    176: _k(W),  # DO_SET_MODE
    177: _k(W, W),  # DO_JUMP: target, repeats
    178: _k(W, F, F),  # DO_CHANGE_SPEED: type, speed, throttle
    179: _k(W, position=True),  # DO_SET_HOME
    181: _k(W, W),  # DO_SET_RELAY
    182: _k(W, W, F),  # DO_REPEAT_RELAY
    183: _k(W, W),  # DO_SET_SERVO
    184: _k(W, W, W, F),  # DO_REPEAT_SERVO
    189: _k(position=True),  # DO_LAND_START
    191: _k(position=True),  # DO_GO_AROUND
    193: _k(W),  # DO_PAUSE_CONTINUE
    201: _k(W, position=True),  # DO_SET_ROI
    202: Kept((W, W, W, W), plain_xy=True, plain_z=True),  # DO_DIGICAM_CONFIGURE
    203: Kept((W, W, W, W), plain_xy=True),  # DO_DIGICAM_CONTROL
    205: _k(F, F, F),  # DO_MOUNT_CONTROL
    206: _k(F, None, W),  # DO_SET_CAM_TRIGG_DIST: distance, trigger now
    207: _k(W),  # DO_FENCE_ENABLE
    208: _k(W),  # DO_PARACHUTE
    211: _k(W, W),  # DO_GRIPPER
    216: _k(W),  # DO_SPRAYER
    218: _k(W, W),  # DO_AUX_FUNCTION
    222: _k(W, F, F, F),  # DO_GUIDED_LIMITS
    2000: _k(W, F, W, W),  # IMAGE_START_CAPTURE: camera, interval, total, first number
    2001: _k(W),  # IMAGE_STOP_CAPTURE
    42600: _k(W, W, F, F),  # DO_WINCH
}
"""Mission commands ArduCopter stores, with what it keeps of each."""

FRAME_FAMILY = {0: "absolute", 2: "absolute", 5: "absolute", 3: "relative", 6: "relative",
                10: "terrain", 11: "terrain"}  # fmt: skip
"""Altitude reference of a MAV_FRAME (MISSION is taken as absolute, as ArduPilot does)."""
CM_M = 0.01 + 1e-5
"""Altitudes agree when they differ by less than the centimetre ArduPilot truncates to."""
_F32_REL = 1e-6


def _f32(value: float) -> float:
    if math.isfinite(value) and abs(value) > 3.4028234663852886e38:
        return math.copysign(math.inf, value)
    return struct.unpack("<f", struct.pack("<f", value))[0]


def _same_float(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    fa, fb = _f32(a), _f32(b)
    return fa == fb or abs(fa - fb) <= _F32_REL * max(1.0, abs(fa))


def _whole(value: float) -> float:
    return float(math.trunc(value)) if math.isfinite(value) else value


def kept_value(use: Use, sent: float) -> float:
    """What ArduPilot reads back for a parameter sent as sent."""
    if use is Use.WHOLE:
        return _whole(sent)
    if use is Use.RADIUS:
        size = abs(sent)
        kept = _whole(size) if size <= 255 else _whole(min(255.0, size * 0.1)) * 10.0
        return -kept if sent < 0 else kept
    if use is Use.CENTIMETRES:
        return _whole(_f32(sent * 100.0)) / 100.0
    return sent


def first_difference(sent: list[WireItem], got: list[WireItem], mission_type: int) -> str | None:
    """Why the read-back list differs from the uploaded one (None = it holds our list)."""
    if len(sent) != len(got):
        return f"count {len(got)} read back, {len(sent)} uploaded"
    for a, b in zip(sent, got, strict=True):
        if mission_type == MISSION and a.seq == 0:
            continue
        if a.command != b.command:
            return f"item {a.seq}: command {b.command}, uploaded {a.command}"
        why = (
            _mission_difference(a, b)
            if mission_type == MISSION
            else _fence_rally_difference(a, b, mission_type)
        )
        if why is not None:
            return f"item {a.seq}: {why}"
    return None


def _mission_difference(a: WireItem, b: WireItem) -> str | None:
    kept = KEPT.get(a.command)
    if kept is None:  # a command we cannot judge: everything must come back as sent
        kept = Kept((F, F, F, F), position=True)
    for i, use in enumerate(kept.params, start=1):
        if use is None:
            continue
        field = f"param{i}"
        want, have = kept_value(use, getattr(a, field)), getattr(b, field)
        if not _same_float(want, have):
            return f"{field} {have!r}, uploaded {getattr(a, field)!r} (kept as {want!r})"
    if kept.position:
        return _position_difference(a, b)
    if kept.plain_xy and (_whole(a.x) != b.x or _whole(a.y) != b.y):
        return f"x/y ({b.x}, {b.y}), uploaded ({a.x}, {a.y})"
    if kept.plain_z and not _same_float(a.z, b.z):
        return f"z {b.z!r}, uploaded {a.z!r}"
    return None


def _position_difference(a: WireItem, b: WireItem) -> str | None:
    if FRAME_FAMILY.get(a.frame, a.frame) != FRAME_FAMILY.get(b.frame, b.frame):
        return f"frame {b.frame}, uploaded {a.frame}"
    if abs(a.x - b.x) > 1 or abs(a.y - b.y) > 1:
        return f"position ({b.x}, {b.y}), uploaded ({a.x}, {a.y})"
    if not abs(a.z - b.z) < CM_M + _F32_REL * abs(a.z):
        return f"altitude {b.z!r}, uploaded {a.z!r}"
    return None


def _fence_rally_difference(a: WireItem, b: WireItem, mission_type: int) -> str | None:
    if abs(a.x - b.x) > 1 or abs(a.y - b.y) > 1:
        return f"position ({b.x}, {b.y}), uploaded ({a.x}, {a.y})"
    if mission_type == FENCE and not abs(a.param1 - b.param1) < 1.0:
        return f"param1 {b.param1!r}, uploaded {a.param1!r}"  # vertex count or radius (m)
    if mission_type == RALLY:
        if FRAME_FAMILY.get(a.frame, a.frame) != FRAME_FAMILY.get(b.frame, b.frame):
            return f"frame {b.frame}, uploaded {a.frame}"
        if not abs(a.z - b.z) < 1.0:  # rally altitudes are kept in whole metres
            return f"altitude {b.z!r}, uploaded {a.z!r}"
    return None


def difference_seq(message: str) -> int | None:
    """The item number a first_difference() message names, if any."""
    if message.startswith("item "):
        return int(message[5:].split(":", 1)[0])
    return None
