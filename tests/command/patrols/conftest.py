"""Fixtures: a migrated SQLite file per test, a fixed UTC start, a small simulated fleet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from command.events import EventBus
from command.patrols import PatrolZone

from .centre import PatrolCentre
from .district import place
from .fleet import SimDrone, SimFleet

T0 = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)  # 10:00 in Jinan: daylight


def zone(
    name: str,
    priority: int = 2,
    revisit: float | None = 60,
    east_km: float = 1.0,
    north_km: float = 0.0,
    work_s: float = 600.0,
    sensors: tuple[str, ...] = (),
) -> PatrolZone:
    """A zone `east_km`/`north_km` from the district origin."""
    lat, lon = place(east_km, north_km)
    return PatrolZone(name, priority, revisit, lat, lon, work_s, sensors)


def drone(name: str, east_km: float = 0.0, north_km: float = 0.0, **fields: object) -> SimDrone:
    """A drone whose nest is `east_km`/`north_km` from the origin."""
    return SimDrone(name, place(east_km, north_km), **fields)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "ecopatrol.sqlite"


@pytest.fixture
def bus() -> Iterator[EventBus]:
    events = EventBus()
    yield events
    events.close()


@pytest.fixture
def fleet() -> SimFleet:
    return SimFleet([drone("copter-1"), drone("copter-2", east_km=3.0)])


@pytest.fixture
def centre(db_path: Path, fleet: SimFleet, bus: EventBus) -> Iterator[PatrolCentre]:
    parts = PatrolCentre(db_path, fleet, bus=bus)
    yield parts
    parts.close()
