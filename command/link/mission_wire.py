"""Missions, fences and rally points as the wire carries them (MISSION_ITEM_INT fields); the
read-back comparison is in readback.py."""

from __future__ import annotations

from dataclasses import dataclass

from missions.items import Cmd, Fence, Frame, Mission, MissionItem, Position

MISSION, FENCE, RALLY = 0, 1, 2
_NO_POSITION_FRAMES = frozenset({Frame.MISSION, 1, 4, 7, 8, 9})  # local/body/mission frames


@dataclass(frozen=True, slots=True)
class WireItem:
    """One MISSION_ITEM_INT: x/y are degE7 for positional frames, else the raw param5/6."""

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

    @classmethod
    def from_message(cls, msg: object) -> WireItem:
        """From a received MISSION_ITEM_INT."""
        m = msg
        return cls(
            m.seq,  # type: ignore[attr-defined]
            m.frame,  # type: ignore[attr-defined]
            m.command,  # type: ignore[attr-defined]
            m.param1,  # type: ignore[attr-defined]
            m.param2,  # type: ignore[attr-defined]
            m.param3,  # type: ignore[attr-defined]
            m.param4,  # type: ignore[attr-defined]
            m.x,  # type: ignore[attr-defined]
            m.y,  # type: ignore[attr-defined]
            m.z,  # type: ignore[attr-defined]
            m.autocontinue,  # type: ignore[attr-defined]
            getattr(m, "mission_type", MISSION),
        )

    def to_mission_item(self) -> MissionItem:
        """Back to the planner's MissionItem (degrees)."""
        positional = self.frame not in _NO_POSITION_FRAMES
        scale = 1e-7 if positional else 1.0
        return MissionItem(
            command=self.command,
            frame=self.frame,
            param1=self.param1,
            param2=self.param2,
            param3=self.param3,
            param4=self.param4,
            latitude_deg=self.x * scale,
            longitude_deg=self.y * scale,
            altitude_m=self.z,
            autocontinue=bool(self.autocontinue),
        )


def _wire(seq: int, item: MissionItem, mission_type: int) -> WireItem:
    positional = item.frame not in _NO_POSITION_FRAMES
    scale = 1e7 if positional else 1.0
    return WireItem(
        seq,
        int(item.frame),
        int(item.command),
        item.param1,
        item.param2,
        item.param3,
        item.param4,
        round(item.latitude_deg * scale),
        round(item.longitude_deg * scale),
        item.altitude_m,
        int(item.autocontinue),
        mission_type,
    )


def mission_items(mission: Mission) -> list[WireItem]:
    """Item 0 = home (AMSL), then the mission's items from seq 1, as ArduPilot numbers them."""
    home = mission.home
    item0 = MissionItem(
        Cmd.NAV_WAYPOINT, Frame.GLOBAL, 0, 0, 0, 0, home.latitude_deg, home.longitude_deg,
        home.altitude_m,
    )  # fmt: skip
    return [_wire(0, item0, MISSION)] + [
        _wire(i, item, MISSION) for i, item in enumerate(mission.items, start=1)
    ]


def fence_items(fence: Fence) -> list[WireItem]:
    """Polygons as vertex groups (param1 = vertex count), circles with param1 = radius."""
    items: list[MissionItem] = []
    for poly in fence.polygons:
        cmd = (
            Cmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION
            if poly.inclusion
            else Cmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION
        )
        n = len(poly.vertices)
        items += [
            MissionItem(cmd, Frame.GLOBAL, float(n), 0, 0, 0, lat, lon)
            for lat, lon in poly.vertices
        ]
    for c in fence.circles:
        cmd = Cmd.NAV_FENCE_CIRCLE_INCLUSION if c.inclusion else Cmd.NAV_FENCE_CIRCLE_EXCLUSION
        items.append(
            MissionItem(cmd, Frame.GLOBAL, c.radius_m, 0, 0, 0, c.latitude_deg, c.longitude_deg)
        )
    return [_wire(i, item, FENCE) for i, item in enumerate(items)]


def rally_items(rally: tuple[Position, ...]) -> list[WireItem]:
    """Rally points, altitude relative to home."""
    return [
        _wire(
            i,
            MissionItem(
                Cmd.NAV_RALLY_POINT,
                Frame.GLOBAL_RELATIVE_ALT,
                0,
                0,
                0,
                0,
                p.latitude_deg,
                p.longitude_deg,
                p.altitude_m,
            ),
            RALLY,
        )
        for i, p in enumerate(rally)
    ]
