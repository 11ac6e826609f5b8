"""The console's patrol operations beyond pausing and resuming: a zone's revisit interval
edited (kept in the zone document, which the schedules follow) and the patrol overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from command.centre.operations import OperationRefused
from command.patrols import PatrolSchedule, Task, ZoneCompliance

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

MAX_PERIOD = timedelta(days=366)
"""Longest compliance period asked for in one go."""


@dataclass(frozen=True)
class PatrolOverview:
    """What the patrols page shows: each schedule, the open queue, compliance over a period."""

    schedules: tuple[PatrolSchedule, ...]
    queue: tuple[Task, ...]
    compliance: tuple[ZoneCompliance, ...]
    start: datetime
    end: datetime


class PatrolOperations:
    """Mixed into CommandCentre: patrols as the console sees and changes them."""

    def set_revisit(
        self: CommandCentre, zone: str, revisit_minutes: float | None, actor: str
    ) -> PatrolSchedule | None:
        """Change how often a zone is patrolled (None: no longer patrolled); the zone document
        gets a new version and the schedule follows it. Returns the schedule now held."""
        self.change_zone(zone, {"revisit_minutes": revisit_minutes}, actor)
        return next((s for s in self.schedules() if s.zone == zone), None)

    def patrol_overview(self: CommandCentre, start: datetime, end: datetime) -> PatrolOverview:
        """Schedules, the open queue with waiting reasons, compliance from start to end."""
        if start.tzinfo is None or end.tzinfo is None:
            raise OperationRefused("start, end: times need a time zone (UTC)")
        if not start < end:
            raise OperationRefused(f"start {start.isoformat()} is not before end {end.isoformat()}")
        if end - start > MAX_PERIOD:
            raise OperationRefused(f"period longer than {MAX_PERIOD.days} days")
        return PatrolOverview(
            tuple(self.schedules()),
            tuple(self.queued_tasks()),
            tuple(self.compliance(start, end)),
            start,
            end,
        )


MIXIN = PatrolOperations
