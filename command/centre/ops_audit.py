"""The console's audit view: the commands sent to vehicles, filtered by person, vehicle, time
range and action (command), newest first, as records or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from command.centre.operations import OperationRefused
from command.storage.audit import audit_record
from command.storage.models import AuditOutcomeRow, AuditRow
from command.storage.records import AuditRecord

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

MAX_AUDIT_ROWS = 10_000
CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "vehicle",
    "command",
    "params",
    "result",
    "reason",
    "outcome_at",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which audit records: person (substring of the actor, e.g. "li.wei"), vehicle name,
    [start, end) in UTC, command (exact, e.g. "arm", "mission_upload")."""

    person: str | None = None
    vehicle: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    command: str | None = None

    def check(self) -> None:
        """OperationRefused naming the bad field."""
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise OperationRefused(f"{name}: a time needs a time zone (UTC)")
        if self.start and self.end and not self.start < self.end:
            raise OperationRefused(f"start {self.start.isoformat()} is not before end")


class AuditOperations:
    """Mixed into CommandCentre: the audit log as officers read it."""

    def audit_records(
        self: CommandCentre, where: AuditFilter = AuditFilter(), limit: int = 200
    ) -> list[AuditRecord]:
        """Audit records passing the filter, newest first (at most `limit`)."""
        where.check()
        limit = max(1, min(int(limit), MAX_AUDIT_ROWS))
        query = (
            select(AuditRow, AuditOutcomeRow)
            .outerjoin(AuditOutcomeRow, AuditOutcomeRow.audit_id == AuditRow.id)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .limit(limit)
        )
        if where.person:
            query = query.where(AuditRow.actor.contains(where.person, autoescape=True))
        if where.vehicle:
            query = query.where(AuditRow.vehicle_name == where.vehicle)
        if where.command:
            query = query.where(AuditRow.command == where.command)
        if where.start is not None:
            query = query.where(AuditRow.at >= where.start)
        if where.end is not None:
            query = query.where(AuditRow.at < where.end)
        with self.db.reading() as session:
            return [audit_record(row, outcome) for row, outcome in session.execute(query)]

    def audit_actions(self: CommandCentre) -> list[str]:
        """The commands the audit log holds (for the filter's choices)."""
        with self.db.reading() as session:
            return sorted(session.scalars(select(AuditRow.command).distinct()))


def audit_csv(records: Iterable[AuditRecord]) -> str:
    """Audit records as CSV (UTC ISO 8601 times, params as JSON)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            [
                r.id,
                r.at.isoformat(),
                _cell(r.actor),
                _cell(r.vehicle_name),
                _cell(r.command),
                _cell(json.dumps(r.params, ensure_ascii=False, sort_keys=True)),
                r.result.value,
                _cell(r.reason),
                r.outcome_at.isoformat() if r.outcome_at else "",
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


MIXIN = AuditOperations
