"""The audit log of commands sent to vehicles: append-only (there is no update or delete).

Record every command, whatever came of it; the vehicle is kept by name so a record never
depends on the vehicles table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from . import checks
from .database import Database
from .kinds import CommandResult
from .models import NAME_LENGTH, AuditEntry
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
    entry = AuditEntry(
        at=checks.utc("now", now),
        actor=checks.name("actor", actor, NAME_LENGTH),
        vehicle_name=checks.name("vehicle_name", vehicle_name, NAME_LENGTH),
        command=checks.name("command", command, NAME_LENGTH),
        params=checks.json_value("params", dict(params)),
        result=checks.member("result", result, CommandResult).value,
        reason=checks.text("reason", reason),
    )
    with db.transaction() as session:
        session.add(entry)
        session.flush()
        return audit_record(entry)


def list_audit(
    db: Database,
    limit: int = 100,
    *,
    vehicle_name: str | None = None,
    actor: str | None = None,
) -> list[AuditRecord]:
    """The newest `limit` audit records, newest first; optionally of one vehicle and/or actor."""
    limit = checks.integer("limit", limit, 1)
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if vehicle_name is not None:
        query = query.where(AuditEntry.vehicle_name == vehicle_name)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    with db.reading() as session:
        return [audit_record(row) for row in session.scalars(query)]


def audit_record(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        vehicle_name=entry.vehicle_name,
        command=entry.command,
        params=dict(entry.params),
        result=CommandResult(entry.result),
        reason=entry.reason,
    )
