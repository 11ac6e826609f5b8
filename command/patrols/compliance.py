"""Per-zone revisit compliance over any period: the target against the gaps between patrol
completions, and for each gap longer than the target what kept the zone waiting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from command.storage import Database

from .tables import PatrolLogRow, PatrolTaskRow
from .tasks import TaskKind, TaskState

ZONE_WORK = (TaskKind.PATROL.value, TaskKind.RESUME_REMAINING.value)


@dataclass(frozen=True)
class Target:
    """A zone's revisit target: priority and interval (min)."""

    zone: str
    priority: int
    revisit_minutes: float


@dataclass(frozen=True)
class GapReason:
    """One cause that kept the zone back during a gap: minutes of it inside the gap, how many
    times it was recorded, and one recorded sentence."""

    cause: str
    minutes: float
    count: int
    example: str


@dataclass(frozen=True)
class Gap:
    """Time between two patrol completions (or the period's edge) in minutes; `open_start`
    when no completion came before it, `open_end` when it runs to the period's end."""

    start: datetime
    end: datetime
    minutes: float
    open_start: bool
    open_end: bool
    reasons: tuple[GapReason, ...] = ()


@dataclass(frozen=True)
class ZoneCompliance:
    """A zone over a period: target, completions, mean gap between completions and the
    largest gap (min), the gaps over target × (1 + tolerance) with their reasons."""

    zone: str
    priority: int
    target_minutes: float
    patrols: int
    mean_gap_minutes: float | None
    max_gap_minutes: float | None
    late_gaps: tuple[Gap, ...]

    @property
    def meets_target(self) -> bool:
        """True when no gap of the period was longer than the target (with the tolerance)."""
        return self.patrols > 0 and not self.late_gaps


def compliance(
    database: Database,
    targets: Iterable[Target],
    start: datetime,
    end: datetime,
    tolerance: float = 0.1,
) -> list[ZoneCompliance]:
    """Each zone's compliance from `start` to `end` (UTC); a gap is late when longer than the
    target by more than `tolerance` of it (patrols take time to fly and to wait their turn)."""
    if end <= start:
        raise ValueError("the period's end must come after its start")
    if tolerance < 0:
        raise ValueError("tolerance must be zero or more")
    with database.reading() as session:
        return [_zone(session, t, start, end, tolerance) for t in targets]


def _zone(
    session: Session, target: Target, start: datetime, end: datetime, tolerance: float
) -> ZoneCompliance:
    done = (
        select(PatrolTaskRow.finished_at)
        .where(PatrolTaskRow.zone == target.zone, PatrolTaskRow.kind.in_(ZONE_WORK))
        .where(PatrolTaskRow.state == TaskState.DONE.value)
    )
    before = session.scalars(
        done.where(PatrolTaskRow.finished_at < start)
        .order_by(PatrolTaskRow.finished_at.desc())
        .limit(1)
    ).first()
    within = list(
        session.scalars(
            done.where(
                PatrolTaskRow.finished_at >= start, PatrolTaskRow.finished_at <= end
            ).order_by(PatrolTaskRow.finished_at)
        )
    )
    marks = [before or start, *within, end]
    gaps = [
        Gap(a, b, (b - a).total_seconds() / 60.0, k == 0 and before is None, k == len(marks) - 2)
        for k, (a, b) in enumerate(pairwise(marks))
        if b > a
    ]
    between = [g.minutes for g in gaps if not g.open_start and not g.open_end]
    limit = target.revisit_minutes * (1.0 + tolerance)
    late = tuple(
        Gap(g.start, g.end, g.minutes, g.open_start, g.open_end, _reasons(session, target, g))
        for g in gaps
        if g.minutes > limit
    )
    return ZoneCompliance(
        zone=target.zone,
        priority=target.priority,
        target_minutes=target.revisit_minutes,
        patrols=len(within),
        mean_gap_minutes=sum(between) / len(between) if between else None,
        max_gap_minutes=max((g.minutes for g in gaps), default=None),
        late_gaps=late,
    )


def _reasons(session: Session, target: Target, gap: Gap) -> tuple[GapReason, ...]:
    rows = session.scalars(
        select(PatrolLogRow)
        .where(PatrolLogRow.zone == target.zone, PatrolLogRow.since <= gap.end)
        .where(or_(PatrolLogRow.until.is_(None), PatrolLogRow.until >= gap.start))
        .order_by(PatrolLogRow.since)
    )
    found: dict[str, tuple[timedelta, int, str]] = {}
    for row in rows:
        spell_end = min(row.until or gap.end, gap.end)
        inside = max(spell_end - max(row.since, gap.start), timedelta(0))
        held, count, example = found.get(row.cause, (timedelta(0), 0, row.reason))
        found[row.cause] = (held + inside, count + 1, example)
    return tuple(
        sorted(
            (GapReason(c, d.total_seconds() / 60.0, n, e) for c, (d, n, e) in found.items()),
            key=lambda r: (-r.minutes, -r.count),
        )
    )
