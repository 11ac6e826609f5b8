"""Missions as the autopilot stores them: mission, fence and rally lists, and their validation.

Item 0 of the mission list is home, as on ArduPilot: uploaded item 0 is ignored and a download
returns the current home there. Latitude/longitude are kept as int32 degE7, as the autopilot does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pymavlink.dialects.v20 import ardupilotmega as mavlink

MISSION, FENCE, RALLY = (
    mavlink.MAV_MISSION_TYPE_MISSION,
    mavlink.MAV_MISSION_TYPE_FENCE,
    mavlink.MAV_MISSION_TYPE_RALLY,
)
MISSION_TYPES = (MISSION, FENCE, RALLY)
MAX_ITEMS = {MISSION: 700, FENCE: 84, RALLY: 20}

NAV_COMMANDS = frozenset(
    {
        mavlink.MAV_CMD_NAV_WAYPOINT,
        mavlink.MAV_CMD_NAV_LOITER_UNLIM,
        mavlink.MAV_CMD_NAV_LOITER_TURNS,
        mavlink.MAV_CMD_NAV_LOITER_TIME,
        mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH,
        mavlink.MAV_CMD_NAV_LAND,
        mavlink.MAV_CMD_NAV_TAKEOFF,
        mavlink.MAV_CMD_NAV_SPLINE_WAYPOINT,
    }
)
DO_COMMANDS = frozenset(
    {
        mavlink.MAV_CMD_DO_JUMP,
        mavlink.MAV_CMD_DO_CHANGE_SPEED,
        mavlink.MAV_CMD_DO_SET_ROI,
        mavlink.MAV_CMD_DO_DIGICAM_CONTROL,
        mavlink.MAV_CMD_DO_SET_CAM_TRIGG_DIST,
        mavlink.MAV_CMD_DO_SET_SERVO,
        mavlink.MAV_CMD_CONDITION_DELAY,
        mavlink.MAV_CMD_CONDITION_YAW,
        mavlink.MAV_CMD_IMAGE_START_CAPTURE,
        mavlink.MAV_CMD_IMAGE_STOP_CAPTURE,
    }
)
FENCE_COMMANDS = frozenset(
    {
        mavlink.MAV_CMD_NAV_FENCE_RETURN_POINT,
        mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
    }
)
RALLY_COMMANDS = frozenset({mavlink.MAV_CMD_NAV_RALLY_POINT})

POSITIONAL_COMMANDS = NAV_COMMANDS | FENCE_COMMANDS | RALLY_COMMANDS | {mavlink.MAV_CMD_DO_SET_ROI}
"""Commands whose x/y are latitude/longitude (degE7 in MISSION_ITEM_INT, deg in MISSION_ITEM)."""

GLOBAL_FRAMES = frozenset(
    {
        mavlink.MAV_FRAME_MISSION,  # ArduPilot takes it as GLOBAL (QGC writes RTL with it)
        mavlink.MAV_FRAME_GLOBAL,
        mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT,
        mavlink.MAV_FRAME_GLOBAL_INT,
        mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        mavlink.MAV_FRAME_GLOBAL_TERRAIN_ALT,
        mavlink.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT,
    }
)
AMSL_FRAMES = frozenset(
    {mavlink.MAV_FRAME_GLOBAL, mavlink.MAV_FRAME_GLOBAL_INT, mavlink.MAV_FRAME_MISSION}
)


@dataclass(frozen=True)
class Item:
    """One stored mission/fence/rally item."""

    seq: int
    frame: int
    command: int
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: int = 0
    y: int = 0
    z: float = 0.0
    autocontinue: int = 1
    mission_type: int = MISSION

    @property
    def lat(self) -> float:
        """Latitude in degrees."""
        return self.x / 1e7

    @property
    def lon(self) -> float:
        """Longitude in degrees."""
        return self.y / 1e7

    @classmethod
    def from_message(cls, msg: object) -> Item:
        """From MISSION_ITEM_INT (x/y degE7) or legacy MISSION_ITEM (x/y float degrees)."""
        m = msg  # duck-typed pymavlink message
        is_int = m.get_type() == "MISSION_ITEM_INT"  # type: ignore[attr-defined]
        scale = 1 if is_int or m.command not in POSITIONAL_COMMANDS else 10_000_000  # type: ignore[attr-defined]
        x, y = round(m.x * scale), round(m.y * scale)  # type: ignore[attr-defined]
        return cls(
            seq=m.seq,
            frame=m.frame,
            command=m.command,  # type: ignore[attr-defined]
            param1=m.param1,
            param2=m.param2,
            param3=m.param3,
            param4=m.param4,  # type: ignore[attr-defined]
            x=int(x),
            y=int(y),
            z=float(m.z),
            autocontinue=m.autocontinue,  # type: ignore[attr-defined]
            mission_type=getattr(m, "mission_type", MISSION),
        )


def validate_item(item: Item) -> int:
    """MAV_MISSION_RESULT for one uploaded item (ACCEPTED when it can be stored)."""
    allowed = {
        MISSION: NAV_COMMANDS | DO_COMMANDS,
        FENCE: FENCE_COMMANDS,
        RALLY: RALLY_COMMANDS,
    }[item.mission_type]
    if item.seq == 0 and item.mission_type == MISSION:
        return mavlink.MAV_MISSION_ACCEPTED  # home: ignored, as ArduPilot does
    if item.command not in allowed:
        return mavlink.MAV_MISSION_UNSUPPORTED
    if item.command in POSITIONAL_COMMANDS:
        if item.frame not in GLOBAL_FRAMES:
            return mavlink.MAV_MISSION_UNSUPPORTED_FRAME
        if not -900_000_000 <= item.x <= 900_000_000:
            return mavlink.MAV_MISSION_INVALID_PARAM5_X
        if not -1_800_000_000 <= item.y <= 1_800_000_000:
            return mavlink.MAV_MISSION_INVALID_PARAM6_Y
    if (
        item.command
        in (
            mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
        )
        and item.param1 < 3
    ):
        return mavlink.MAV_MISSION_INVALID_PARAM1
    if (
        item.command
        in (
            mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
            mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
        )
        and item.param1 <= 0
    ):
        return mavlink.MAV_MISSION_INVALID_PARAM1
    if item.command == mavlink.MAV_CMD_NAV_LOITER_TURNS and item.param1 <= 0:
        return mavlink.MAV_MISSION_INVALID_PARAM1
    return mavlink.MAV_MISSION_ACCEPTED


def validate_list(items: list[Item], mission_type: int) -> int:
    """MAV_MISSION_RESULT for a complete list (polygon vertex groups must be whole)."""
    if mission_type != FENCE:
        return mavlink.MAV_MISSION_ACCEPTED
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in (
            mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
        ):
            n = int(item.param1)
            group = items[i : i + n]
            if len(group) != n or any(
                g.command != item.command or int(g.param1) != n for g in group
            ):
                return mavlink.MAV_MISSION_INVALID_PARAM1
            i += n
        else:
            i += 1
    return mavlink.MAV_MISSION_ACCEPTED


class MissionStore:
    """The three lists a vehicle holds; replaced whole when an upload completes."""

    def __init__(self) -> None:
        self._lists: dict[int, list[Item]] = {t: [] for t in MISSION_TYPES}

    def items(self, mission_type: int) -> list[Item]:
        """Stored items of a type (for MISSION: without home, seq starting at 1)."""
        return list(self._lists[mission_type])

    def count(self, mission_type: int) -> int:
        """Count as the protocol reports it (MISSION includes home at 0)."""
        n = len(self._lists[mission_type])
        return n + 1 if mission_type == MISSION else n

    def replace(self, mission_type: int, items: list[Item]) -> None:
        """Store a completed upload (MISSION: item 0 dropped, home is the vehicle's)."""
        if mission_type == MISSION:
            items = [replace(i, mission_type=MISSION) for i in items if i.seq != 0]
        self._lists[mission_type] = items

    def clear(self, mission_type: int) -> None:
        """Remove all items of a type (MAV_MISSION_TYPE_ALL clears all three)."""
        types = MISSION_TYPES if mission_type == mavlink.MAV_MISSION_TYPE_ALL else (mission_type,)
        for t in types:
            self._lists[t] = []

    def item(self, mission_type: int, seq: int, home: Item) -> Item | None:
        """Item seq as downloaded (MISSION seq 0 = home), or None if out of range."""
        if mission_type == MISSION:
            if seq == 0:
                return home
            lst = self._lists[MISSION]
            return lst[seq - 1] if 1 <= seq <= len(lst) else None
        lst = self._lists[mission_type]
        return lst[seq] if 0 <= seq < len(lst) else None

    def has_nav(self) -> bool:
        """Whether the mission holds at least one navigation command."""
        return any(i.command in NAV_COMMANDS for i in self._lists[MISSION])
