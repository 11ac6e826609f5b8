"""Events: what happened to a vehicle (STATUSTEXT, link lost, failsafe...), in UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import checks
from .database import Database
from .errors import NotFoundError
from .kinds import EventSeverity
from .models import EventRow, SortieRow
from .records import EventRecord
from .vehicles import vehicle_by_name


def record_event(
    db: Database,
    *,
    vehicle_name: str,
    kind: str,
    severity: EventSeverity | str,
    message: str,
    now: datetime,
    sortie_id: int | None = None,
) -> EventRecord:
    """Append an event of `vehicle_name` (and of `sortie_id`, if it happened in one) at `now`."""
    level = checks.member("severity", severity, EventSeverity)
    kind = checks.name("kind", kind, 60)
    message = checks.text("message", message)
    time = checks.utc("now", now)
    with db.transaction() as session:
        vehicle = vehicle_by_name(session, vehicle_name)
        if sortie_id is not None and session.get(SortieRow, sortie_id) is None:
            raise NotFoundError("sorties", sortie_id)
        event = EventRow(
            time=time,
            vehicle=vehicle,
            sortie_id=sortie_id,
            kind=kind,
            severity=level.value,
            message=message,
        )
        session.add(event)
        session.flush()
        return event_record(event)


def list_events(
    db: Database,
    limit: int = 100,
    *,
    vehicle_name: str | None = None,
    sortie_id: int | None = None,
) -> list[EventRecord]:
    """The newest `limit` events, newest first; optionally of one vehicle and/or sortie."""
    limit = checks.list_limit(limit)
    with db.reading() as session:
        query = (
            select(EventRow)
            .options(joinedload(EventRow.vehicle))
            .order_by(EventRow.time.desc(), EventRow.id.desc())
            .limit(limit)
        )
        if vehicle_name is not None:
            query = query.where(EventRow.vehicle_id == vehicle_by_name(session, vehicle_name).id)
        if sortie_id is not None:
            query = query.where(EventRow.sortie_id == sortie_id)
        return [event_record(row) for row in session.scalars(query)]


def event_record(event: EventRow) -> EventRecord:
    return EventRecord(
        id=event.id,
        time=event.time,
        vehicle_name=event.vehicle.name,
        sortie_id=event.sortie_id,
        kind=event.kind,
        severity=EventSeverity(event.severity),
        message=event.message,
    )
