"""Fixtures: a real, migrated SQLite file per test, a fixed UTC clock, a small fleet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from command.storage import (
    Database,
    StoredMission,
    StoredMissionItem,
    open_database,
    save_mission,
    sqlite_url,
    upsert_vehicle,
)

NOW = datetime(2026, 11, 24, 8, 30, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "ecopatrol.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(db_path))
    yield database
    database.close()


def waypoint(lat: float, lon: float, alt: float = 50.0) -> StoredMissionItem:
    """MAV_CMD_NAV_WAYPOINT (16) in MAV_FRAME_GLOBAL_RELATIVE_ALT (3)."""
    return StoredMissionItem(16, 3, 0.0, 2.0, 0.0, float("nan"), lat, lon, alt)


@pytest.fixture
def copter(db: Database) -> str:
    upsert_vehicle(
        db, name="copter-1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad"
    )
    return "copter-1"


@pytest.fixture
def mission(db: Database, now: datetime) -> StoredMission:
    return save_mission(
        db,
        name="patrol riverside 0830",
        home_latitude_deg=30.25,
        home_longitude_deg=120.15,
        home_altitude_m=12.0,
        cruise_speed_mps=8.0,
        items=[
            StoredMissionItem(22, 3, 0.0, 0.0, 0.0, 0.0, 30.25, 120.15, 40.0),  # takeoff
            waypoint(30.251, 120.151),
            waypoint(30.252, 120.152),
            StoredMissionItem(20, 2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # RTL
        ],
        now=now,
        source_file="riverside.plan",
        zone_name="riverside",
    )
