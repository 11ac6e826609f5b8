"""Sorties: one flight of a mission by a vehicle, opened as planned and closed with an outcome.

In progress: planned -> uploading -> flying (forward only). Final: completed, aborted,
failsafe, lost, failed — set once by `close_sortie`, never changed afterwards.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from . import checks
from .database import Database
from .errors import InvalidValueError, NotFoundError, SortieStateError
from .kinds import IN_PROGRESS_ORDER, SortieOutcome
from .models import Mission, Sortie
from .records import SortieRecord
from .vehicles import vehicle_by_name

TRACK_SUFFIX = ".track"


def open_sortie(
    db: Database,
    *,
    mission_id: int,
    vehicle_name: str,
    now: datetime,
    tracks_dir: Path | None = None,
) -> SortieRecord:
    """Open a planned sortie of `mission_id` by `vehicle_name`, started at `now`.

    With `tracks_dir`, its track path is set to `tracks_dir/<sortie id>.track`.
    """
    started_at = checks.utc("now", now)
    with db.transaction() as session:
        if session.get(Mission, mission_id) is None:
            raise NotFoundError("missions", mission_id)
        sortie = Sortie(
            mission_id=mission_id,
            vehicle=vehicle_by_name(session, vehicle_name),
            started_at=started_at,
            outcome=SortieOutcome.PLANNED.value,
            reason="",
        )
        session.add(sortie)
        session.flush()
        if tracks_dir is not None:
            sortie.track_path = str(track_path_for(tracks_dir, sortie.id))
        return sortie_record(_load(session, sortie.id))


def advance_sortie(db: Database, sortie_id: int, outcome: SortieOutcome | str) -> SortieRecord:
    """Move an open sortie forward to uploading or flying (the same outcome again is a no-op)."""
    target = checks.member("outcome", outcome, SortieOutcome)
    if target.is_final:
        raise InvalidValueError("outcome", outcome, "a final outcome is set by close_sortie")
    with db.transaction() as session:
        sortie = _load(session, sortie_id)
        current = SortieOutcome(sortie.outcome)
        if current.is_final or IN_PROGRESS_ORDER.index(target) < IN_PROGRESS_ORDER.index(current):
            raise SortieStateError(sortie_id, current.value, target.value)
        sortie.outcome = target.value
        return sortie_record(sortie)


def close_sortie(
    db: Database,
    sortie_id: int,
    outcome: SortieOutcome | str,
    reason: str,
    now: datetime,
    distance_m: float | None = None,
    battery_used_pct: float | None = None,
) -> SortieRecord:
    """Close an open sortie with a final outcome at `now`; a closed one cannot close again."""
    final = checks.member("outcome", outcome, SortieOutcome)
    if not final.is_final:
        raise InvalidValueError("outcome", outcome, "close_sortie needs a final outcome")
    reason = checks.text("reason", reason)
    ended_at = checks.utc("now", now)
    if distance_m is not None:
        distance_m = checks.real("distance_m", distance_m, 0)
    if battery_used_pct is not None:
        battery_used_pct = checks.real("battery_used_pct", battery_used_pct, 0, 100)
    with db.transaction() as session:
        sortie = _load(session, sortie_id)
        if SortieOutcome(sortie.outcome).is_final:
            raise SortieStateError(sortie_id, sortie.outcome, final.value)
        if ended_at < sortie.started_at:
            raise InvalidValueError(
                "now", now, f"before the sortie started ({sortie.started_at.isoformat()})"
            )
        sortie.outcome = final.value
        sortie.reason = reason
        sortie.ended_at = ended_at
        sortie.distance_m = distance_m
        sortie.battery_used_pct = battery_used_pct
        return sortie_record(sortie)


def attach_track(db: Database, sortie_id: int, path: Path) -> SortieRecord:
    """Record where the sortie's telemetry track file is."""
    text = checks.name("path", str(path), 500)
    with db.transaction() as session:
        sortie = _load(session, sortie_id)
        sortie.track_path = text
        return sortie_record(sortie)


def get_sortie(db: Database, sortie_id: int) -> SortieRecord:
    with db.reading() as session:
        return sortie_record(_load(session, sortie_id))


def list_sorties(
    db: Database, limit: int = 50, vehicle_name: str | None = None
) -> list[SortieRecord]:
    """The newest `limit` sorties (by start time), newest first; optionally of one vehicle."""
    limit = checks.integer("limit", limit, 1)
    with db.reading() as session:
        query = (
            select(Sortie)
            .options(joinedload(Sortie.mission), joinedload(Sortie.vehicle))
            .order_by(Sortie.started_at.desc(), Sortie.id.desc())
            .limit(limit)
        )
        if vehicle_name is not None:
            query = query.where(Sortie.vehicle_id == vehicle_by_name(session, vehicle_name).id)
        return [sortie_record(row) for row in session.scalars(query)]


def track_path_for(tracks_dir: Path, sortie_id: int) -> Path:
    """Where a sortie's track file goes: `tracks_dir/<sortie id>.track`."""
    return tracks_dir / f"{sortie_id}{TRACK_SUFFIX}"


def sortie_record(sortie: Sortie) -> SortieRecord:
    return SortieRecord(
        id=sortie.id,
        mission_id=sortie.mission_id,
        mission_name=sortie.mission.name,
        vehicle_name=sortie.vehicle.name,
        started_at=sortie.started_at,
        ended_at=sortie.ended_at,
        outcome=SortieOutcome(sortie.outcome),
        reason=sortie.reason,
        distance_m=sortie.distance_m,
        battery_used_pct=sortie.battery_used_pct,
        track_path=None if sortie.track_path is None else Path(sortie.track_path),
    )


def _load(session: Session, sortie_id: int) -> Sortie:
    sortie = session.get(
        Sortie, sortie_id, options=[joinedload(Sortie.mission), joinedload(Sortie.vehicle)]
    )
    if sortie is None:
        raise NotFoundError("sorties", sortie_id)
    return sortie
