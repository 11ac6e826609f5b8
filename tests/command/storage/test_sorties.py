"""Sorties: planned -> uploading -> flying -> a final outcome, recorded once, with a track path."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from command.storage import (
    Database,
    InvalidValueError,
    NotFoundError,
    SortieOutcome,
    SortieStateError,
    StoredMission,
    advance_sortie,
    attach_track,
    close_sortie,
    get_sortie,
    list_open_sorties,
    list_sorties,
    open_sortie,
    renew_owner,
    upsert_vehicle,
)


def test_a_sortie_goes_from_planned_to_completed(
    db: Database, mission: StoredMission, copter: str, now: datetime, tmp_path: Path
) -> None:
    tracks = tmp_path / "var" / "tracks"
    opened = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now, tracks_dir=tracks)
    assert opened.outcome is SortieOutcome.PLANNED
    assert (opened.mission_name, opened.vehicle_name) == (mission.name, copter)
    assert opened.started_at == now and opened.ended_at is None
    assert opened.track_path == tracks / f"{opened.id}.track"

    assert advance_sortie(db, opened.id, "uploading").outcome is SortieOutcome.UPLOADING
    assert advance_sortie(db, opened.id, SortieOutcome.FLYING).outcome is SortieOutcome.FLYING
    assert advance_sortie(db, opened.id, "flying").outcome is SortieOutcome.FLYING

    landed = now + timedelta(minutes=17, seconds=3)
    closed = close_sortie(db, opened.id, "completed", "mission done", landed, 3120.5, 41.0)
    assert closed == get_sortie(db, opened.id)
    assert (closed.outcome, closed.reason, closed.ended_at) == (
        SortieOutcome.COMPLETED,
        "mission done",
        landed,
    )
    assert (closed.distance_m, closed.battery_used_pct) == (3120.5, 41.0)
    assert closed.track_path == opened.track_path


def test_a_closed_sortie_cannot_be_closed_or_advanced_again(
    db: Database, mission: StoredMission, copter: str, now: datetime
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    failsafe = close_sortie(db, sortie.id, SortieOutcome.FAILSAFE, "battery low", now)
    with pytest.raises(SortieStateError):
        close_sortie(db, sortie.id, "completed", "", now + timedelta(minutes=1))
    with pytest.raises(SortieStateError):
        advance_sortie(db, sortie.id, "flying")
    assert get_sortie(db, sortie.id) == failsafe


def test_in_progress_outcomes_only_move_forward(
    db: Database, mission: StoredMission, copter: str, now: datetime
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    advance_sortie(db, sortie.id, "flying")
    with pytest.raises(SortieStateError):
        advance_sortie(db, sortie.id, "uploading")
    assert get_sortie(db, sortie.id).outcome is SortieOutcome.FLYING


@pytest.mark.parametrize(
    ("outcome", "kwargs", "field"),
    [
        ("crashed", {}, "outcome"),
        ("flying", {}, "outcome"),
        ("completed", {"battery_used_pct": 120.0}, "battery_used_pct"),
        ("completed", {"distance_m": -1.0}, "distance_m"),
        ("completed", {"now_shift": timedelta(seconds=-1)}, "now"),
        ("completed", {"naive": True}, "now"),
    ],
)
def test_bad_close_is_refused_and_the_sortie_is_unchanged(
    db: Database,
    mission: StoredMission,
    copter: str,
    now: datetime,
    outcome: str,
    kwargs: dict[str, object],
    field: str,
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    end = now + kwargs.pop("now_shift", timedelta(minutes=5))  # type: ignore[operator]
    if kwargs.pop("naive", False):
        end = end.replace(tzinfo=None)
    with pytest.raises(InvalidValueError) as raised:
        close_sortie(db, sortie.id, outcome, "why", end, **kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert get_sortie(db, sortie.id) == sortie


def test_advance_refuses_a_final_outcome(
    db: Database, mission: StoredMission, copter: str, now: datetime
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    with pytest.raises(InvalidValueError):
        advance_sortie(db, sortie.id, "completed")
    with pytest.raises(InvalidValueError):
        advance_sortie(db, sortie.id, "hovering")


def test_open_needs_a_known_mission_and_vehicle(
    db: Database, mission: StoredMission, copter: str, now: datetime, db_path: Path
) -> None:
    with pytest.raises(NotFoundError):
        open_sortie(db, mission_id=mission.id + 1, vehicle_name=copter, now=now)
    with pytest.raises(NotFoundError):
        open_sortie(db, mission_id=mission.id, vehicle_name="ghost", now=now)
    with pytest.raises(NotFoundError):
        close_sortie(db, 99, "aborted", "", now)
    with sqlite3.connect(db_path) as plain:
        assert plain.execute("SELECT count(*) FROM sorties").fetchone() == (0,)


def test_the_database_refuses_an_unknown_outcome_even_past_the_repository(
    db: Database, mission: StoredMission, copter: str, now: datetime, db_path: Path
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    with sqlite3.connect(db_path) as plain, pytest.raises(sqlite3.IntegrityError):
        plain.execute("UPDATE sorties SET outcome = 'crashed' WHERE id = ?", (sortie.id,))
    with sqlite3.connect(db_path) as plain, pytest.raises(sqlite3.IntegrityError):
        plain.execute("PRAGMA foreign_keys = ON")
        plain.execute("UPDATE sorties SET vehicle_id = 999 WHERE id = ?", (sortie.id,))
    assert get_sortie(db, sortie.id) == sortie


def test_list_sorties_is_newest_first_limited_and_by_vehicle(
    db: Database, mission: StoredMission, copter: str, now: datetime
) -> None:
    upsert_vehicle(db, name="copter-2", connection="tcp:127.0.0.1:5770", system_id=2, airframe="q")
    starts = {}
    for minutes, vehicle in ((0, copter), (30, "copter-2"), (15, copter), (45, copter)):
        sortie = open_sortie(
            db, mission_id=mission.id, vehicle_name=vehicle, now=now + timedelta(minutes=minutes)
        )
        starts[sortie.id] = minutes
    newest = list_sorties(db, limit=3)
    assert [starts[s.id] for s in newest] == [45, 30, 15]
    assert [starts[s.id] for s in list_sorties(db, vehicle_name=copter)] == [45, 15, 0]
    assert [s.vehicle_name for s in list_sorties(db, vehicle_name="copter-2")] == ["copter-2"]


def test_attach_track_records_the_file(
    db: Database, mission: StoredMission, copter: str, now: datetime, tmp_path: Path
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    assert sortie.track_path is None
    path = tmp_path / "tracks" / f"{sortie.id}.track"
    assert attach_track(db, sortie.id, path).track_path == path
    assert get_sortie(db, sortie.id).track_path == path


def test_a_sortie_keeps_its_owner_and_the_vehicles_own_battery_figures(
    db: Database, mission: StoredMission, copter: str, now: datetime
) -> None:
    opened = open_sortie(
        db,
        mission_id=mission.id,
        vehicle_name=copter,
        now=now,
        owner="gcs-1 pid 4242 start 99",
        battery_start_pct=96.0,
        estimated_battery_pct=16.0,
    )
    assert (opened.owner, opened.owner_seen_at) == ("gcs-1 pid 4242 start 99", now)
    assert [s.id for s in list_open_sorties(db, copter)] == [opened.id]
    later = now + timedelta(seconds=5)
    assert renew_owner(db, opened.id, "gcs-1 pid 4242 start 99", later)
    assert not renew_owner(db, opened.id, "gcs-2 pid 1 start 1", later + timedelta(seconds=1))
    assert get_sortie(db, opened.id).owner_seen_at == later
    closed = close_sortie(
        db,
        opened.id,
        "completed",
        "mission complete, landed",
        now + timedelta(minutes=9),
        battery_end_pct=29.0,
        battery_used_mah=6700.0,
    )
    assert (closed.battery_start_pct, closed.battery_end_pct, closed.battery_used_pct) == (
        96.0,
        29.0,
        67.0,
    )
    assert (closed.battery_used_mah, closed.estimated_battery_pct) == (6700.0, 16.0)
    assert list_open_sorties(db, copter) == [] and list_open_sorties(db, "ghost") == []
    assert not renew_owner(db, opened.id, "gcs-1 pid 4242 start 99", later)


@pytest.mark.parametrize(
    ("opening", "closing", "field"),
    [
        ({"battery_start_pct": 101.0}, {}, "battery_start_pct"),
        ({"estimated_battery_pct": -1.0}, {}, "estimated_battery_pct"),
        ({"owner": "x" * 201}, {}, "owner"),
        ({}, {"battery_end_pct": float("nan")}, "battery_end_pct"),
        ({}, {"battery_used_mah": -5.0}, "battery_used_mah"),
    ],
)
def test_bad_battery_or_owner_figures_are_refused_and_change_nothing(
    db: Database,
    mission: StoredMission,
    copter: str,
    now: datetime,
    opening: dict[str, object],
    closing: dict[str, object],
    field: str,
) -> None:
    with pytest.raises(InvalidValueError) as raised:
        sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now, **opening)
        close_sortie(db, sortie.id, "completed", "", now, **closing)
    assert raised.value.field == field
    assert all(s.outcome in ("planned",) for s in list_sorties(db))
