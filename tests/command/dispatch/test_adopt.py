"""Which open sorties a daemon taking over adopts (pure), the mission rebuilt from its record,
and the compare-and-set that lets only one process take a sortie over."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from command.dispatch.adopt import adoptable, mission_of
from command.dispatch.sortie import returns_home
from command.link import LinkState, VehicleSnapshot
from command.storage import (
    Database,
    SortieOutcome,
    SortieRecord,
    close_sortie,
    get_mission,
    get_sortie,
    open_sortie,
    save_mission,
    take_over_sortie,
    upsert_vehicle,
)
from missions.items import Cmd, Position
from tests.command.dispatch.conftest import square

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
FLYING = VehicleSnapshot(
    "d1",
    link=LinkState.OK,
    armed=True,
    altitude_relative_m=30.0,
    battery_remaining_pct=61,
    battery_voltage_v=15.6,
    mode_name="AUTO",
    mission_state=3,
)


def sortie(outcome: SortieOutcome) -> SortieRecord:
    return SortieRecord(
        1, 1, "yard", "d1", NOW, None, outcome, "", None, None, None, owner="a pid 1 start 1"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("state", "changes", "why"),
    [
        (SortieOutcome.FLYING, {}, None),
        (SortieOutcome.FLYING, {"armed": False, "altitude_relative_m": 12.0}, None),
        (SortieOutcome.UPLOADING, {}, None),  # launched in AUTO before the record said so
        (SortieOutcome.UPLOADING, {"mode_name": "GUIDED"}, "recorded as uploading"),
        (SortieOutcome.PLANNED, {}, "recorded as planned"),
        (SortieOutcome.FLYING, {"armed": False, "altitude_relative_m": 0.2}, "on the ground"),
        (SortieOutcome.FLYING, {"link": LinkState.LOST}, "the link is LOST"),
        (SortieOutcome.FLYING, {"altitude_relative_m": None}, "no telemetry"),
    ],
)  # fmt: skip
def test_only_a_sortie_in_the_air_flying_its_mission_is_adopted(
    state: SortieOutcome, changes: dict, why: str | None
) -> None:
    found = adoptable(sortie(state), dataclasses.replace(FLYING, **changes))
    if why is None:
        assert found is None
    else:
        assert found is not None and why in found


def test_the_mission_comes_back_from_its_record(db: Database) -> None:
    planned = square(Position(36.6425, 116.9275, 30.0))
    stored = save_mission(
        db,
        name="park",
        home_latitude_deg=planned.home.latitude_deg,
        home_longitude_deg=planned.home.longitude_deg,
        home_altitude_m=planned.home.altitude_m,
        cruise_speed_mps=planned.cruise_speed_mps,
        items=planned.items,
        now=NOW,
    )
    back = mission_of(get_mission(db, stored.id))
    assert back.home == planned.home
    assert len(back.items) == len(planned.items)
    assert all(a.same_as(b) for a, b in zip(back.items, planned.items, strict=True))
    assert back.items[-1].command == Cmd.NAV_RETURN_TO_LAUNCH and returns_home(back)


def test_only_one_process_takes_a_sortie_over(db: Database) -> None:
    upsert_vehicle(db, name="d1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad")
    stored = save_mission(
        db, name="m", home_latitude_deg=36.6, home_longitude_deg=116.9, home_altitude_m=30.0,
        cruise_speed_mps=8.0, items=[], now=NOW,
    )  # fmt: skip
    record = open_sortie(db, mission_id=stored.id, vehicle_name="d1", now=NOW, owner="a pid 1")
    later = NOW + timedelta(seconds=5)
    assert take_over_sortie(db, record.id, "a pid 1", "b pid 2", later)
    assert not take_over_sortie(db, record.id, "a pid 1", "c pid 3", later)  # b has it now
    taken = get_sortie(db, record.id)
    assert (taken.owner, taken.owner_seen_at) == ("b pid 2", later)
    close_sortie(db, record.id, SortieOutcome.COMPLETED, "landed", later)
    assert not take_over_sortie(db, record.id, "b pid 2", "c pid 3", later)  # closed
