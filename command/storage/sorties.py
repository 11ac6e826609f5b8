"""Sorties: one flight of a mission by a vehicle, opened as planned and closed with an outcome.

In progress: planned -> uploading -> flying (forward only). Final: completed, aborted,
failsafe, lost, failed — set once by `close_sortie`, never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from . import checks
from .database import Database
from .errors import InvalidValueError, NotFoundError, SortieStateError
from .kinds import IN_PROGRESS_ORDER, SortieOutcome
from .models import OWNER_LENGTH, MissionRow, SortieRow, VehicleRow
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
    owner: str | None = None,
    battery_start_pct: float | None = None,
    estimated_battery_pct: float | None = None,
    task_id: int | None = None,
) -> SortieRecord:
    """Open a planned sortie of `mission_id` by `vehicle_name`, started at `now`.

    With `tracks_dir`, its track path is set to `tracks_dir/<sortie id>.track`. `owner` names the
    process that follows it (seen at `now`); the battery figures are the vehicle's remaining %
    at the start and the planner's estimate of what the flight uses (% of a full pack);
    `task_id` the queued task it flies.
    """
    started_at = checks.utc("now", now)
    owner = None if owner is None else checks.name("owner", owner, OWNER_LENGTH)
    start_pct = _optional(checks.real, "battery_start_pct", battery_start_pct, 0, 100)
    estimate = _optional(checks.real, "estimated_battery_pct", estimated_battery_pct, 0)
    if task_id is not None and (isinstance(task_id, bool) or not isinstance(task_id, int)):
        raise InvalidValueError("task_id", task_id, "a task id is a whole number")
    with db.transaction() as session:
        if session.get(MissionRow, mission_id) is None:
            raise NotFoundError("missions", mission_id)
        sortie = SortieRow(
            mission_id=mission_id,
            vehicle=vehicle_by_name(session, vehicle_name),
            started_at=started_at,
            outcome=SortieOutcome.PLANNED.value,
            reason="",
            owner=owner,
            owner_seen_at=None if owner is None else started_at,
            battery_start_pct=start_pct,
            estimated_battery_pct=estimate,
            task_id=task_id,
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
    *,
    battery_start_pct: float | None = None,
    battery_end_pct: float | None = None,
    battery_used_mah: float | None = None,
) -> SortieRecord:
    """Close an open sortie with a final outcome at `now`; a closed one cannot close again.

    Battery: the vehicle's remaining % at the end (and at the start, if not given when it
    opened) and the charge it reports used (mAh); `battery_used_pct` defaults to start − end.
    """
    final = checks.member("outcome", outcome, SortieOutcome)
    if not final.is_final:
        raise InvalidValueError("outcome", outcome, "close_sortie needs a final outcome")
    reason = checks.text("reason", reason)
    ended_at = checks.utc("now", now)
    distance_m = _optional(checks.real, "distance_m", distance_m, 0)
    battery_used_pct = _optional(checks.real, "battery_used_pct", battery_used_pct, 0, 100)
    start_pct = _optional(checks.real, "battery_start_pct", battery_start_pct, 0, 100)
    end_pct = _optional(checks.real, "battery_end_pct", battery_end_pct, 0, 100)
    used_mah = _optional(checks.real, "battery_used_mah", battery_used_mah, 0)
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
        if start_pct is not None:
            sortie.battery_start_pct = start_pct
        sortie.battery_end_pct = end_pct
        sortie.battery_used_mah = used_mah
        if battery_used_pct is None and None not in (sortie.battery_start_pct, end_pct):
            battery_used_pct = min(max(sortie.battery_start_pct - end_pct, 0.0), 100.0)
        sortie.battery_used_pct = battery_used_pct
        return sortie_record(sortie)


def renew_owner(db: Database, sortie_id: int, owner: str, now: datetime) -> bool:
    """Mark the open sortie as still followed by `owner` at `now`; False if it is closed or
    another process owns it now (the caller should stop following it)."""
    seen = checks.utc("now", now)
    with db.transaction() as session:
        sortie = session.get(SortieRow, sortie_id)
        if sortie is None:
            raise NotFoundError("sorties", sortie_id)
        if SortieOutcome(sortie.outcome).is_final or sortie.owner != owner:
            return False
        sortie.owner_seen_at = seen
        return True


def take_over_sortie(
    db: Database, sortie_id: int, previous_owner: str | None, owner: str, now: datetime
) -> bool:
    """Make `owner` follow the open sortie if `previous_owner` still holds it (compare and set,
    in one transaction): of two processes taking over the same sortie only one succeeds. False
    if it is closed or someone else took it meanwhile."""
    owner = checks.name("owner", owner, OWNER_LENGTH)
    seen = checks.utc("now", now)
    with db.transaction() as session:
        sortie = session.get(SortieRow, sortie_id, with_for_update=True)
        if sortie is None:
            raise NotFoundError("sorties", sortie_id)
        if SortieOutcome(sortie.outcome).is_final or sortie.owner != previous_owner:
            return False
        sortie.owner = owner
        sortie.owner_seen_at = seen
        return True


def list_open_sorties(db: Database, vehicle_name: str | None = None) -> list[SortieRecord]:
    """Sorties not closed yet (planned, uploading, flying), oldest first; optionally of one
    vehicle (none if the vehicle is unknown)."""
    with db.reading() as session:
        query = (
            select(SortieRow)
            .options(joinedload(SortieRow.mission), joinedload(SortieRow.vehicle))
            .where(SortieRow.outcome.in_([o.value for o in IN_PROGRESS_ORDER]))
            .order_by(SortieRow.started_at, SortieRow.id)
        )
        if vehicle_name is not None:
            vehicle = session.scalar(select(VehicleRow).where(VehicleRow.name == vehicle_name))
            if vehicle is None:
                return []
            query = query.where(SortieRow.vehicle_id == vehicle.id)
        return [sortie_record(row) for row in session.scalars(query)]


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
    limit = checks.list_limit(limit)
    with db.reading() as session:
        query = (
            select(SortieRow)
            .options(joinedload(SortieRow.mission), joinedload(SortieRow.vehicle))
            .order_by(SortieRow.started_at.desc(), SortieRow.id.desc())
            .limit(limit)
        )
        if vehicle_name is not None:
            query = query.where(SortieRow.vehicle_id == vehicle_by_name(session, vehicle_name).id)
        return [sortie_record(row) for row in session.scalars(query)]


def sortie_for_task(db: Database, task_id: int) -> SortieRecord | None:
    """The latest sortie flown (or flying) for a queued task, if any."""
    with db.reading() as session:
        query = (
            select(SortieRow)
            .options(joinedload(SortieRow.mission), joinedload(SortieRow.vehicle))
            .where(SortieRow.task_id == task_id)
            .order_by(SortieRow.started_at.desc(), SortieRow.id.desc())
            .limit(1)
        )
        row = session.scalars(query).first()
        return None if row is None else sortie_record(row)


def track_path_for(tracks_dir: Path, sortie_id: int) -> Path:
    """Where a sortie's track file goes: `tracks_dir/<sortie id>.track`."""
    return tracks_dir / f"{sortie_id}{TRACK_SUFFIX}"


def sortie_record(sortie: SortieRow) -> SortieRecord:
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
        battery_start_pct=sortie.battery_start_pct,
        battery_end_pct=sortie.battery_end_pct,
        battery_used_mah=sortie.battery_used_mah,
        estimated_battery_pct=sortie.estimated_battery_pct,
        owner=sortie.owner,
        owner_seen_at=sortie.owner_seen_at,
        task_id=sortie.task_id,
    )


def _optional(check: Callable[..., float], field: str, value: float | None, *bounds: float):
    return None if value is None else check(field, value, *bounds)


def _load(session: Session, sortie_id: int) -> SortieRow:
    sortie = session.get(
        SortieRow, sortie_id, options=[joinedload(SortieRow.mission), joinedload(SortieRow.vehicle)]
    )
    if sortie is None:
        raise NotFoundError("sorties", sortie_id)
    return sortie
