"""The audit log of commands for vehicles: append-only (there is no update or delete).

A command is written ahead of sending (`begin_audit`, result "pending"): if that write fails,
nothing is sent. What came of it is appended beside it (`finish_audit`). `record_audit` writes a
command and its result at once. The vehicle is kept by name so a record never depends on the
vehicles table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import checks
from .database import Database
from .errors import ConstraintError, InvalidValueError, NotFoundError
from .kinds import CommandResult
from .models import NAME_LENGTH, AuditOutcomeRow, AuditRow
from .records import AuditRecord


def record_audit(
    db: Database,
    *,
    actor: str,
    vehicle_name: str,
    command: str,
    params: Mapping[str, Any],
    result: CommandResult | str,
    now: datetime,
    reason: str = "",
) -> AuditRecord:
    """Append who (`actor`, e.g. "cli:pilot") sent `command` with `params` to which vehicle,
    when (`now`, UTC) and what came of it. Committed before it returns."""
    final = _final("result", result)
    entry = _entry(actor, vehicle_name, command, params, now, final, reason)
    with db.transaction() as session:
        session.add(entry)
        session.flush()
        return audit_record(entry, None)


def begin_audit(
    db: Database,
    *,
    actor: str,
    vehicle_name: str,
    command: str,
    params: Mapping[str, Any],
    now: datetime,
) -> AuditRecord:
    """Record a command before it is sent (result "pending"); committed before it returns.

    Raises (InvalidValueError, DatabaseUnavailable...) when it cannot be recorded: then the
    command must not be sent.
    """
    entry = _entry(actor, vehicle_name, command, params, now, CommandResult.PENDING, "")
    with db.transaction() as session:
        session.add(entry)
        session.flush()
        return audit_record(entry, None)


def finish_audit(
    db: Database, audit_id: int, result: CommandResult | str, now: datetime, reason: str = ""
) -> AuditRecord:
    """Append what came of the pending command `audit_id` (once; a second outcome is refused)."""
    final = _final("result", result)
    outcome = AuditOutcomeRow(
        audit_id=audit_id,
        at=checks.utc("now", now),
        result=final.value,
        reason=checks.text("reason", reason),
    )
    with db.transaction() as session:
        entry = session.get(AuditRow, audit_id)
        if entry is None:
            raise NotFoundError("audit_log", audit_id)
        if entry.result != CommandResult.PENDING.value or _outcome(session, audit_id):
            raise ConstraintError(f"audit_log {audit_id}: its outcome is already recorded")
        session.add(outcome)
        session.flush()
        return audit_record(entry, outcome)


def list_audit(
    db: Database,
    limit: int = 100,
    *,
    vehicle_name: str | None = None,
    actor: str | None = None,
) -> list[AuditRecord]:
    """The newest `limit` audit records, newest first; optionally of one vehicle and/or actor."""
    limit = checks.list_limit(limit)
    query = (
        select(AuditRow, AuditOutcomeRow)
        .outerjoin(AuditOutcomeRow, AuditOutcomeRow.audit_id == AuditRow.id)
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
        .limit(limit)
    )
    if vehicle_name is not None:
        query = query.where(AuditRow.vehicle_name == vehicle_name)
    if actor is not None:
        query = query.where(AuditRow.actor == actor)
    with db.reading() as session:
        return [audit_record(row, outcome) for row, outcome in session.execute(query)]


def audit_record(entry: AuditRow, outcome: AuditOutcomeRow | None) -> AuditRecord:
    """The record of an audit row and its outcome row, if any."""
    return AuditRecord(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        vehicle_name=entry.vehicle_name,
        command=entry.command,
        params=dict(entry.params),
        result=CommandResult(entry.result if outcome is None else outcome.result),
        reason=entry.reason if outcome is None else outcome.reason,
        outcome_at=None if outcome is None else outcome.at,
    )


def _entry(
    actor: str,
    vehicle_name: str,
    command: str,
    params: Mapping[str, Any],
    now: datetime,
    result: CommandResult,
    reason: str,
) -> AuditRow:
    if not isinstance(params, Mapping):
        raise InvalidValueError("params", params, "must be a mapping")
    return AuditRow(
        at=checks.utc("now", now),
        actor=checks.name("actor", actor, NAME_LENGTH),
        vehicle_name=checks.name("vehicle_name", vehicle_name, NAME_LENGTH),
        command=checks.name("command", command, NAME_LENGTH),
        params=checks.json_value("params", dict(params)),
        result=result.value,
        reason=checks.text("reason", reason),
    )


def _final(field: str, result: CommandResult | str) -> CommandResult:
    final = checks.member(field, result, CommandResult)
    if final is CommandResult.PENDING:
        raise InvalidValueError(field, result, "a command's outcome cannot be pending")
    return final


def _outcome(session: Session, audit_id: int) -> bool:
    return session.get(AuditOutcomeRow, audit_id) is not None
