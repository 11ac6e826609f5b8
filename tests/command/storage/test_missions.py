"""Missions: items stored 1:1 with the MissionItem contract, unique names, immutable once saved."""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command.storage import (
    Database,
    DuplicateNameError,
    InvalidValueError,
    NotFoundError,
    StoredMission,
    StoredMissionItem,
    find_mission,
    get_mission,
    list_missions,
    save_mission,
)
from missions.items import MissionItem

from .conftest import waypoint


def _save(db: Database, at: datetime, **overrides: object) -> StoredMission:
    """Save a small valid mission made at `at`, with some fields replaced."""
    fields: dict[str, object] = {
        "name": "m",
        "home_latitude_deg": 30.0,
        "home_longitude_deg": 120.0,
        "home_altitude_m": 5.0,
        "cruise_speed_mps": 6.0,
        "items": [],
        "now": at,
    }
    fields.update(overrides)
    return save_mission(db, **fields)  # type: ignore[arg-type]


def test_mission_round_trip_keeps_home_items_in_order_fence_and_rally(
    db: Database, mission: StoredMission, now: datetime
) -> None:
    again = get_mission(db, mission.id)
    assert again == mission
    assert find_mission(db, "patrol riverside 0830") == mission
    assert again.created_at == now and again.created_at.tzinfo is not None
    assert (again.home_latitude_deg, again.home_longitude_deg, again.home_altitude_m) == (
        30.25,
        120.15,
        12.0,
    )
    assert [item.command for item in again.items] == [22, 16, 16, 20]
    assert again.items[1] == waypoint(30.251, 120.151)
    assert math.isnan(again.items[1].param4)
    assert (again.source_file, again.zone_name, again.fence, again.rally) == (
        "riverside.plan",
        "riverside",
        None,
        None,
    )


def test_items_are_stored_with_their_mavlink_seq_home_being_zero(
    db: Database, mission: StoredMission, db_path: Path
) -> None:
    with sqlite3.connect(db_path) as plain:
        rows = plain.execute(
            "SELECT seq, command FROM mission_items WHERE mission_id = ? ORDER BY seq",
            (mission.id,),
        ).fetchall()
    assert rows == [(1, 22), (2, 16), (3, 16), (4, 20)]


def test_contract_items_go_in_as_they_are_and_map_back_field_for_field(
    db: Database, now: datetime
) -> None:
    items = [
        MissionItem(16, 3, 0.0, 2.0, 0.0, float("nan"), 30.1, 120.1, 50.0),
        MissionItem(178, 2, 1.0, 5.0, -1.0, 0.0, 0.0, 0.0, 0.0, autocontinue=False),
    ]
    stored = _save(
        db,
        now,
        items=items,
        fence={"polygons": [{"inclusion": True, "polygon": [[30, 120], [30.1, 120]]}]},
        rally={"points": [[30.0, 120.0, 30.0]], "version": 2},
    )
    fields = list(MissionItem.__dataclass_fields__)
    back = get_mission(db, stored.id).items
    assert [row.autocontinue for row in back] == [True, False]
    for original, returned in zip(items, back, strict=True):
        for field in fields:
            a, b = getattr(original, field), getattr(returned, field)
            assert a == b or (math.isnan(a) and math.isnan(b)), field
    assert get_mission(db, stored.id).fence["polygons"][0]["inclusion"] is True
    assert get_mission(db, stored.id).rally == {"points": [[30.0, 120.0, 30.0]], "version": 2}


def test_a_taken_name_is_refused_and_the_first_mission_stays(
    db: Database, mission: StoredMission, now: datetime
) -> None:
    with pytest.raises(DuplicateNameError) as raised:
        _save(db, now, name=mission.name, items=[waypoint(1.0, 2.0)])
    assert (raised.value.table, raised.value.name) == ("missions", mission.name)
    assert list_missions(db) == [mission]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"home_latitude_deg": 91.0}, "home_latitude_deg"),
        ({"home_longitude_deg": -180.5}, "home_longitude_deg"),
        ({"home_altitude_m": float("inf")}, "home_altitude_m"),
        ({"cruise_speed_mps": 0.0}, "cruise_speed_mps"),
        ({"cruise_speed_mps": float("nan")}, "cruise_speed_mps"),
        ({"now": datetime(2026, 11, 24, 8, 0)}, "now"),
        ({"fence": {"polygons": {1, 2}}}, "fence"),
        ({"items": [waypoint(30.0, 120.0), waypoint(95.0, 120.0)]}, "items[1].latitude_deg"),
        (
            {"items": [StoredMissionItem(70000, 3, 0, 0, 0, 0, 30.0, 120.0, 10.0)]},
            "items[0].command",
        ),
        (
            {"items": [StoredMissionItem(16, 3, float("inf"), 0, 0, 0, 30.0, 120.0, 10.0)]},
            "items[0].param1",
        ),
    ],
)
def test_bad_mission_is_refused_and_nothing_is_stored(
    db: Database, now: datetime, db_path: Path, extra: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValueError) as raised:
        _save(db, now, **extra)
    assert raised.value.field == field
    with sqlite3.connect(db_path) as plain:
        assert plain.execute("SELECT count(*) FROM missions").fetchone() == (0,)
        assert plain.execute("SELECT count(*) FROM mission_items").fetchone() == (0,)


def test_created_at_in_another_zone_comes_back_as_the_same_instant_in_utc(
    db: Database, now: datetime
) -> None:
    beijing = timezone(timedelta(hours=8))
    stored = _save(db, now.astimezone(beijing))
    again = get_mission(db, stored.id)
    assert again.created_at == now
    assert again.created_at.utcoffset() == timedelta(0)


def test_list_missions_is_newest_first_and_limited(db: Database, now: datetime) -> None:
    for minutes in (0, 20, 10):
        _save(db, now + timedelta(minutes=minutes), name=f"m{minutes}")
    assert [m.name for m in list_missions(db)] == ["m20", "m10", "m0"]
    assert [m.name for m in list_missions(db, limit=2)] == ["m20", "m10"]
    with pytest.raises(InvalidValueError):
        list_missions(db, limit=0)


def test_unknown_mission_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        get_mission(db, 404)
    with pytest.raises(NotFoundError):
        find_mission(db, "nope")


floats = st.floats(allow_infinity=False, width=64)
items = st.builds(
    StoredMissionItem,
    command=st.integers(0, 65535),
    frame=st.integers(0, 255),
    param1=floats,
    param2=floats,
    param3=floats,
    param4=floats,
    latitude_deg=st.floats(-90, 90),
    longitude_deg=st.floats(-180, 180),
    altitude_m=st.floats(-500, 10000),
    autocontinue=st.booleans(),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=st.lists(items, max_size=30))
def test_any_valid_items_come_back_exactly(
    db: Database, now: datetime, generated: list[StoredMissionItem]
) -> None:
    name = f"hyp-{len(list_missions(db, limit=1000))}"
    stored = _save(db, now, name=name, items=generated)
    assert get_mission(db, stored.id).items == tuple(generated)
