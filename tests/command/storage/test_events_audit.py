"""Events and the append-only audit log of commands sent to vehicles."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from command.storage import (
    MAX_LIST,
    CommandResult,
    ConstraintError,
    Database,
    EventSeverity,
    InvalidValueError,
    NotFoundError,
    StoredMission,
    begin_audit,
    finish_audit,
    list_audit,
    list_events,
    open_sortie,
    record_audit,
    record_event,
)
from command.storage import audit as audit_module


def test_events_are_kept_per_vehicle_and_sortie_newest_first(
    db: Database, mission: StoredMission, copter: str, now: datetime
) -> None:
    sortie = open_sortie(db, mission_id=mission.id, vehicle_name=copter, now=now)
    first = record_event(
        db, vehicle_name=copter, kind="link", severity="notice", message="link up", now=now
    )
    second = record_event(
        db,
        vehicle_name=copter,
        kind="statustext",
        severity=EventSeverity.CRITICAL,
        message="PreArm: Battery below minimum",
        now=now + timedelta(seconds=2),
        sortie_id=sortie.id,
    )
    assert list_events(db) == [second, first]
    assert list_events(db, sortie_id=sortie.id) == [second]
    assert list_events(db, vehicle_name=copter, limit=1) == [second]
    assert second.severity is EventSeverity.CRITICAL and second.time == now + timedelta(seconds=2)


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"severity": "fatal"}, InvalidValueError, "severity"),
        ({"kind": " "}, InvalidValueError, "kind"),
        ({"naive": True}, InvalidValueError, "now"),
        ({"vehicle_name": "ghost"}, NotFoundError, None),
        ({"sortie_id": 12345}, NotFoundError, None),
    ],
)
def test_bad_event_is_refused_and_nothing_is_stored(
    db: Database,
    copter: str,
    now: datetime,
    kwargs: dict[str, object],
    error: type[Exception],
    field: str | None,
) -> None:
    fields: dict[str, object] = {
        "vehicle_name": copter,
        "kind": "link",
        "severity": "info",
        "message": "m",
        "now": now.replace(tzinfo=None) if kwargs.pop("naive", False) else now,
    }
    fields.update(kwargs)
    with pytest.raises(error) as raised:
        record_event(db, **fields)  # type: ignore[arg-type]
    if field is not None:
        assert raised.value.field == field  # type: ignore[attr-defined]
    assert list_events(db) == []


def test_audit_records_who_what_when_which_vehicle_and_result(
    db: Database, now: datetime, db_path: Path
) -> None:
    beijing = timezone(timedelta(hours=8))
    entry = record_audit(
        db,
        actor="web:officer1",
        vehicle_name="copter-1",
        command="MAV_CMD_DO_SET_MODE",
        params={"mode": "RTL", "custom_mode": 6},
        result=CommandResult.ACCEPTED,
        now=now.astimezone(beijing),
    )
    refused = record_audit(
        db,
        actor="cli:pilot",
        vehicle_name="copter-2",
        command="MAV_CMD_COMPONENT_ARM_DISARM",
        params={"arm": 1},
        result="refused",
        reason="MAV_RESULT_DENIED: PreArm: GPS not healthy",
        now=now + timedelta(seconds=1),
    )
    assert entry.at == now and entry.at.utcoffset() == timedelta(0)
    assert list_audit(db) == [refused, entry]
    assert list_audit(db, vehicle_name="copter-1") == [entry]
    assert list_audit(db, actor="cli:pilot") == [refused]
    # Committed before returning: another connection sees it, in UTC.
    with sqlite3.connect(db_path) as plain:
        row = plain.execute("SELECT actor, at, result FROM audit_log WHERE id = ?", (entry.id,))
        assert row.fetchone() == ("web:officer1", "2026-11-24 08:30:00.000000", "accepted")


def test_audit_needs_no_vehicle_row(db: Database, now: datetime) -> None:
    entry = record_audit(
        db,
        actor="cli:pilot",
        vehicle_name="unregistered-drone",
        command="MAV_CMD_NAV_RETURN_TO_LAUNCH",
        params={},
        result="timeout",
        now=now,
    )
    assert list_audit(db) == [entry]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("result", "maybe"),
        ("actor", ""),
        ("command", "   "),
        ("params", {"speed": float("inf")}),
        ("params", {"when": datetime(2026, 1, 1)}),
    ],
)
def test_bad_audit_is_refused_and_nothing_is_stored(
    db: Database, now: datetime, field: str, value: object
) -> None:
    fields: dict[str, object] = {
        "actor": "cli:pilot",
        "vehicle_name": "copter-1",
        "command": "MAV_CMD_DO_SET_MODE",
        "params": {"mode": "AUTO"},
        "result": "accepted",
        "now": now,
    }
    fields[field] = value
    with pytest.raises(InvalidValueError) as raised:
        record_audit(db, **fields)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert list_audit(db) == []


def test_the_audit_log_has_no_update_or_delete_and_the_database_refuses_both(
    db: Database, now: datetime, db_path: Path
) -> None:
    assert not [name for name in vars(audit_module) if name.startswith(("update", "delete"))]
    entry = record_audit(
        db,
        actor="cli:pilot",
        vehicle_name="copter-1",
        command="MAV_CMD_DO_SET_MODE",
        params={"mode": "LAND"},
        result="accepted",
        now=now,
    )
    for statement in ("UPDATE audit_log SET result = 'refused'", "DELETE FROM audit_log"):
        with sqlite3.connect(db_path) as plain, pytest.raises(sqlite3.IntegrityError) as raised:
            plain.execute(statement)
        assert "append-only" in str(raised.value)
    assert list_audit(db) == [entry]


def test_a_command_is_recorded_pending_before_sending_and_its_outcome_appended_once(
    db: Database, now: datetime, db_path: Path
) -> None:
    pending = begin_audit(
        db, actor="cli:pilot", vehicle_name="copter-1", command="arm", params={}, now=now
    )
    assert pending.result is CommandResult.PENDING and pending.outcome_at is None
    assert list_audit(db) == [pending]  # a sender killed now leaves this: sent or not, unknown
    later = now + timedelta(seconds=1)
    done = finish_audit(db, pending.id, "refused", later, "PreArm: Need Position Estimate")
    assert (done.result, done.reason, done.outcome_at) == (
        CommandResult.REFUSED,
        "PreArm: Need Position Estimate",
        later,
    )
    assert list_audit(db) == [done]
    with pytest.raises(ConstraintError):
        finish_audit(db, pending.id, "accepted", later)
    with pytest.raises(NotFoundError):
        finish_audit(db, 9999, "accepted", later)
    with pytest.raises(InvalidValueError):
        finish_audit(db, pending.id, "pending", later)
    with pytest.raises(InvalidValueError):
        record_audit(
            db, actor="a", vehicle_name="v", command="c", params={}, result="pending", now=now
        )
    for statement in (
        "UPDATE audit_outcomes SET result = 'accepted'",
        "DELETE FROM audit_outcomes",
    ):
        with sqlite3.connect(db_path) as plain, pytest.raises(sqlite3.IntegrityError) as raised:
            plain.execute(statement)
        assert "append-only" in str(raised.value)
    assert list_audit(db) == [done]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "a" * 121),
        ("actor", "pilot\x00"),
        ("vehicle_name", " "),
        ("params", {"x": float("nan")}),
    ],
)
def test_a_command_that_cannot_be_recorded_leaves_no_row(
    db: Database, now: datetime, field: str, value: object
) -> None:
    fields: dict[str, object] = {
        "actor": "cli:pilot",
        "vehicle_name": "copter-1",
        "command": "arm",
        "params": {},
        "now": now,
    }
    fields[field] = value
    with pytest.raises(InvalidValueError) as raised:
        begin_audit(db, **fields)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert list_audit(db) == []


def test_list_limits_are_bounded(db: Database) -> None:
    for limit in (0, MAX_LIST + 1, 10**30):
        with pytest.raises(InvalidValueError, match="limit"):
            list_audit(db, limit)
        with pytest.raises(InvalidValueError, match="limit"):
            list_events(db, limit)
