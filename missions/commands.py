"""What each MAVLink mission command does to a copter, as ArduCopter reads it, and what a
MISSION_ITEM_INT can carry (uint16 command, uint8 frame, float32 params, int32 x/y, float32 z)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from missions.findings import figure
from missions.items import Cmd, MissionItem


class Motion(Enum):
    """How a command moves the copter (what the flight walk does with it)."""

    GOTO = "goto"  # fly to the item's position (then loiter turns / time if it says so)
    TAKEOFF = "takeoff"  # climb where it is to the item's altitude
    LAND = "land"  # fly to the item's position if it has one, then land
    LOITER_UNLIMITED = "loiter_unlimited"  # fly there and hold until the pilot acts
    LOITER_TO_ALT = "loiter_to_alt"  # fly there, then climb or descend to the item's altitude
    ARC = "arc"  # fly an arc of param1 degrees to the item's position
    PAYLOAD_PLACE = "payload_place"  # fly there, descend up to param1 m, climb back
    RETURN = "return"  # return to launch and land
    DELAY = "delay"  # wait where it is for param1 s (or until a time of day)
    NONE = "none"  # a DO or CONDITION command: no movement of its own
    UNJUDGED = "unjudged"  # moves in a way no check here can follow


@dataclass(frozen=True)
class CommandInfo:
    """A command's name, motion, whether ArduPilot stores a location with it, NaN-able params."""

    name: str
    motion: Motion
    located: bool = False  # ArduPilot keeps lat/lon/alt (checks them, needs a known frame)
    nan_params: frozenset[int] = frozenset()  # param numbers (1-4) ArduPilot accepts as NaN


_G, _T, _L = Motion.GOTO, Motion.TAKEOFF, Motion.LAND
_P4 = frozenset({4})
COMMANDS: dict[int, CommandInfo] = {
    16: CommandInfo("NAV_WAYPOINT", _G, True, _P4),
    17: CommandInfo("NAV_LOITER_UNLIM", Motion.LOITER_UNLIMITED, True),
    18: CommandInfo("NAV_LOITER_TURNS", _G, True),
    19: CommandInfo("NAV_LOITER_TIME", _G, True),
    20: CommandInfo("NAV_RETURN_TO_LAUNCH", Motion.RETURN),
    21: CommandInfo("NAV_LAND", _L, True, _P4),
    22: CommandInfo("NAV_TAKEOFF", _T, True, _P4),
    30: CommandInfo("NAV_CONTINUE_AND_CHANGE_ALT", Motion.UNJUDGED, True),
    31: CommandInfo("NAV_LOITER_TO_ALT", Motion.LOITER_TO_ALT, True),
    36: CommandInfo("NAV_ARC_WAYPOINT", Motion.ARC, True),
    82: CommandInfo("NAV_SPLINE_WAYPOINT", _G, True),
    83: CommandInfo("NAV_ALTITUDE_WAIT", Motion.UNJUDGED),
    84: CommandInfo("NAV_VTOL_TAKEOFF", _T, True, _P4),
    85: CommandInfo("NAV_VTOL_LAND", _L, True, frozenset({3, 4})),
    92: CommandInfo("NAV_GUIDED_ENABLE", Motion.UNJUDGED),
    93: CommandInfo("NAV_DELAY", Motion.DELAY),
    94: CommandInfo("NAV_PAYLOAD_PLACE", Motion.PAYLOAD_PLACE, True),
    112: CommandInfo("CONDITION_DELAY", Motion.NONE),
    114: CommandInfo("CONDITION_DISTANCE", Motion.NONE),
    115: CommandInfo("CONDITION_YAW", Motion.NONE),
    176: CommandInfo("DO_SET_MODE", Motion.NONE),
    177: CommandInfo("DO_JUMP", Motion.NONE),
    178: CommandInfo("DO_CHANGE_SPEED", Motion.NONE),
    179: CommandInfo("DO_SET_HOME", Motion.NONE, True),
    181: CommandInfo("DO_SET_RELAY", Motion.NONE),
    182: CommandInfo("DO_REPEAT_RELAY", Motion.NONE),
    183: CommandInfo("DO_SET_SERVO", Motion.NONE),
    184: CommandInfo("DO_REPEAT_SERVO", Motion.NONE),
    189: CommandInfo("DO_LAND_START", Motion.NONE, True),
    191: CommandInfo("DO_GO_AROUND", Motion.NONE, True),
    193: CommandInfo("DO_PAUSE_CONTINUE", Motion.UNJUDGED),
    194: CommandInfo("DO_SET_REVERSE", Motion.NONE),
    195: CommandInfo("DO_SET_ROI_LOCATION", Motion.NONE),
    197: CommandInfo("DO_SET_ROI_NONE", Motion.NONE),
    201: CommandInfo("DO_SET_ROI", Motion.NONE, True),
    202: CommandInfo("DO_DIGICAM_CONFIGURE", Motion.NONE),
    203: CommandInfo("DO_DIGICAM_CONTROL", Motion.NONE),
    205: CommandInfo("DO_MOUNT_CONTROL", Motion.NONE),
    206: CommandInfo("DO_SET_CAM_TRIGG_DIST", Motion.NONE),
    207: CommandInfo("DO_FENCE_ENABLE", Motion.NONE),
    208: CommandInfo("DO_PARACHUTE", Motion.NONE),
    210: CommandInfo("DO_INVERTED_FLIGHT", Motion.NONE),
    211: CommandInfo("DO_GRIPPER", Motion.NONE),
    212: CommandInfo("DO_AUTOTUNE_ENABLE", Motion.NONE),
    213: CommandInfo("NAV_SET_YAW_SPEED", Motion.UNJUDGED),
    214: CommandInfo("DO_SET_CAM_TRIGG_INTERVAL", Motion.NONE),
    215: CommandInfo("DO_SET_RESUME_REPEAT_DIST", Motion.NONE),
    216: CommandInfo("DO_SPRAYER", Motion.NONE),
    217: CommandInfo("DO_SEND_SCRIPT_MESSAGE", Motion.NONE),
    218: CommandInfo("DO_AUX_FUNCTION", Motion.NONE),
    222: CommandInfo("DO_GUIDED_LIMITS", Motion.NONE),
    223: CommandInfo("DO_ENGINE_CONTROL", Motion.NONE),
    531: CommandInfo("SET_CAMERA_ZOOM", Motion.NONE),
    532: CommandInfo("SET_CAMERA_FOCUS", Motion.NONE),
    534: CommandInfo("SET_CAMERA_SOURCE", Motion.NONE),
    600: CommandInfo("JUMP_TAG", Motion.NONE),
    601: CommandInfo("DO_JUMP_TAG", Motion.NONE),
    1000: CommandInfo("DO_GIMBAL_MANAGER_PITCHYAW", Motion.NONE),
    2000: CommandInfo("IMAGE_START_CAPTURE", Motion.NONE),
    2001: CommandInfo("IMAGE_STOP_CAPTURE", Motion.NONE),
    2500: CommandInfo("VIDEO_START_CAPTURE", Motion.NONE),
    2501: CommandInfo("VIDEO_STOP_CAPTURE", Motion.NONE),
    3000: CommandInfo("DO_VTOL_TRANSITION", Motion.NONE),
    42600: CommandInfo("DO_WINCH", Motion.NONE),
    42702: CommandInfo("NAV_SCRIPT_TIME", Motion.UNJUDGED),
    42703: CommandInfo("NAV_ATTITUDE_TIME", Motion.UNJUDGED),
}
"""Mission commands ArduPilot stores (AP_Mission), with what each does on a copter."""

NAV_LAST = 95
"""MAV_CMD ids below this are navigation commands (MAV_CMD_NAV_LAST)."""
LOCATED_FRAMES = frozenset({0, 2, 3, 5, 6, 10, 11})
"""Frames ArduPilot takes for an item it stores a location with (MISSION is read as GLOBAL)."""
_UNSCALED_FRAMES = frozenset({1, 2, 4, 7, 8, 9})
"""Frames whose x/y go on the wire as plain integers (not degrees × 1e7)."""
FLOAT32_MAX = 3.4028234663852886e38
INT32_MAX = 2**31 - 1
MAX_FENCE_RADIUS_M = 1_000_000.0
"""A fence circle wider than this is not a fence."""
ALTITUDE_MAX_M = 83_000.0
"""ArduPilot refuses a location altitude at or beyond this (LOCATION_ALT_MAX_M)."""


def command_info(command: int) -> CommandInfo | None:
    """What the command does, or None when it is not one ArduPilot stores in a mission."""
    return COMMANDS.get(command)


def command_name(command: int) -> str:
    """A readable name such as 'NAV_LOITER_TO_ALT (31)', or 'command 12345'."""
    info = COMMANDS.get(command)
    if info is None:
        try:
            return f"{Cmd(command).name} ({command})"
        except ValueError:
            return f"command {command}"
    return f"{info.name} ({command})"


def wire_problems(item: MissionItem) -> list[tuple[str, str]]:
    """(code, reason) for each way the item cannot go on the wire as a MISSION_ITEM_INT or be
    stored by ArduPilot; codes BAD_COMMAND, BAD_FRAME, BAD_PARAM, BAD_COORDINATES, BAD_ALTITUDE."""
    command, frame = item.command, item.frame
    if isinstance(command, bool) or not isinstance(command, int) or not 0 <= command <= 65535:
        return [("BAD_COMMAND", f"command {figure(command)} is not a MAVLink command (0 to 65535)")]
    if isinstance(frame, bool) or not isinstance(frame, int) or not 0 <= frame <= 255:
        return [("BAD_FRAME", f"frame {figure(frame)} is not a MAVLink frame (0 to 255)")]
    problems: list[tuple[str, str]] = []
    if command in (0, 1):
        problems.append(("BAD_COMMAND", f"command {command} is reserved: ArduPilot refuses it"))
    info = COMMANDS.get(command)
    params = (item.param1, item.param2, item.param3, item.param4)
    for number, value in enumerate(params, start=1):
        if math.isnan(value):
            if info is not None and number not in info.nan_params:
                problems.append(
                    (
                        "BAD_PARAM",
                        f"param{number} is empty (null): ArduPilot refuses that for {info.name}",
                    )
                )
        elif not abs(value) <= FLOAT32_MAX:
            problems.append(
                ("BAD_PARAM", f"param{number} {figure(value)} does not fit a 32-bit float")
            )
    scaled = frame not in _UNSCALED_FRAMES
    for label, value in (("latitude", item.latitude_deg), ("longitude", item.longitude_deg)):
        wire = value * 1e7 if scaled else value
        if not math.isfinite(wire) or abs(round(wire)) > INT32_MAX:
            unit = "degrees × 1e7" if scaled else "integer"
            problems.append(
                (
                    "BAD_COORDINATES",
                    f"{label} {figure(value)} does not fit the wire's 32-bit {unit}",
                )
            )
    altitude = item.altitude_m
    if not math.isnan(altitude) and not abs(altitude) <= FLOAT32_MAX:
        problems.append(
            ("BAD_ALTITUDE", f"altitude {figure(altitude)} does not fit a 32-bit float")
        )
    if info is None or not info.located or problems:
        return problems
    if not (abs(item.latitude_deg) <= 90 and abs(item.longitude_deg) <= 180):
        problems.append(
            (
                "BAD_COORDINATES",
                f"latitude {figure(item.latitude_deg)}, longitude "
                f"{figure(item.longitude_deg)} out of range",
            )
        )
    if math.isnan(altitude) or abs(altitude) >= ALTITUDE_MAX_M:
        problems.append(
            (
                "BAD_ALTITUDE",
                f"altitude {figure(altitude)}: ArduPilot refuses a location altitude that is empty "
                f"or beyond {ALTITUDE_MAX_M:g} m",
            )
        )
    if frame not in LOCATED_FRAMES:
        problems.append(
            ("BAD_FRAME", f"frame {frame} has no altitude reference: ArduPilot refuses it")
        )
    return problems
