"""Fixtures of the alert tests: the example zones, a clock origin, reading factories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from command.events.types import DroneReading, StationReading
from missions.zones import Zone, load_zones

ROOT = Path(__file__).resolve().parents[3]
ZONES_FILE = ROOT / "missions" / "examples" / "huaiyin_zones.geojson"
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def zones() -> tuple[Zone, ...]:
    """The embedded Huaiyin zones (fence, no-fly, areas, the thermal plant, a river reach)."""
    found = load_zones(ZONES_FILE)
    assert not found.errors
    return found.zones


def at(minutes: float) -> datetime:
    """T0 plus minutes."""
    return T0 + timedelta(minutes=minutes)


def station(
    station_id: str = "S1",
    minutes: float = 0.0,
    lat: float = 36.651,
    lon: float = 116.930,
    name: str = "",
    **values: float,
) -> StationReading:
    """A station's hourly reading ending at T0 + minutes."""
    when = at(minutes)
    return StationReading(
        time_utc=when,
        station_id=station_id,
        name=name or "Huaiyin district station",
        latitude_deg=lat,
        longitude_deg=lon,
        values=tuple(values.items()),
        period_end_utc=when,
    )


def drone(
    lat: float = 36.6600, lon: float = 116.9600, minutes: float = 0.0, **values: float
) -> DroneReading:
    """A drone sample at T0 + minutes."""
    return DroneReading(
        time_utc=at(minutes),
        vehicle="uav-1",
        sortie_id=7,
        latitude_deg=lat,
        longitude_deg=lon,
        altitude_m=50.0,
        values=tuple(values.items()),
    )


StationFactory = Callable[..., StationReading]
