"""A sortie being prepared, launched or flown: its handle and stages, the ways a start is
refused, and what the dispatcher reads from a mission (take-off height, whether it returns)."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from command.dispatch.readiness import planned_battery_pct
from command.dispatch.tracker import SortieTracker
from command.link import VehicleSnapshot
from command.storage import (
    NAME_LENGTH,
    Database,
    SortieOutcome,
    SortieRecord,
    StoredMission,
    TrackWriter,
    open_sortie,
    save_mission,
    upsert_vehicle,
)
from missions.checks import Finding, Limits
from missions.estimate import relative_altitude_m
from missions.items import Cmd, Mission
from missions.remainder import LaneSpan

if TYPE_CHECKING:
    from command.events import WorkLeft


class DispatchError(Exception):
    """A sortie could not start; nothing moved (the message says why)."""


class PreflightRefused(DispatchError):
    """The mission fails its checks; nothing was sent or stored."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        errors = [f for f in findings if f.severity == "error"]
        lines = "; ".join(_finding_text(f) for f in errors)
        super().__init__(f"mission fails its checks: {lines}")


def _finding_text(f: Finding) -> str:
    where = f"item {f.item_index + 1}: " if f.item_index is not None else ""
    return f"{where}{f.message}"


class VehicleNotReady(DispatchError):
    """The vehicle cannot start a sortie now; nothing was sent or stored."""

    def __init__(self, vehicle: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{vehicle} is not ready: {'; '.join(problems)}")


class Stage(StrEnum):
    """Where a sortie stands in this process: being prepared (checked, recorded, uploading),
    prepared (uploaded and read back, waiting for launch), launching (arm, take off, AUTO),
    flying (followed from the bus), re-tasking (its drone is switched to another mission) or
    closed (its outcome recorded)."""

    PREPARING = "preparing"
    PREPARED = "prepared"
    LAUNCHING = "launching"
    FLYING = "flying"
    RETASKING = "retasking"
    CLOSED = "closed"


@dataclass(frozen=True)
class Work:
    """What a sortie flies for the queue: the task that asked for it, its zone and priority
    (1 critical … 4 low), and the survey lanes of its mission (see missions.remainder), from
    which what is left is computed when it ends early."""

    task_id: int | None = None
    zone: str | None = None
    priority: int | None = None
    lanes: tuple[LaneSpan, ...] = ()


@dataclass(eq=False)
class Sortie:
    """One sortie of this dispatcher: its record, mission, stage and tracker. Read from any
    thread; the dispatcher's own threads change it."""

    sortie_id: int
    vehicle: str
    name: str
    mission: Mission
    stored_name: str
    actor: str  # who prepared it
    work: Work
    tracker: SortieTracker
    track_path: Path | None = None
    stage: Stage = Stage.PREPARING
    launch_by: str | None = None  # who asked for the launch (it may come before the upload ends)
    abort_reason: str | None = None  # an abort asked before it flew
    writer: TrackWriter | None = None
    start_mah: float | None = None  # charge the vehicle reported used when the sortie began
    last_mah: float | None = None  # and the latest report
    renewed_s: float = 0.0
    flew: bool = False  # launched: what it leaves undone is work left for the queue
    airborne_sent: bool = False
    left: WorkLeft | None = None
    left_sent: bool = False
    requeued_task_id: int | None = None
    outcome: SortieOutcome | None = None
    reason: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout_s: float | None = None) -> SortieOutcome | None:
        """Block until the sortie is closed (or timeout); returns its outcome."""
        self.done.wait(timeout_s)
        return self.outcome


@dataclass(frozen=True)
class Retasked:
    """A re-tasking under way: the new sortie's id and what the interrupted one leaves (its
    WorkLeft is published, and handed to the queue, once the switch is made)."""

    sortie_id: int
    left: WorkLeft | None


@dataclass(frozen=True)
class AbortOrder:
    """An abort under way: the sorties it ends and, once known, whether an RTL was sent (False:
    the vehicle was on the ground, nothing was sent)."""

    vehicle: str
    sortie_ids: tuple[int, ...]
    sent: Future[bool]


def record_start(
    db: Database,
    mission: Mission,
    snap: VehicleSnapshot,
    *,
    name: str,
    connection: str,
    limits: Limits,
    owner: str,
    tracks_dir: Path,
    now: datetime,
    source_file: str | None,
    zone_name: str | None,
    task_id: int | None = None,
) -> tuple[StoredMission, SortieRecord]:
    """The vehicle, the mission as it will be uploaded and the planned sortie, recorded (the
    vehicle's remaining charge and the planner's battery estimate with it)."""
    upsert_vehicle(
        db, name=snap.name, connection=connection, system_id=snap.system_id or 1,
        airframe="quadrotor",
    )  # fmt: skip
    stored = save_mission(
        db,
        name=f"{name[: NAME_LENGTH - 28]} {now:%Y%m%dT%H%M%S.%fZ}",
        home_latitude_deg=mission.home.latitude_deg,
        home_longitude_deg=mission.home.longitude_deg,
        home_altitude_m=mission.home.altitude_m,
        cruise_speed_mps=mission.cruise_speed_mps,
        items=mission.items,
        now=now,
        source_file=source_file,
        zone_name=zone_name,
        fence=asdict(mission.fence),
        rally=[asdict(p) for p in mission.rally],
    )
    planned = planned_battery_pct(mission, limits)
    battery = snap.battery_remaining_pct
    sortie = open_sortie(
        db,
        mission_id=stored.id,
        vehicle_name=snap.name,
        now=now,
        tracks_dir=tracks_dir,
        owner=owner,
        battery_start_pct=None if battery is None else float(battery),
        estimated_battery_pct=planned if math.isfinite(planned) else None,
        task_id=task_id,
    )
    return stored, sortie


def continue_seq(mission: Mission) -> int:
    """The item (as the vehicle numbers them) an airborne drone flies a new mission from: the
    one after a leading take-off, so that the speed and camera items after it still run."""
    return 2 if mission.items and mission.items[0].command == Cmd.NAV_TAKEOFF else 1


def takeoff_altitude_m(mission: Mission) -> float:
    """Height above home for a GUIDED take-off: the first navigation item's, else 20 m."""
    nav = [i for i in mission.items if i.command < NAV_LAST and i.latitude_deg != 0.0]
    if nav:
        height = relative_altitude_m(nav[0], mission.home.altitude_m)
        if height > 1.0:
            return height
    return 20.0


NAV_LAST = 95
"""MAV_CMD ids below this are navigation commands (MAV_CMD_NAV_LAST)."""


def returns_home(mission: Mission) -> bool:
    nav = [item for item in mission.items if item.command < NAV_LAST]
    return bool(nav) and nav[-1].command in (Cmd.NAV_RETURN_TO_LAUNCH, Cmd.NAV_LAND)


def clamp_pct(value: float | None) -> float | None:
    return None if value is None else min(max(float(value), 0.0), 100.0)


def used_mah(sortie: Sortie) -> float | None:
    if sortie.start_mah is None or sortie.last_mah is None:
        return None
    return max(sortie.last_mah - sortie.start_mah, 0.0)
