"""The tracker's verdict on a real simulated flight: an RTL sent by another ground station (on
SITL's second port) is not a vehicle failsafe (a fence breach is: see test_dispatcher)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from command.dispatch import Dispatcher
from command.link import Fleet, LinkState
from command.storage import Database, list_sorties
from tests.command.dispatch.conftest import SPEEDUP, home_of, square, yes
from tests.helpers.sitl import C, Gcs, Sitl, sitl

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def sortie_setup(tmp_path: Path, db: Database) -> Iterator[tuple[Sitl, Fleet, Dispatcher]]:
    """One simulated copter, linked as d1 on SERIAL0, and a dispatcher."""
    with sitl(tmp_path, speedup=SPEEDUP) as s, Fleet(heartbeat_period_s=1 / SPEEDUP) as fleet:
        fleet.connect("d1", s.url())
        ready = fleet.wait_for(
            "d1", lambda x: x.link is LinkState.OK and x.home is not None and x.has_position, 30
        )
        assert ready is not None
        yield s, fleet, Dispatcher(fleet, db, actor="test:pilot", tracks_dir=tmp_path / "t",
                                   poll_s=0.05)  # fmt: skip


def test_rtl_from_another_ground_station_ends_the_sortie_aborted(sortie_setup, db) -> None:
    s, fleet, dispatcher = sortie_setup
    handle = dispatcher.dispatch(square(home_of(fleet, "d1"), side_m=120), "d1", name="sq",
                                 confirm=yes)  # fmt: skip
    assert fleet.wait_for("d1", lambda x: (x.mission_seq or 0) >= 2, 60) is not None
    other = Gcs(s.url(0, serial=1))  # the pilot's second terminal, on SITL's further port
    assert other.command(C.MAV_CMD_NAV_RETURN_TO_LAUNCH) == C.MAV_RESULT_ACCEPTED
    assert handle.wait(150) == "aborted", handle.reason
    other.close()
    (sortie,) = list_sorties(db)
    assert sortie.outcome == "aborted"
    assert sortie.reason == "RTL: returned by another ground station or the RC"
