"""The dispatch queue's vocabulary: tasks, their states, vehicles as the queue sees them, the
decisions it takes, and the `Dispatch` seam to whoever flies the sorties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

CRITICAL = 1
"""Priority of critical work (zones' priorities run 1 critical … 4 low)."""


class TaskKind(StrEnum):
    """What a task is: a scheduled patrol, a quick response, or the rest of an interrupted one."""

    PATROL = "patrol"
    QUICK_RESPONSE = "quick_response"
    RESUME_REMAINING = "resume_remaining"


class TaskState(StrEnum):
    """Where a task stands; `done`, `interrupted` and `cancelled` are final."""

    QUEUED = "queued"
    WAITING = "waiting"  # cannot fly now; the reason is stored
    ASSIGNED = "assigned"  # a vehicle is chosen, the sortie is being prepared
    FLYING = "flying"  # a sortie flies it
    DONE = "done"
    INTERRUPTED = "interrupted"  # its sortie ended before the work was done
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """True while the task still has to be flown or is being flown."""
        return self in OPEN_STATES


OPEN_STATES = frozenset({TaskState.QUEUED, TaskState.WAITING, TaskState.ASSIGNED, TaskState.FLYING})
PENDING_STATES = frozenset({TaskState.QUEUED, TaskState.WAITING})


class Cause(StrEnum):
    """Why a task waits or a patrol was skipped, as a short code (the text says the rest)."""

    NO_FLY = "no_fly"
    NIGHT = "night"
    WIND = "wind"
    WIND_UNKNOWN = "wind_unknown"
    NO_DRONE = "no_drone"  # none free (flying, link lost, reserved, airborne)
    KEPT_FOR_CRITICAL = "kept_for_critical"  # the free drones left are kept for critical work
    SENSORS = "sensors"  # no free drone carries the payload
    BATTERY = "battery"  # no free drone has the charge for the estimate plus reserve
    REFUSED = "refused"  # the dispatcher refused the sortie (its checks)
    OVERLAP = "overlap"  # the zone's previous patrol is still queued or flying
    PAUSED = "paused"  # the zone's schedule is paused
    MISSED = "missed"  # came due later than the misfire grace time
    RESTART = "restart"  # the centre was down


@dataclass(frozen=True)
class Hold:
    """Why something cannot be done now: a cause code and a sentence naming the numbers."""

    cause: Cause
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class NewTask:
    """Work to put in the queue; where it is (degrees), time on task (s), payload needed."""

    kind: TaskKind
    zone: str
    priority: int
    due_at: datetime
    latitude_deg: float
    longitude_deg: float
    work_s: float
    sensors: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    run_key: str | None = None  # one task per scheduled run: zone@run time
    parent_task_id: int | None = None


@dataclass(frozen=True)
class Task:
    """A stored task as the queue and its clients read it."""

    id: int
    kind: TaskKind
    zone: str
    priority: int
    due_at: datetime
    state: TaskState
    cause: str  # a `Cause` value while waiting, else ""
    reason: str
    vehicle: str | None
    sortie_id: int | None
    latitude_deg: float
    longitude_deg: float
    work_s: float
    sensors: tuple[str, ...]
    detail: Mapping[str, Any]
    parent_task_id: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Remainder:
    """What is left of interrupted work: time on task still to fly (s) and where to resume
    (e.g. {'from_item': 14} or {'first_unflown_lane': 5}), for the resuming sortie's mission."""

    work_s: float
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class VehicleState:
    """One drone as the queue sees it: place (degrees), speed (m/s), full-battery flight time
    (s), charge left (%), payload, link, on the ground or not, held for other use, task flown."""

    name: str
    latitude_deg: float
    longitude_deg: float
    speed_mps: float
    endurance_s: float
    battery_pct: float
    sensors: frozenset[str] = frozenset()
    link_ok: bool = True
    landed: bool = True
    reserved: bool = False
    task_id: int | None = None

    def unavailable(self) -> str | None:
        """Why the drone cannot take new work from the ground, or None when it can."""
        if not self.link_ok:
            return "link lost"
        if self.reserved:
            return "reserved"
        if self.task_id is not None:
            return "flying"
        if not self.landed:
            return "airborne"
        return None


@dataclass(frozen=True)
class Assign:
    """Give a queued task to a free drone on the ground."""

    task: Task
    vehicle: str


@dataclass(frozen=True)
class Preempt:
    """Give a critical task to a drone flying lower-priority work, re-tasked in the air; what
    remains of the displaced task comes back to the queue as a resume task."""

    vehicle: str
    task: Task
    displaced_task: Task


@dataclass(frozen=True)
class Wait:
    """The task cannot be flown now, for this reason."""

    task: Task
    hold: Hold


Decision = Assign | Preempt | Wait


class DispatchRefused(Exception):
    """The dispatcher will not fly this sortie now (its checks failed): the reason is shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Dispatch(Protocol):
    """What the queue needs from whoever flies sorties: the dispatcher or a simulated fleet."""

    def fleet(self, now: datetime) -> Sequence[VehicleState]:
        """Every drone's state now."""
        ...

    def prepare(self, task: Task, vehicle: str, now: datetime) -> int:
        """Check, plan and start the task's sortie on `vehicle`; its sortie id.

        Raises DispatchRefused when the sortie cannot be flown.
        """
        ...

    def retask(self, decision: Preempt, now: datetime) -> int:
        """Re-task the airborne drone to the critical task; the new sortie id. What remains of
        the displaced task is reported later through `DispatchQueue.task_interrupted`."""
        ...

    def sortie_for(self, task_id: int) -> int | None:
        """The sortie the fleet flies or flew for a task, if it knows one (after a restart)."""
        ...
