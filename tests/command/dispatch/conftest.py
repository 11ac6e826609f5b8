"""Fixtures: simulator, fleet, database and a short mission from the vehicle's own home."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from command.dispatch import Dispatcher, Sortie, Work
from command.events import EventBus
from command.link import Fleet, LinkState
from command.storage import Database, open_database, sqlite_url, upsert_vehicle
from missions.items import Cmd, Frame, Mission, MissionItem, Position
from simulator import geo
from tests.helpers.sitl import sitl

SPEEDUP = 10
PILOT = "test:pilot"


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


def ready(snap) -> bool:
    """Linked, with a position estimate, a home and a 3D fix: a sortie may start."""
    return (
        snap.link is LinkState.OK
        and snap.has_position
        and snap.home is not None
        and snap.gps_fix_type >= 3
    )


@contextmanager
def linked_fleet(url_of, names: list[str], **fleet_args) -> Iterator[tuple[EventBus, Fleet]]:
    """An event bus and a fleet publishing on it, linked to `names` and ready to fly; heartbeat
    and telemetry events at 1 Hz and 5 Hz of simulated time."""
    bus = EventBus()
    fleet_args = {
        "heartbeat_period_s": 1.0 / SPEEDUP,
        "telemetry_period_s": 0.2 / SPEEDUP,
    } | fleet_args
    try:
        with Fleet(bus=bus, **fleet_args) as fleet:
            for i, name in enumerate(names):
                fleet.connect(name, url_of(i))
            for name in names:
                assert fleet.wait_for(name, ready, 30) is not None, fleet.snapshot(name)
            yield bus, fleet
    finally:
        bus.close()


@pytest.fixture
def flying(tmp_path: Path, db: Database, request) -> Iterator[tuple[Fleet, Dispatcher, list[str]]]:
    """N simulated copters (marker `drones`, default 1) linked as d1..dN, and a dispatcher."""
    marker = request.node.get_closest_marker("drones")
    n = marker.args[0] if marker else 1
    names = [f"d{i + 1}" for i in range(n)]
    with sitl(tmp_path, drones=n, speedup=SPEEDUP) as s, linked_fleet(s.url, names) as (_, fleet):
        dispatcher = Dispatcher(fleet, db, actor=PILOT, tracks_dir=tmp_path / "tracks")
        try:
            yield fleet, dispatcher, names
        finally:
            dispatcher.close()


def fly(
    dispatcher: Dispatcher, mission: Mission, vehicle: str, name: str, work: Work | None = None
) -> Sortie:
    """Prepare and launch at once, as the pilot who says yes; the sortie's handle."""
    sortie_id = dispatcher.prepare(mission, vehicle, name=name, actor=PILOT, work=work)
    sortie = dispatcher.sortie(sortie_id)
    assert sortie is not None
    dispatcher.launch(sortie_id, confirmed=True, actor=PILOT)
    return sortie


def home_of(fleet: Fleet, name: str) -> Position:
    """The vehicle's home as a mission Position."""
    h = fleet.snapshot(name).home
    assert h is not None
    return h
