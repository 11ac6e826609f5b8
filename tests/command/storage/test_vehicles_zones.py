"""Vehicles and zones: upsert by unique name, bad input refused with nothing changed."""

from __future__ import annotations

import json

import pytest

from command.storage import (
    Database,
    DuplicateNameError,
    InvalidValueError,
    NotFoundError,
    get_vehicle,
    get_zone,
    list_vehicles,
    list_zones,
    upsert_vehicle,
    upsert_zone,
)
from command.storage.models import VehicleRow

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.15, 30.25], [120.16, 30.25], [120.16, 30.26], [120.15, 30.25]]],
}


def test_upsert_vehicle_inserts_then_updates_the_same_row(db: Database) -> None:
    first = upsert_vehicle(
        db, name="copter-1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad"
    )
    second = upsert_vehicle(
        db,
        name="copter-1",
        connection="udp:0.0.0.0:14550",
        system_id=7,
        airframe="hexa",
        notes="new props",
    )
    assert second.id == first.id
    assert get_vehicle(db, "copter-1") == second
    assert (second.connection, second.system_id, second.airframe, second.notes) == (
        "udp:0.0.0.0:14550",
        7,
        "hexa",
        "new props",
    )
    assert [v.name for v in list_vehicles(db)] == ["copter-1"]


def test_vehicles_are_listed_by_name(db: Database) -> None:
    for name, port in (("copter-3", 5780), ("copter-1", 5760), ("copter-2", 5770)):
        upsert_vehicle(
            db, name=name, connection=f"tcp:127.0.0.1:{port}", system_id=1, airframe="quad"
        )
    assert [v.name for v in list_vehicles(db)] == ["copter-1", "copter-2", "copter-3"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("system_id", 0), ("system_id", 256), ("name", "  "), ("connection", ""), ("airframe", "")],
)
def test_bad_vehicle_is_refused_and_the_stored_one_is_unchanged(
    db: Database, copter: str, field: str, value: object
) -> None:
    before = get_vehicle(db, copter)
    fields = {
        "name": copter,
        "connection": "tcp:10.0.0.9:5760",
        "system_id": 2,
        "airframe": "hexa",
    }
    fields[field] = value
    with pytest.raises(InvalidValueError) as raised:
        upsert_vehicle(db, **fields)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert list_vehicles(db) == [before]


def test_unknown_vehicle_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        get_vehicle(db, "ghost")


def test_a_unique_clash_in_a_transaction_is_a_duplicate_error_and_rolls_back_all_of_it(
    db: Database, copter: str
) -> None:
    with pytest.raises(DuplicateNameError) as raised, db.transaction() as session:
        session.add(VehicleRow(name="copter-9", connection="tcp:x:1", system_id=9, airframe="q"))
        session.flush()
        session.add(VehicleRow(name=copter, connection="tcp:x:2", system_id=2, airframe="q"))
        session.flush()
    assert raised.value.table == "vehicles"
    assert [v.name for v in list_vehicles(db)] == [copter]


def test_zone_round_trip_with_geojson_text_or_object(db: Database) -> None:
    stored = upsert_zone(
        db,
        name="riverside",
        kind="patrol",
        priority=2,
        geometry=SQUARE,
        revisit_minutes=60,
        properties={"district": "西湖区", "station": "1223A"},
    )
    again = get_zone(db, "riverside")
    assert again == stored
    assert json.loads(again.geometry_geojson) == SQUARE
    assert again.properties == {"district": "西湖区", "station": "1223A"}
    assert (again.kind, again.priority, again.revisit_minutes) == ("patrol", 2, 60)

    text_geometry = json.dumps({"type": "Feature", "geometry": SQUARE, "properties": {}})
    replaced = upsert_zone(db, name="riverside", kind="no_fly", priority=1, geometry=text_geometry)
    assert replaced.id == stored.id
    assert json.loads(replaced.geometry_geojson)["type"] == "Feature"
    assert (replaced.kind, replaced.revisit_minutes, replaced.properties) == ("no_fly", None, {})


def test_zones_are_listed_by_priority_then_name(db: Database) -> None:
    for name, priority in (("b", 3), ("a", 3), ("c", 1), ("d", 4)):
        upsert_zone(db, name=name, kind="patrol", priority=priority, geometry=SQUARE)
    assert [z.name for z in list_zones(db)] == ["c", "a", "b", "d"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", 0),
        ("priority", 5),
        ("priority", True),
        ("revisit_minutes", 0),
        ("geometry", "{not json"),
        ("geometry", '{"type": "Circle", "radius": 5}'),
        ("geometry", "[1, 2]"),
        ("properties", {"level": float("nan")}),
        ("kind", ""),
    ],
)
def test_bad_zone_is_refused_and_the_stored_one_is_unchanged(
    db: Database, field: str, value: object
) -> None:
    before = upsert_zone(db, name="riverside", kind="patrol", priority=2, geometry=SQUARE)
    fields: dict[str, object] = {
        "name": "riverside",
        "kind": "patrol",
        "priority": 1,
        "geometry": SQUARE,
    }
    fields[field] = value
    with pytest.raises(InvalidValueError) as raised:
        upsert_zone(db, **fields)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert list_zones(db) == [before]
