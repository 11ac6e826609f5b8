"""Missions as the autopilot stores them: mission, fence and rally lists, and their validation.

Item 0 of the mission list is home, as on ArduPilot: uploaded item 0 is ignored and a download
returns the current home there. Mission items are kept as ArduPilot's AP_Mission keeps them
(see mission_storage); latitude/longitude are int32 degE7, as the autopilot stores them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.mission_storage import LOCATION_COMMANDS, Wire, is_nav, keep

MISSION, FENCE, RALLY = (
    mavlink.MAV_MISSION_TYPE_MISSION,
    mavlink.MAV_MISSION_TYPE_FENCE,
    mavlink.MAV_MISSION_TYPE_RALLY,
)
MISSION_TYPES = (MISSION, FENCE, RALLY)
MAX_ITEMS = {MISSION: 700, FENCE: 84, RALLY: 20}

POLYGON_VERTEX_COMMANDS = frozenset(
    {
        mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
        mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
    }
)
CIRCLE_COMMANDS = frozenset(
    {mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION}
)
FENCE_COMMANDS = (
    POLYGON_VERTEX_COMMANDS | CIRCLE_COMMANDS | {mavlink.MAV_CMD_NAV_FENCE_RETURN_POINT}
)
RALLY_COMMANDS = frozenset({mavlink.MAV_CMD_NAV_RALLY_POINT})

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
TERRAIN_FRAMES = frozenset(
    {mavlink.MAV_FRAME_GLOBAL_TERRAIN_ALT, mavlink.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT}
)


@dataclass(frozen=True)
class Item:
    """One stored mission/fence/rally item, as a download returns it."""

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

    @property
    def has_location(self) -> bool:
        """Whether the command keeps a position (x/y are latitude/longitude)."""
        return self.command in LOCATION_COMMANDS or self.mission_type != MISSION

    @property
    def nav(self) -> bool:
        """Whether this is a navigation command."""
        return is_nav(self.command)


def wire_of(msg: object) -> Wire:
    """The fields of a received MISSION_ITEM_INT or legacy MISSION_ITEM."""
    m = msg
    return Wire(
        command=m.command,  # type: ignore[attr-defined]
        frame=m.frame,  # type: ignore[attr-defined]
        params=(m.param1, m.param2, m.param3, m.param4),  # type: ignore[attr-defined]
        x=m.x,  # type: ignore[attr-defined]
        y=m.y,  # type: ignore[attr-defined]
        z=float(m.z),  # type: ignore[attr-defined]
        integer_xy=m.get_type() == "MISSION_ITEM_INT",  # type: ignore[attr-defined]
    )


def store_item(seq: int, wire: Wire, mission_type: int) -> tuple[int, Item | None]:
    """(MAV_MISSION_RESULT, the item as the vehicle stores it) for one uploaded item."""
    if mission_type == MISSION:
        if seq == 0:  # home: ignored, as ArduPilot does
            return mavlink.MAV_MISSION_ACCEPTED, Item(0, 0, mavlink.MAV_CMD_NAV_WAYPOINT)
        result, kept = keep(wire)
        if kept is None:
            return result, None
        p1, p2, p3, p4 = kept.params
        return result, Item(
            seq, kept.frame, wire.command, p1, p2, p3, p4, kept.x, kept.y, kept.z, 1, MISSION
        )
    allowed = FENCE_COMMANDS if mission_type == FENCE else RALLY_COMMANDS
    if wire.command not in allowed:
        return mavlink.MAV_MISSION_UNSUPPORTED, None
    if wire.frame not in GLOBAL_FRAMES:
        return mavlink.MAV_MISSION_UNSUPPORTED_FRAME, None
    scale = 1 if wire.integer_xy else 10_000_000
    x, y = round(wire.x * scale), round(wire.y * scale)
    if not -900_000_000 <= x <= 900_000_000:
        return mavlink.MAV_MISSION_INVALID_PARAM5_X, None
    if not -1_800_000_000 <= y <= 1_800_000_000:
        return mavlink.MAV_MISSION_INVALID_PARAM6_Y, None
    p1 = wire.params[0]
    if wire.command in POLYGON_VERTEX_COMMANDS and not p1 >= 3:
        return mavlink.MAV_MISSION_INVALID_PARAM1, None
    if wire.command in CIRCLE_COMMANDS and not p1 > 0:
        return mavlink.MAV_MISSION_INVALID_PARAM1, None
    z = wire.z
    if mission_type == RALLY:  # AP_Rally keeps whole metres (int16)
        if not abs(z) < 32768:
            return mavlink.MAV_MISSION_INVALID_PARAM7, None
        z = float(int(z))
    return mavlink.MAV_MISSION_ACCEPTED, Item(
        seq, wire.frame, wire.command, *wire.params, x, y, z, 1, mission_type
    )


def validate_list(items: list[Item], mission_type: int) -> int:
    """MAV_MISSION_RESULT for a complete list (polygon vertex groups must be whole)."""
    if mission_type != FENCE:
        return mavlink.MAV_MISSION_ACCEPTED
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in POLYGON_VERTEX_COMMANDS:
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

    def at(self, seq: int) -> Item | None:
        """Mission item seq (1-based), or None outside the list."""
        lst = self._lists[MISSION]
        return lst[seq - 1] if 1 <= seq <= len(lst) else None

    @property
    def size(self) -> int:
        """Number of mission items (home not counted)."""
        return len(self._lists[MISSION])

    def count(self, mission_type: int) -> int:
        """Count as the protocol reports it (MISSION includes home at 0)."""
        n = len(self._lists[mission_type])
        return n + 1 if mission_type == MISSION else n

    def replace(self, mission_type: int, items: list[Item]) -> None:
        """Store a completed upload (MISSION: item 0 dropped, home is the vehicle's)."""
        if mission_type == MISSION:
            items = [i for i in items if i.seq != 0]
        self._lists[mission_type] = items

    def item(self, mission_type: int, seq: int, home: Item) -> Item | None:
        """Item seq as downloaded (MISSION seq 0 = home), or None if out of range."""
        if mission_type == MISSION:
            return home if seq == 0 else self.at(seq)
        lst = self._lists[mission_type]
        return lst[seq] if 0 <= seq < len(lst) else None

    def has_nav(self) -> bool:
        """Whether the mission holds at least one navigation command."""
        return any(i.nav for i in self._lists[MISSION])
