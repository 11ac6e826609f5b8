"""The tracker's verdict on a real simulated flight: an RTL sent by another ground station (on
SITL's second port) is not a vehicle failsafe (a fence breach is: see test_dispatcher)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from command.dispatch import Dispatcher
from command.events import ModeCause, ModeChanged
from command.link import Fleet
from command.storage import Database, list_sorties
from tests.command.dispatch.conftest import PILOT, fly, home_of, linked_fleet, square
from tests.helpers.sitl import C, Gcs, Sitl, sitl

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def sortie_setup(tmp_path: Path, db: Database) -> Iterator[tuple[Sitl, Fleet, Dispatcher]]:
    """One simulated copter, linked as d1 on SERIAL0, and a dispatcher."""
    with sitl(tmp_path) as s, linked_fleet(s.url, ["d1"]) as (_, fleet):
        dispatcher = Dispatcher(fleet, db, actor=PILOT, tracks_dir=tmp_path / "t")
        try:
            yield s, fleet, dispatcher
        finally:
            dispatcher.close()


def test_rtl_from_another_ground_station_ends_the_sortie_aborted(sortie_setup, db) -> None:
    s, fleet, dispatcher = sortie_setup
    modes = dispatcher.bus.subscribe("test", kinds=[ModeChanged])
    handle = fly(dispatcher, square(home_of(fleet, "d1"), side_m=120), "d1", "sq")
    assert fleet.wait_for("d1", lambda x: (x.mission_seq or 0) >= 2, 60) is not None
    other = Gcs(s.url(0, serial=1))  # the pilot's second terminal, on SITL's further port
    assert other.command(C.MAV_CMD_NAV_RETURN_TO_LAUNCH) == C.MAV_RESULT_ACCEPTED
    assert handle.wait(150) == "aborted", handle.reason
    other.close()
    changes = [(e.previous, e.mode, e.cause) for e in modes.drain()]
    assert changes[:3] == [
        ("STABILIZE", "GUIDED", ModeCause.COMMANDED),
        ("GUIDED", "AUTO", ModeCause.COMMANDED),
        ("AUTO", "RTL", ModeCause.EXTERNAL),
    ]
    (sortie,) = list_sorties(db)
    assert sortie.outcome == "aborted"
    assert sortie.reason == "RTL: returned by another ground station or the RC"
