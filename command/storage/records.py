"""Typed values the repository takes and returns (frozen, detached from any session)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from .kinds import CommandResult, EventSeverity, SortieOutcome


class MissionItemLike(Protocol):
    """Anything shaped like `missions.items.MissionItem` (that frozen dataclass fits as is)."""

    @property
    def command(self) -> int: ...
    @property
    def frame(self) -> int: ...
    @property
    def param1(self) -> float: ...
    @property
    def param2(self) -> float: ...
    @property
    def param3(self) -> float: ...
    @property
    def param4(self) -> float: ...
    @property
    def latitude_deg(self) -> float: ...
    @property
    def longitude_deg(self) -> float: ...
    @property
    def altitude_m(self) -> float: ...
    @property
    def autocontinue(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class StoredMissionItem:
    """A stored mission item; the same field names as `missions.items.MissionItem`.

    A param that MAVLink leaves unchanged is NaN, and comes back NaN. Two rows compare equal
    when every field does, NaN params included.
    """

    command: int
    frame: int
    param1: float
    param2: float
    param3: float
    param4: float
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    autocontinue: bool = True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredMissionItem):
            return NotImplemented
        return all(_same(getattr(self, f), getattr(other, f)) for f in _ITEM_FIELDS)

    def __hash__(self) -> int:
        return hash(tuple(_hashable(getattr(self, f)) for f in _ITEM_FIELDS))


_ITEM_FIELDS = tuple(StoredMissionItem.__dataclass_fields__)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _hashable(value: Any) -> Any:
    return "nan" if isinstance(value, float) and math.isnan(value) else value


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    id: int
    name: str
    connection: str
    system_id: int
    airframe: str
    notes: str


@dataclass(frozen=True, slots=True)
class ZoneRecord:
    """A zone; `geometry_geojson` is GeoJSON text (RFC 7946: longitude first)."""

    id: int
    name: str
    kind: str
    priority: int
    revisit_minutes: int | None
    geometry_geojson: str
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredMission:
    """A saved mission: home is MAVLink item 0, `items` are seq 1..N in order."""

    id: int
    name: str
    source_file: str | None
    created_at: datetime
    home_latitude_deg: float
    home_longitude_deg: float
    home_altitude_m: float
    cruise_speed_mps: float
    zone_name: str | None
    items: tuple[StoredMissionItem, ...]
    fence: Any
    rally: Any


@dataclass(frozen=True, slots=True)
class SortieRecord:
    """A sortie; battery figures are the vehicle's own (remaining % at start and end, mAh used)
    beside the planner's estimate; `owner` is the process following it while it is open."""

    id: int
    mission_id: int
    mission_name: str
    vehicle_name: str
    started_at: datetime
    ended_at: datetime | None
    outcome: SortieOutcome
    reason: str
    distance_m: float | None
    battery_used_pct: float | None
    track_path: Path | None
    battery_start_pct: float | None = None
    battery_end_pct: float | None = None
    battery_used_mah: float | None = None
    estimated_battery_pct: float | None = None
    owner: str | None = None
    owner_seen_at: datetime | None = None
    task_id: int | None = None  # the queued task the sortie flies

    @property
    def is_open(self) -> bool:
        """True while the sortie is planned, uploading or flying (no final outcome yet)."""
        return not self.outcome.is_final


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    time: datetime
    vehicle_name: str
    sortie_id: int | None
    kind: str
    severity: EventSeverity
    message: str


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One command for a vehicle; `actor` is e.g. "cli:pilot" or "web:officer1".

    `result` PENDING: recorded before sending and no outcome since (e.g. the sender stopped);
    `outcome_at` is when the outcome of a command recorded ahead of sending was appended.
    """

    id: int
    at: datetime
    actor: str
    vehicle_name: str
    command: str
    params: dict[str, Any]
    result: CommandResult
    reason: str
    outcome_at: datetime | None = None
