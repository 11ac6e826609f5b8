"""Mission items (MAVLink), missions, geofence, rally points: the contract with command."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum


class Cmd(IntEnum):
    """MAV_CMD values named here (missions/commands.py knows what each does)."""

    NAV_WAYPOINT = 16
    NAV_LOITER_UNLIM = 17
    NAV_LOITER_TURNS = 18
    NAV_LOITER_TIME = 19
    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    NAV_CONTINUE_AND_CHANGE_ALT = 30
    NAV_LOITER_TO_ALT = 31
    NAV_ARC_WAYPOINT = 36
    NAV_SPLINE_WAYPOINT = 82
    NAV_ALTITUDE_WAIT = 83
    NAV_VTOL_TAKEOFF = 84
    NAV_VTOL_LAND = 85
    NAV_GUIDED_ENABLE = 92
    NAV_DELAY = 93
    NAV_PAYLOAD_PLACE = 94
    CONDITION_DELAY = 112
    CONDITION_DISTANCE = 114
    CONDITION_YAW = 115
    DO_SET_MODE = 176
    DO_JUMP = 177
    DO_CHANGE_SPEED = 178
    DO_SET_HOME = 179
    DO_PAUSE_CONTINUE = 193
    DO_SET_ROI = 201
    DO_SET_CAM_TRIGG_DIST = 206
    DO_FENCE_ENABLE = 207
    NAV_SET_YAW_SPEED = 213
    JUMP_TAG = 600
    DO_JUMP_TAG = 601
    NAV_FENCE_POLYGON_VERTEX_INCLUSION = 5001
    NAV_FENCE_POLYGON_VERTEX_EXCLUSION = 5002
    NAV_FENCE_CIRCLE_INCLUSION = 5003
    NAV_FENCE_CIRCLE_EXCLUSION = 5004
    NAV_RALLY_POINT = 5100
    NAV_SCRIPT_TIME = 42702
    NAV_ATTITUDE_TIME = 42703


class Frame(IntEnum):
    """MAV_FRAME values used here; the *_INT frames are the integer forms of their twins."""

    GLOBAL = 0  # altitude above mean sea level
    MISSION = 2  # no position
    GLOBAL_RELATIVE_ALT = 3  # altitude above home
    GLOBAL_INT = 5
    GLOBAL_RELATIVE_ALT_INT = 6
    GLOBAL_TERRAIN_ALT = 10  # altitude above terrain
    GLOBAL_TERRAIN_ALT_INT = 11


INT_FRAMES: dict[int, int] = {
    Frame.GLOBAL_INT: Frame.GLOBAL,
    Frame.GLOBAL_RELATIVE_ALT_INT: Frame.GLOBAL_RELATIVE_ALT,
    Frame.GLOBAL_TERRAIN_ALT_INT: Frame.GLOBAL_TERRAIN_ALT,
}
"""The *_INT frames and the plain frame each is the integer form of."""


def plain_frame(frame: int) -> int:
    """The frame with its *_INT form folded onto the plain one (5 → 0, 6 → 3, 11 → 10)."""
    return int(INT_FRAMES.get(frame, frame))


NAV_COMMANDS = frozenset(
    {
        Cmd.NAV_WAYPOINT,
        Cmd.NAV_LOITER_UNLIM,
        Cmd.NAV_LOITER_TURNS,
        Cmd.NAV_LOITER_TIME,
        Cmd.NAV_LAND,
        Cmd.NAV_TAKEOFF,
        Cmd.NAV_LOITER_TO_ALT,
        Cmd.NAV_ARC_WAYPOINT,
        Cmd.NAV_SPLINE_WAYPOINT,
        Cmd.NAV_VTOL_TAKEOFF,
        Cmd.NAV_VTOL_LAND,
        Cmd.NAV_PAYLOAD_PLACE,
    }
)
"""Commands whose latitude/longitude/altitude say where the vehicle goes."""


@dataclass(frozen=True)
class MissionItem:
    """One MAVLink mission item; latitude/longitude in degrees, altitude in metres per `frame`."""

    command: int
    frame: int = Frame.GLOBAL_RELATIVE_ALT
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    latitude_deg: float = 0.0
    longitude_deg: float = 0.0
    altitude_m: float = 0.0
    autocontinue: bool = True

    @property
    def is_nav(self) -> bool:
        """True when the item moves the vehicle to its coordinates."""
        return self.command in NAV_COMMANDS

    def same_as(self, other: MissionItem, tolerance: float = 1e-7) -> bool:
        """Equal within `tolerance` (NaN equals NaN), for round trips through files."""
        mine, theirs = _values(self), _values(other)
        return all(
            (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tolerance * max(1.0, abs(a))
            for a, b in zip(mine, theirs, strict=True)
        )


def _values(item: MissionItem) -> tuple[float, ...]:
    return (
        float(item.command),
        float(item.frame),
        item.param1,
        item.param2,
        item.param3,
        item.param4,
        item.latitude_deg,
        item.longitude_deg,
        item.altitude_m,
        float(item.autocontinue),
    )


@dataclass(frozen=True)
class Position:
    """A place: latitude/longitude in degrees, altitude in metres (home: above mean sea level)."""

    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0


@dataclass(frozen=True)
class FencePolygon:
    """A fence polygon, (latitude_deg, longitude_deg) vertices; inclusion = keep-in."""

    vertices: tuple[tuple[float, float], ...]
    inclusion: bool


@dataclass(frozen=True)
class FenceCircle:
    """A fence circle; inclusion = keep-in, else keep-out."""

    latitude_deg: float
    longitude_deg: float
    radius_m: float
    inclusion: bool


@dataclass(frozen=True)
class Fence:
    """Keep-in and keep-out polygons and circles."""

    polygons: tuple[FencePolygon, ...] = ()
    circles: tuple[FenceCircle, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is no fence at all."""
        return not self.polygons and not self.circles


@dataclass(frozen=True)
class Mission:
    """A mission: home, items (without ArduPilot's item 0 = home), fence, rally points, speeds."""

    home: Position
    items: tuple[MissionItem, ...]
    fence: Fence = field(default_factory=Fence)
    rally: tuple[Position, ...] = ()
    cruise_speed_mps: float = 10.0
    hover_speed_mps: float = 5.0

    def nav_positions(self) -> list[tuple[int, MissionItem]]:
        """(index, item) of items that move the vehicle to a position, in order."""
        return [(i, item) for i, item in enumerate(self.items) if item.is_nav]
