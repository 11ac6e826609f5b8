"""Patrol scheduling, the dispatch queue and per-zone compliance, with time passed in.

`PatrolScheduler` keeps one APScheduler job per zone in the application's database and, on
`advance(now)`, puts due patrols in the `DispatchQueue`; `pick(now)` gives queued tasks to
drones through the `Dispatch` seam (the dispatcher, or a simulated fleet) or stores why they
wait; `compliance()` reports revisit targets against what was flown. `PatrolClock` drives both
by the real clock.
"""

from .choice import ChoiceStats, DroneChooser
from .clock import PatrolClock, utc_now
from .compliance import Gap, GapReason, Target, ZoneCompliance, compliance
from .conditions import Conditions, FlyingRules, NightRule, NoFlyWindow, WindReport
from .queue import DispatchQueue, DuplicateRun, TaskError
from .scheduler import PatrolSchedule, PatrolScheduler, ScheduleError, job_id
from .tasks import (
    CRITICAL,
    Assign,
    Cause,
    Decision,
    Dispatch,
    DispatchRefused,
    Hold,
    NewTask,
    Preempt,
    Remainder,
    Task,
    TaskKind,
    TaskState,
    VehicleState,
    Wait,
)
from .zones import PatrolZone, PatrolZoneError, estimate_work_s, patrol_zone

__all__ = [
    "CRITICAL",
    "Assign",
    "Cause",
    "ChoiceStats",
    "Conditions",
    "Decision",
    "Dispatch",
    "DispatchQueue",
    "DispatchRefused",
    "DroneChooser",
    "DuplicateRun",
    "FlyingRules",
    "Gap",
    "GapReason",
    "Hold",
    "NewTask",
    "NightRule",
    "NoFlyWindow",
    "PatrolClock",
    "PatrolSchedule",
    "PatrolScheduler",
    "PatrolZone",
    "PatrolZoneError",
    "Preempt",
    "Remainder",
    "ScheduleError",
    "Target",
    "Task",
    "TaskError",
    "TaskKind",
    "TaskState",
    "VehicleState",
    "Wait",
    "WindReport",
    "ZoneCompliance",
    "compliance",
    "estimate_work_s",
    "job_id",
    "patrol_zone",
    "utc_now",
]
