"""Fixtures: simulator, fleet, database and a short mission from the vehicle's own home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from command.dispatch import Dispatcher
from command.link import Fleet, LinkState
from command.storage import Database, open_database, sqlite_url, upsert_vehicle
from missions.items import Cmd, Frame, Mission, MissionItem, Position
from simulator import geo
from tests.command.cli.conftest import checkout_var_untouched  # noqa: F401 (autouse)
from tests.helpers.sitl import sitl

SPEEDUP = 10


def square(home: Position, side_m: float = 60.0, alt_m: float = 25.0, rtl: bool = True) -> Mission:
    """Take-off, four corners of a square, RTL (or not)."""
    items = [
        MissionItem(
            command=Cmd.NAV_TAKEOFF,
            frame=Frame.GLOBAL_RELATIVE_ALT,
            latitude_deg=0.0,
            longitude_deg=0.0,
            altitude_m=20.0,
        )
    ]
    for n, e in [(side_m, 0), (side_m, side_m), (0, side_m), (0, 0)]:
        lat, lon = geo.destination(home.latitude_deg, home.longitude_deg, n, e)
        items.append(
            MissionItem(
                command=Cmd.NAV_WAYPOINT,
                frame=Frame.GLOBAL_RELATIVE_ALT,
                latitude_deg=lat,
                longitude_deg=lon,
                altitude_m=alt_m,
            )
        )
    if rtl:
        items.append(
            MissionItem(
                command=Cmd.NAV_RETURN_TO_LAUNCH,
                frame=Frame.GLOBAL_RELATIVE_ALT,
                latitude_deg=0.0,
                longitude_deg=0.0,
                altitude_m=0.0,
            )
        )
    return Mission(home=home, items=tuple(items), cruise_speed_mps=8.0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh SQLite file, migrated."""
    database = open_database(sqlite_url(tmp_path / "ecopatrol.sqlite"))
    yield database
    database.close()


@pytest.fixture
def d1(db: Database) -> str:
    """A vehicle "d1" known to the database (no link)."""
    upsert_vehicle(db, name="d1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad")
    return "d1"


@pytest.fixture
def flying(tmp_path: Path, db: Database, request) -> Iterator[tuple[Fleet, Dispatcher, list[str]]]:
    """N simulated copters (marker `drones`, default 1) linked as d1..dN, and a dispatcher."""
    marker = request.node.get_closest_marker("drones")
    n = marker.args[0] if marker else 1
    with (
        sitl(tmp_path, drones=n, speedup=SPEEDUP) as s,
        Fleet(heartbeat_period_s=1.0 / SPEEDUP) as fleet,
    ):
        names = [f"d{i + 1}" for i in range(n)]
        for i, name in enumerate(names):
            fleet.connect(name, s.url(i))
        for name in names:
            ok = fleet.wait_for(
                name,
                lambda x: (
                    x.link is LinkState.OK
                    and x.has_position
                    and x.home is not None
                    and x.gps_fix_type >= 3
                ),
                30,
            )
            assert ok is not None, fleet.snapshot(name)
        dispatcher = Dispatcher(
            fleet, db, actor="test:pilot", tracks_dir=tmp_path / "tracks", poll_s=0.05
        )
        yield fleet, dispatcher, names


def yes(prompt: str) -> bool:
    """The pilot's confirmation, given."""
    return True


def home_of(fleet: Fleet, name: str) -> Position:
    """The vehicle's home as a mission Position."""
    h = fleet.snapshot(name).home
    assert h is not None
    return h
