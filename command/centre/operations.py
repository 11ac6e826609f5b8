"""What officers and pilots ask of the running centre: the console's and the city brain's
operations. Every call returns at once (slow work runs on the dispatcher's threads), checks its
input first and changes nothing when refused; commands that move an aircraft are audited with
the person (`actor`, e.g. "web:li.wei@10.0.0.7") and need an explicit confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from command.alerts import IntervalFigure, response_figures
from command.dispatch import DispatchError
from command.dispatch.sortie import Work
from command.events import Subscription
from command.events.types import Event
from command.link import VehicleSnapshot
from command.patrols import PatrolSchedule, Target, Task, TaskState, ZoneCompliance, compliance
from missions.checks import Finding, check_mission
from missions.items import Position
from missions.planner import PlanError, PlannedMission, PlanSpec, plan_zone
from missions.remainder import lane_spans
from missions.zones import TASK_KINDS, Zone

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre


class VehicleAction(StrEnum):
    """Commands an officer's console may send to a flying drone."""

    PAUSE = "pause"
    RESUME = "resume"
    RTL = "rtl"
    LAND = "land"
    ABORT = "abort"


class OperationRefused(ValueError):
    """The request cannot be carried out; nothing was sent or changed (the message says why)."""


@dataclass(frozen=True)
class ZonePreview:
    """A zone planned from a drone's position (or the zone's own centre): route and checks."""

    zone: str
    vehicle: str | None
    planned: PlannedMission
    findings: tuple[Finding, ...]

    @property
    def may_fly(self) -> bool:
        """No finding blocks the upload."""
        return not any(f.severity == "error" for f in self.findings)


class CentreOperations:
    """Mixed into CommandCentre: the narrow interface of the running centre."""

    # --- live state --------------------------------------------------------------------------
    def snapshots(self: CommandCentre) -> dict[str, VehicleSnapshot]:
        """Every vehicle's latest snapshot."""
        return self.fleet.snapshots()

    def subscribe(
        self: CommandCentre, name: str, kinds: Iterable[type[Event]] = (), maxsize: int = 1024
    ) -> Subscription:
        """A pull subscription to the centre's events (a browser's live stream); close it."""
        return self.bus.subscribe(name, kinds=kinds, maxsize=maxsize)

    # --- planning and flying a zone -----------------------------------------------------------
    def preview_zone(self: CommandCentre, zone: str, vehicle: str | None = None) -> ZonePreview:
        """Plan a zone from where `vehicle` stands (else the zone's centre) and check it."""
        target = self._task_zone(zone)
        home = self._home_for(target, vehicle)
        try:
            planned = plan_zone(target, home, self.zones, PlanSpec(ceiling_m=self.limits.ceiling_m))
        except PlanError as exc:
            raise OperationRefused(str(exc)) from None
        findings = check_mission(planned.mission, zones=self.zones, limits=self.limits)
        return ZonePreview(zone, vehicle, planned, tuple(findings))

    def dispatch_zone(
        self: CommandCentre, zone: str, vehicle: str, *, actor: str, confirmed: bool
    ) -> int:
        """Fly a zone now on a drone, after the person confirmed the checks they were shown:
        prepare (checks, records, upload) and launch; returns the sortie id at once."""
        if not confirmed:
            raise OperationRefused("dispatch needs an explicit confirmation: nothing was sent")
        preview = self.preview_zone(zone, vehicle)
        if not preview.may_fly:
            errors = "; ".join(str(f) for f in preview.findings if f.severity == "error")
            raise OperationRefused(f"{zone}: fails its checks: {errors}")
        try:
            sortie_id = self.dispatcher.prepare(
                preview.planned.mission,
                vehicle,
                name=f"{zone} (by {actor})",
                actor=actor,
                work=Work(None, zone, self._task_zone(zone).priority, lane_spans(preview.planned)),
                zone_name=zone,
            )
            self.dispatcher.launch(sortie_id, confirmed=True, actor=actor)
        except DispatchError as exc:
            raise OperationRefused(str(exc)) from None
        return sortie_id

    def command_vehicle(
        self: CommandCentre, vehicle: str, action: VehicleAction, *, actor: str, reason: str = ""
    ) -> None:
        """Pause, resume, RTL, land or abort a drone (RTL/LAND only to an armed one)."""
        snap = self._known_vehicle(vehicle)
        try:
            if action is VehicleAction.ABORT:
                self.dispatcher.abort(vehicle, reason or f"aborted by {actor}", actor)
            elif action is VehicleAction.PAUSE:
                self.dispatcher.pause(vehicle, actor)
            elif action is VehicleAction.RESUME:
                self.dispatcher.resume(vehicle, actor)
            else:
                if not snap.armed:
                    raise OperationRefused(f"{vehicle} is disarmed on the ground: nothing sent")
                commands = self.dispatcher.commands(actor)
                step = commands.return_to_launch if action is VehicleAction.RTL else commands.land
                self.dispatcher.submit(vehicle, step, vehicle)
        except DispatchError as exc:
            raise OperationRefused(str(exc)) from None

    # --- patrols ------------------------------------------------------------------------------
    def schedules(self: CommandCentre) -> list[PatrolSchedule]:
        """Each patrolled zone's schedule."""
        return self.scheduler.schedules()

    def pause_schedule(self: CommandCentre, zone: str, actor: str) -> None:
        """Stop a zone's patrols coming due until resumed."""
        self._schedule_call(lambda now: self.scheduler.pause(zone, now, f"paused by {actor}"))

    def resume_schedule(self: CommandCentre, zone: str, actor: str) -> None:
        """Let a paused zone's patrols come due again."""
        self._schedule_call(lambda now: self.scheduler.resume(zone, now))

    def queued_tasks(self: CommandCentre, open_only: bool = True) -> list[Task]:
        """The dispatch queue in order, with each waiting task's reason."""
        states = {TaskState.QUEUED, TaskState.WAITING, TaskState.ASSIGNED, TaskState.FLYING}
        return self.queue.tasks(states if open_only else None)

    def compliance(self: CommandCentre, start: datetime, end: datetime) -> list[ZoneCompliance]:
        """Revisit targets against what was flown, per zone, over a period."""
        targets = [
            Target(z.name, z.priority or 4, z.revisit_minutes)
            for z in self.zones
            if z.kind in TASK_KINDS and z.revisit_minutes
        ]
        return compliance(self.db, targets, start, end)

    # --- alerts -------------------------------------------------------------------------------
    def response_figures(self: CommandCentre) -> Sequence[IntervalFigure]:
        """Median and p95 of each quick-response interval over every stored alert."""
        return response_figures(self.alert_store.timelines())

    # --- helpers ------------------------------------------------------------------------------
    def _task_zone(self: CommandCentre, name: str) -> Zone:
        zone = next((z for z in self.zones if z.name == name), None)
        if zone is None:
            raise OperationRefused(f"no zone {name!r} in the zones in force")
        if zone.kind not in TASK_KINDS:
            raise OperationRefused(f"zone {name!r} is a {zone.kind.value} zone: nothing to fly")
        return zone

    def _known_vehicle(self: CommandCentre, vehicle: str) -> VehicleSnapshot:
        snaps = self.fleet.snapshots()
        if vehicle not in snaps:
            raise OperationRefused(f"no vehicle {vehicle!r} (known: {', '.join(sorted(snaps))})")
        return snaps[vehicle]

    def _home_for(self: CommandCentre, zone: Zone, vehicle: str | None) -> Position:
        if vehicle is not None:
            snap = self._known_vehicle(vehicle)
            if snap.latitude_deg is None or snap.longitude_deg is None:
                raise OperationRefused(f"{vehicle} has no position estimate yet")
            return Position(snap.latitude_deg, snap.longitude_deg, snap.altitude_amsl_m or 0.0)
        centre = zone.geometry.centroid
        return Position(float(centre.y), float(centre.x), 0.0)

    def _schedule_call(self: CommandCentre, call: Callable[[datetime], object]) -> None:
        from command.patrols import ScheduleError

        try:
            call(self.utcnow())
        except ScheduleError as exc:
            raise OperationRefused(str(exc)) from None
        self.patrol_clock.poke()
