"""Missions as uploaded to a vehicle: home plus items, fence and rally; names are unique.

A saved mission is never changed: sorties point at it, so it must stay what was flown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import checks
from .database import Database
from .errors import DuplicateNameError, NotFoundError
from .models import NAME_LENGTH, MissionItemRow, MissionRow
from .records import MissionItemLike, StoredMission, StoredMissionItem


def save_mission(
    db: Database,
    *,
    name: str,
    home_latitude_deg: float,
    home_longitude_deg: float,
    home_altitude_m: float,
    cruise_speed_mps: float,
    items: Sequence[MissionItemLike],
    now: datetime,
    source_file: str | None = None,
    zone_name: str | None = None,
    fence: Any = None,
    rally: Any = None,
) -> StoredMission:
    """Store a new mission and its items (item i gets MAVLink seq i + 1; home is seq 0).

    `fence` and `rally` are JSON values (e.g. the QGC .plan geoFence / rallyPoints objects).
    Raises DuplicateNameError if `name` is taken.
    """
    name = checks.name("name", name, NAME_LENGTH)
    mission = MissionRow(
        name=name,
        source_file=None if source_file is None else checks.text("source_file", source_file, 500),
        created_at=checks.utc("now", now),
        home_latitude_deg=checks.real("home_latitude_deg", home_latitude_deg, -90, 90),
        home_longitude_deg=checks.real("home_longitude_deg", home_longitude_deg, -180, 180),
        home_altitude_m=checks.real("home_altitude_m", home_altitude_m),
        cruise_speed_mps=checks.positive("cruise_speed_mps", cruise_speed_mps),
        zone_name=None if zone_name is None else checks.name("zone_name", zone_name, NAME_LENGTH),
        fence=None if fence is None else checks.json_value("fence", fence),
        rally=None if rally is None else checks.json_value("rally", rally),
    )
    mission.items = [_item(seq, item) for seq, item in enumerate(items, start=1)]
    with db.transaction() as session:
        if session.scalar(select(MissionRow.id).where(MissionRow.name == name)) is not None:
            raise DuplicateNameError("missions", name)
        session.add(mission)
        session.flush()
        return stored_mission(mission)


def get_mission(db: Database, mission_id: int) -> StoredMission:
    with db.reading() as session:
        mission = session.get(MissionRow, mission_id, options=[selectinload(MissionRow.items)])
        if mission is None:
            raise NotFoundError("missions", mission_id)
        return stored_mission(mission)


def find_mission(db: Database, name: str) -> StoredMission:
    """The mission called `name` (NotFoundError if none)."""
    with db.reading() as session:
        mission = session.scalar(
            select(MissionRow)
            .where(MissionRow.name == name)
            .options(selectinload(MissionRow.items))
        )
        if mission is None:
            raise NotFoundError("missions", name)
        return stored_mission(mission)


def list_missions(db: Database, limit: int = 100) -> list[StoredMission]:
    """The newest `limit` missions, newest first."""
    limit = checks.list_limit(limit)
    with db.reading() as session:
        rows = session.scalars(
            select(MissionRow)
            .order_by(MissionRow.created_at.desc(), MissionRow.id.desc())
            .limit(limit)
            .options(selectinload(MissionRow.items))
        )
        return [stored_mission(row) for row in rows]


def stored_mission(mission: MissionRow) -> StoredMission:
    return StoredMission(
        id=mission.id,
        name=mission.name,
        source_file=mission.source_file,
        created_at=mission.created_at,
        home_latitude_deg=mission.home_latitude_deg,
        home_longitude_deg=mission.home_longitude_deg,
        home_altitude_m=mission.home_altitude_m,
        cruise_speed_mps=mission.cruise_speed_mps,
        zone_name=mission.zone_name,
        items=tuple(item_row(item) for item in mission.items),
        fence=mission.fence,
        rally=mission.rally,
    )


def item_row(item: MissionItemRow) -> StoredMissionItem:
    return StoredMissionItem(
        command=item.command,
        frame=item.frame,
        param1=item.param1,
        param2=item.param2,
        param3=item.param3,
        param4=item.param4,
        latitude_deg=item.latitude_deg,
        longitude_deg=item.longitude_deg,
        altitude_m=item.altitude_m,
        autocontinue=item.autocontinue,
    )


def _item(seq: int, item: MissionItemLike) -> MissionItemRow:
    field = f"items[{seq - 1}]"
    autocontinue = item.autocontinue
    if not isinstance(autocontinue, bool):
        checks.integer(f"{field}.autocontinue", autocontinue, 0, 1)
    return MissionItemRow(
        seq=seq,
        command=checks.integer(f"{field}.command", item.command, 0, 65535),
        frame=checks.integer(f"{field}.frame", item.frame, 0, 255),
        param1=checks.real(f"{field}.param1", item.param1, allow_nan=True),
        param2=checks.real(f"{field}.param2", item.param2, allow_nan=True),
        param3=checks.real(f"{field}.param3", item.param3, allow_nan=True),
        param4=checks.real(f"{field}.param4", item.param4, allow_nan=True),
        latitude_deg=checks.real(f"{field}.latitude_deg", item.latitude_deg, -90, 90),
        longitude_deg=checks.real(f"{field}.longitude_deg", item.longitude_deg, -180, 180),
        altitude_m=checks.real(f"{field}.altitude_m", item.altitude_m),
        autocontinue=bool(autocontinue),
    )
