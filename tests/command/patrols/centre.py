"""The patrol parts composed as the command centre composes them (scheduler → queue → fleet over
one SQLite file), and a loop that runs them in injected time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import URL

from command.events import EventBus
from command.patrols import (
    Conditions,
    DispatchQueue,
    DroneChooser,
    FlyingRules,
    PatrolScheduler,
    WindReport,
)
from command.storage import open_database, sqlite_url

from .fleet import SimFleet


class PatrolCentre:
    """Scheduler, queue and conditions over one database (an SQLite file or a URL); close()
    and open again."""

    def __init__(
        self,
        path: Path | URL,
        fleet: SimFleet,
        rules: FlyingRules | None = None,
        bus: EventBus | None = None,
        reserve_fraction: float = 0.2,
        critical_reserve: int = 0,
    ) -> None:
        self.fleet = fleet
        self.database = open_database(sqlite_url(path) if isinstance(path, Path) else path)
        self.conditions = Conditions(rules or FlyingRules(wind_limit_mps=None))
        self.chooser = DroneChooser(reserve_fraction=reserve_fraction)
        self.queue = DispatchQueue(
            self.database, fleet, self.conditions, self.chooser, bus, critical_reserve
        )
        self.scheduler = PatrolScheduler(self.database, self.queue, bus)
        self.scheduler.start()

    def round(self, now: datetime) -> None:
        """What the centre does at `now`: take the fleet's reports, queue due patrols, pick."""
        for report in self.fleet.reports(now):
            if report.completed:
                self.queue.task_completed(report.task_id, report.at)
            else:
                self.queue.task_interrupted(
                    report.task_id, report.at, report.reason, report.remainder
                )
        self.scheduler.advance(now)
        self.queue.pick(now)

    def close(self) -> None:
        self.scheduler.close()
        self.database.close()


def run(
    centre: PatrolCentre,
    start: datetime,
    end: datetime,
    weather: Callable[[datetime], Iterable[WindReport]] = lambda now: (),
    step: timedelta = timedelta(minutes=15),
) -> datetime:
    """Run rounds from start to end: every `step`, and whenever a patrol comes due or a drone
    lands, is ready again or its link changes.
    The time it stopped at."""
    now = start
    while now < end:
        for report in weather(now):
            centre.conditions.report_wind(report)
        centre.round(now)
        candidates = [now + step, end]
        for moment in (centre.scheduler.next_due(), centre.fleet.next_change(now)):
            if moment is not None and moment > now:
                candidates.append(moment)
        now = min(candidates)
    return now
