"""The patrol log: spells of waiting per task and zone, skipped runs and paused schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from .tables import PatrolLogRow
from .tasks import Cause, Hold


def open_spell(
    session: Session, zone: str, hold: Hold, now: datetime, task_id: int | None = None
) -> None:
    """Start a spell of `hold` (a task waiting, a schedule paused); ends a different open one."""
    current = session.scalars(_open(zone, task_id)).first()
    if current is not None and current.cause == hold.cause.value:
        return
    close_spells(session, zone, now, task_id)
    add_spell(session, zone, hold, now, task_id)


def add_spell(
    session: Session, zone: str, hold: Hold, now: datetime, task_id: int | None = None
) -> None:
    """Start an open spell (the caller has ended the one it replaces)."""
    session.add(
        PatrolLogRow(
            zone=zone, task_id=task_id, cause=hold.cause.value, reason=hold.reason, since=now
        )
    )


def open_task_spells(session: Session, task_ids: Sequence[int]) -> dict[int, PatrolLogRow]:
    """The open spell of each of these tasks, by task id."""
    query = select(PatrolLogRow).where(
        PatrolLogRow.task_id.in_(task_ids), PatrolLogRow.until.is_(None)
    )
    return {r.task_id: r for r in session.scalars(query) if r.task_id is not None}


def close_spells(
    session: Session,
    zone: str,
    now: datetime,
    task_id: int | None = None,
    cause: Cause | None = None,
) -> None:
    """End the open spells of a task (or of the zone's schedule when task_id is None)."""
    statement = (
        update(PatrolLogRow)
        .where(PatrolLogRow.zone == zone, PatrolLogRow.until.is_(None))
        .where(
            PatrolLogRow.task_id == task_id
            if task_id is not None
            else PatrolLogRow.task_id.is_(None)
        )
        .values(until=now)
    )
    if cause is not None:
        statement = statement.where(PatrolLogRow.cause == cause.value)
    session.execute(statement)


def note(
    session: Session,
    zone: str,
    hold: Hold,
    since: datetime,
    task_id: int | None = None,
    until: datetime | None = None,
) -> None:
    """Record something that happened at one instant (a skipped run) or over a closed spell."""
    session.add(
        PatrolLogRow(
            zone=zone,
            task_id=task_id,
            cause=hold.cause.value,
            reason=hold.reason,
            since=since,
            until=until or since,
        )
    )


def _open(zone: str, task_id: int | None) -> Select[tuple[PatrolLogRow]]:
    query = select(PatrolLogRow).where(PatrolLogRow.zone == zone, PatrolLogRow.until.is_(None))
    if task_id is None:
        return query.where(PatrolLogRow.task_id.is_(None))
    return query.where(PatrolLogRow.task_id == task_id)
