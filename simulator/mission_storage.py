"""What ArduCopter's mission storage (AP_Mission) keeps of an uploaded item, and how it reads
it back: the vehicle's own view of each command.

AP_Mission stores a command id, one 16-bit parameter and 12 bytes of content. Positional
commands keep latitude/longitude (degE7), an altitude in whole centimetres and a frame flag
(absolute, relative to home, above terrain); every other command keeps only the parameters it
uses, in the C type of its field (so a 2.5 s waypoint delay comes back as 2 s). A read-back
gives frame 0 to commands without a position, zeros for the parameters it did not keep, and its
own encodings (NAV_LAND param4 ±1, NAV_LOITER_TIME param3 ±1). Legacy MISSION_ITEM positions pass
through float32 degrees. Float→integer conversions truncate toward zero and saturate, as on the
ARM flight controllers.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pymavlink.dialects.v20 import ardupilotmega as mavlink

C = mavlink
LOCATION_ALT_MAX_M = 83_000.0
"""Largest altitude (m) a stored location holds (24-bit centimetres)."""
FLT_EPSILON = 1.1920929e-07


def f32(value: float) -> float:
    """value rounded to IEEE float32, as a MAVLink float field carries it."""
    if math.isfinite(value) and abs(value) > 3.4028234663852886e38:
        return math.copysign(math.inf, value)
    return struct.unpack("<f", struct.pack("<f", value))[0]


class Kind(Enum):
    """The C type a stored parameter lives in: its range and whether it is a float."""

    U8 = (0, 0xFF)
    I8 = (-0x80, 0x7F)
    U16 = (0, 0xFFFF)
    I16 = (-0x8000, 0x7FFF)
    F32 = (None, None)

    def keep(self, value: float) -> float:
        """The value as this field stores it."""
        lo, hi = self.value
        if lo is None:
            return f32(value)
        if math.isnan(value):
            return 0.0
        whole = math.trunc(value) if math.isfinite(value) else (hi if value > 0 else lo)
        return float(max(lo, min(hi, whole)))


U8, I8, U16, I16, F32 = Kind.U8, Kind.I8, Kind.U16, Kind.I16, Kind.F32
Params = tuple[float, float, float, float]
_NONE = (None, None, None, None)


def _ccw(value: float) -> bool:
    return value < 0


def _xtrack(value: float) -> float:
    return 1.0 if value > 0 else 0.0


def _loiter_unlim(p: Params) -> Params:
    radius = U16.keep(abs(p[2]))
    return 0.0, 0.0, -radius if _ccw(p[2]) else radius, 0.0


def _loiter_turns(p: Params) -> Params:
    turns = U16.keep(min(255.0, p[0]))
    size = abs(p[2])
    radius = U8.keep(size) if size <= 255 else U8.keep(min(255.0, size * 0.1)) * 10.0
    return turns, 0.0, -radius if _ccw(p[2]) else radius, _xtrack(p[3])


def _loiter_time(p: Params) -> Params:
    return U16.keep(p[0]), 0.0, -1.0 if _ccw(p[2]) else 1.0, _xtrack(p[3])


def _loiter_to_alt(p: Params) -> Params:
    radius = U16.keep(abs(p[1]))
    return 0.0, -radius if _ccw(p[1]) else radius, 0.0, _xtrack(p[3])


def _land(p: Params) -> Params:
    ccw = not math.isnan(p[3]) and p[3] <= -FLT_EPSILON
    return U16.keep(p[0]), 0.0, 0.0, -1.0 if ccw else 1.0


def _payload_place(p: Params) -> Params:
    centimetres = U16.keep(f32(p[0] * 100.0))
    return f32(centimetres / 100.0), 0.0, 0.0, 0.0


@dataclass(frozen=True)
class Stored:
    """How one command is stored: per-parameter kinds (None: not kept) or a special encoding,
    whether it keeps a location, and kinds for x/y/z when they are plain numbers."""

    params: tuple[Kind | None, Kind | None, Kind | None, Kind | None] = _NONE
    location: bool = False
    encode: Callable[[Params], Params] | None = None
    xyz: tuple[Kind | None, Kind | None, Kind | None] | None = None
    name: str = "?"

    def keep(self, p: Params) -> Params:
        """The parameters as read back."""
        if self.encode is not None:
            return self.encode(p)
        out = [
            0.0 if kind is None else kind.keep(v) for kind, v in zip(self.params, p, strict=True)
        ]
        return out[0], out[1], out[2], out[3]


def _s(*params: Kind | None, location: bool = False, name: str = "?") -> Stored:
    return Stored((*params, *(None,) * (4 - len(params))), location=location, name=name)  # type: ignore[arg-type]


STORED: dict[int, Stored] = {
    C.MAV_CMD_NAV_WAYPOINT: _s(U16, location=True, name="WP"),
    C.MAV_CMD_NAV_LOITER_UNLIM: Stored(location=True, encode=_loiter_unlim, name="LoitUnlim"),
    C.MAV_CMD_NAV_LOITER_TURNS: Stored(location=True, encode=_loiter_turns, name="LoitTurns"),
    C.MAV_CMD_NAV_LOITER_TIME: Stored(location=True, encode=_loiter_time, name="LoitTime"),
    C.MAV_CMD_NAV_RETURN_TO_LAUNCH: _s(name="RTL"),
    C.MAV_CMD_NAV_LAND: Stored(location=True, encode=_land, name="Land"),
    C.MAV_CMD_NAV_TAKEOFF: _s(U16, location=True, name="Takeoff"),
    C.MAV_CMD_NAV_CONTINUE_AND_CHANGE_ALT: _s(U16, location=True, name="ContinueAndChangeAlt"),
    C.MAV_CMD_NAV_LOITER_TO_ALT: Stored(location=True, encode=_loiter_to_alt, name="LoitAltitude"),
    C.MAV_CMD_NAV_SPLINE_WAYPOINT: _s(U16, location=True, name="SplineWP"),
    C.MAV_CMD_NAV_GUIDED_ENABLE: _s(U16, location=True, name="GuidedEnable"),
    C.MAV_CMD_NAV_DELAY: _s(F32, I8, I8, I8, name="Delay"),
    C.MAV_CMD_NAV_ALTITUDE_WAIT: _s(F32, F32, U8, name="AltitudeWait"),
    C.MAV_CMD_NAV_VTOL_TAKEOFF: _s(location=True, name="VTOLTakeoff"),
    C.MAV_CMD_NAV_VTOL_LAND: _s(U16, location=True, name="VTOLLand"),
    C.MAV_CMD_NAV_PAYLOAD_PLACE: Stored(location=True, encode=_payload_place, name="PayloadPlace"),
    C.MAV_CMD_NAV_SET_YAW_SPEED: _s(F32, F32, U8, name="SetYawSpd"),
    C.MAV_CMD_CONDITION_DELAY: _s(F32, name="CondDelay"),
    C.MAV_CMD_CONDITION_DISTANCE: _s(F32, name="CondDist"),
    C.MAV_CMD_CONDITION_YAW: _s(F32, F32, I8, U8, name="CondYaw"),
    C.MAV_CMD_DO_SET_MODE: _s(U16, name="SetMode"),
    C.MAV_CMD_DO_JUMP: _s(U16, I16, name="Jump"),
    C.MAV_CMD_DO_CHANGE_SPEED: _s(U8, F32, F32, name="ChangeSpeed"),
    C.MAV_CMD_DO_SET_HOME: _s(U16, location=True, name="SetHome"),
    C.MAV_CMD_DO_SET_RELAY: _s(U8, U8, name="SetRelay"),
    C.MAV_CMD_DO_REPEAT_RELAY: _s(U8, I16, F32, name="RepeatRelay"),
    C.MAV_CMD_DO_SET_SERVO: _s(U8, U16, name="SetServo"),
    C.MAV_CMD_DO_REPEAT_SERVO: _s(U8, U16, I16, F32, name="RepeatServo"),
    C.MAV_CMD_DO_LAND_START: _s(location=True, name="LandStart"),
    C.MAV_CMD_DO_GO_AROUND: _s(location=True, name="GoAround"),
    C.MAV_CMD_DO_SET_ROI: _s(U16, location=True, name="SetROI"),
    C.MAV_CMD_DO_DIGICAM_CONFIGURE: Stored(
        (U8, U16, U8, U16), xyz=(U8, U8, F32), name="DigiCamCfg"
    ),
    C.MAV_CMD_DO_DIGICAM_CONTROL: Stored((U8, U8, I8, U8), xyz=(U8, U8, None), name="DigiCamCtrl"),
    C.MAV_CMD_DO_MOUNT_CONTROL: _s(F32, F32, F32, name="MountControl"),
    C.MAV_CMD_DO_SET_CAM_TRIGG_DIST: _s(F32, None, U8, name="SetCamTrigDst"),
    C.MAV_CMD_DO_FENCE_ENABLE: _s(U16, name="FenceEnable"),
    C.MAV_CMD_DO_PARACHUTE: _s(U16, name="Parachute"),
    C.MAV_CMD_DO_GRIPPER: _s(U8, U8, name="Gripper"),
    C.MAV_CMD_DO_GUIDED_LIMITS: _s(U16, F32, F32, F32, name="GuidedLimits"),
    C.MAV_CMD_DO_AUTOTUNE_ENABLE: _s(U16, name="AutoTuneEnable"),
    C.MAV_CMD_DO_WINCH: _s(U8, U8, F32, F32, name="Winch"),
    C.MAV_CMD_DO_SET_RESUME_REPEAT_DIST: _s(U16, name="SetRepeatDist"),
    C.MAV_CMD_DO_SPRAYER: _s(U16, name="Sprayer"),
    C.MAV_CMD_DO_AUX_FUNCTION: _s(U16, U8, name="AuxFunction"),
    C.MAV_CMD_DO_PAUSE_CONTINUE: _s(U16, name="PauseContinue"),
    C.MAV_CMD_IMAGE_START_CAPTURE: _s(U8, F32, U16, U16, name="ImageStartCapture"),
    C.MAV_CMD_IMAGE_STOP_CAPTURE: _s(U16, name="ImageStopCapture"),
}
"""Every mission command ArduCopter's AP_Mission stores (anything else is UNSUPPORTED)."""

LOCATION_COMMANDS = frozenset(c for c, s in STORED.items() if s.location)
NAV_LAST = C.MAV_CMD_NAV_LAST
_RAW_XY = frozenset({C.MAV_CMD_DO_DIGICAM_CONTROL, C.MAV_CMD_DO_DIGICAM_CONFIGURE})
_NAN_PARAM4_OK = frozenset(
    {C.MAV_CMD_NAV_WAYPOINT, C.MAV_CMD_NAV_LAND, C.MAV_CMD_NAV_TAKEOFF, C.MAV_CMD_NAV_VTOL_TAKEOFF}
)
_ABSOLUTE = frozenset({C.MAV_FRAME_MISSION, C.MAV_FRAME_GLOBAL, C.MAV_FRAME_GLOBAL_INT})
_RELATIVE = frozenset({C.MAV_FRAME_GLOBAL_RELATIVE_ALT, C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT})
_TERRAIN = frozenset({C.MAV_FRAME_GLOBAL_TERRAIN_ALT, C.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT})
_INVALID_PARAM = (
    C.MAV_MISSION_INVALID_PARAM1,
    C.MAV_MISSION_INVALID_PARAM2,
    C.MAV_MISSION_INVALID_PARAM3,
    C.MAV_MISSION_INVALID_PARAM4,
)


def is_nav(command: int) -> bool:
    """Whether a command is a navigation command (ids up to MAV_CMD_NAV_LAST)."""
    return command <= NAV_LAST or command == C.MAV_CMD_NAV_SET_YAW_SPEED


def type_name(command: int) -> str:
    """The short name ArduPilot prints when it starts a command ("Mission: 3 WP")."""
    stored = STORED.get(command)
    return stored.name if stored is not None else "?"


@dataclass(frozen=True)
class Wire:
    """The fields of an uploaded MISSION_ITEM_INT (x/y degE7) or MISSION_ITEM (x/y floats)."""

    command: int
    frame: int
    params: Params
    x: float
    y: float
    z: float
    integer_xy: bool = True


@dataclass(frozen=True)
class Kept:
    """A stored command as it reads back: frame, params, x/y (degE7 or plain), z."""

    frame: int
    params: Params
    x: int
    y: int
    z: float


def keep(item: Wire) -> tuple[int, Kept | None]:
    """(MAV_MISSION_RESULT, what ArduPilot keeps) for one uploaded mission item."""
    stored = STORED.get(item.command)
    if stored is None:
        return C.MAV_MISSION_UNSUPPORTED, None
    x, y = item.x, item.y
    if not item.integer_xy and item.command not in _RAW_XY:
        if not abs(x) <= 90.0:
            return C.MAV_MISSION_INVALID_PARAM5_X, None
        if not abs(y) <= 180.0:
            return C.MAV_MISSION_INVALID_PARAM6_Y, None
        x, y = _int32(f32(f32(x) * f32(1e7))), _int32(f32(f32(y) * f32(1e7)))
    for i, value in enumerate(item.params):
        if math.isinf(value) or (
            math.isnan(value) and not (i == 3 and item.command in _NAN_PARAM4_OK)
        ):
            return _INVALID_PARAM[i], None
    params = stored.keep(item.params)
    if stored.location:
        if not abs(x) <= 900_000_000:
            return C.MAV_MISSION_INVALID_PARAM5_X, None
        if not abs(y) <= 1_800_000_000:
            return C.MAV_MISSION_INVALID_PARAM6_Y, None
        if math.isnan(item.z) or abs(item.z) >= LOCATION_ALT_MAX_M:
            return C.MAV_MISSION_INVALID_PARAM7, None
        if item.frame in _ABSOLUTE:
            frame = C.MAV_FRAME_GLOBAL
        elif item.frame in _RELATIVE:
            frame = C.MAV_FRAME_GLOBAL_RELATIVE_ALT
        elif item.frame in _TERRAIN:
            frame = C.MAV_FRAME_GLOBAL_TERRAIN_ALT
        else:
            return C.MAV_MISSION_UNSUPPORTED_FRAME, None
        centimetres = math.trunc(f32(f32(item.z) * 100.0))
        return C.MAV_MISSION_ACCEPTED, Kept(
            frame, params, int(x), int(y), f32(f32(float(centimetres)) * f32(0.01))
        )
    kx, ky, kz = stored.xyz or (None, None, None)
    return C.MAV_MISSION_ACCEPTED, Kept(
        0,  # no position: read back with frame 0
        params,
        0 if kx is None else int(kx.keep(x)),
        0 if ky is None else int(ky.keep(y)),
        0.0 if kz is None else kz.keep(item.z),
    )


def _int32(value: float) -> int:
    """float → int32 as C converts it (truncation, saturating)."""
    if math.isnan(value):
        return 0
    return max(-(2**31), min(2**31 - 1, math.trunc(value)))


def legacy_xy(command: int, x: int, y: int) -> tuple[float, float]:
    """x/y of a stored item as a legacy MISSION_ITEM carries them (float32 degrees)."""
    if command in _RAW_XY:
        return float(x), float(y)
    return f32(f32(float(x)) * f32(1e-7)), f32(f32(float(y)) * f32(1e-7))
