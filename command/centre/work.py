"""The patrol queue's `Dispatch` seam on the real dispatcher: the fleet as the queue sees it, and
each task planned from where the chosen drone stands, prepared and launched (patrols and quick
responses are approved by their schedule or their rule: confirmation is given here)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from command.alerts import ResponsePlan, ResponsePlanner, ResponseRefused
from command.alerts.rules import Pattern
from command.centre.config import CentreConfig
from command.dispatch import Dispatcher, DispatchError
from command.dispatch.sortie import Work
from command.link import Fleet, LinkState, VehicleSnapshot
from command.patrols import DispatchRefused, Preempt, Task, TaskKind, VehicleState
from missions.checks import Limits
from missions.items import Mission, Position
from missions.planner import PlanError, PlanSpec, plan_zone
from missions.remainder import LaneSpan, RemainingWork, lane_spans, resume_mission
from missions.zones import Zone
from sensors.analysis.tracing import WindObs

log = logging.getLogger("command.centre")

LANDED_BELOW_M = 2.0
"""A drone lower than this above home, disarmed, is on the ground."""


@dataclass(frozen=True)
class PlannedTask:
    """A task's mission from one drone's position, its survey lanes, and the response plan of a
    quick response (for the alert's on-scene item)."""

    mission: Mission
    lanes: tuple[LaneSpan, ...] = ()
    response: ResponsePlan | None = None


class CentreDispatch:
    """What the patrol queue needs from the fleet (see command.patrols.Dispatch)."""

    def __init__(
        self,
        config: CentreConfig,
        fleet: Fleet,
        dispatcher: Dispatcher,
        zones: Callable[[], Sequence[Zone]],
        responses: Callable[[], ResponsePlanner],
        limits: Limits,
        on_response_dispatched: Callable[[int, int, str, int, datetime], None],
    ) -> None:
        self.config = config
        self._fleet = fleet
        self.dispatcher = dispatcher
        self._zones = zones
        self._responses = responses
        self.limits = limits
        self._on_response = on_response_dispatched
        self._payload = {v.name: frozenset(v.payload) for v in config.vehicles}

    # --- the fleet as the queue sees it ----------------------------------------------------
    def fleet(self, now: datetime) -> Sequence[VehicleState]:
        """Every configured drone: place, charge, payload, link, on the ground, task flown."""
        active = self.dispatcher.active()
        states = []
        for name, snap in self._fleet.snapshots().items():
            sortie = active.get(name)
            task_id = sortie.work.task_id if sortie is not None and sortie.work else None
            states.append(
                VehicleState(
                    name=name,
                    latitude_deg=snap.latitude_deg if snap.latitude_deg is not None else 0.0,
                    longitude_deg=snap.longitude_deg if snap.longitude_deg is not None else 0.0,
                    speed_mps=PlanSpec().default_speed_mps,
                    endurance_s=self.limits.usable_endurance_s,
                    battery_pct=float(snap.battery_remaining_pct or 0),
                    sensors=self._payload.get(name, frozenset()),
                    link_ok=snap.link is LinkState.OK and snap.has_position,
                    landed=_landed(snap),
                    reserved=sortie is not None and task_id is None,
                    task_id=task_id,
                )
            )
        return states

    def sortie_for(self, task_id: int) -> int | None:
        """The sortie flying (or that flew) a task."""
        return self.dispatcher.sortie_for(task_id)

    # --- starting work ---------------------------------------------------------------------
    def prepare(self, task: Task, vehicle: str, now: datetime) -> int:
        """Plan the task from where `vehicle` stands, prepare and launch its sortie."""
        snap = self._fleet.snapshot(vehicle)
        planned = self._plan(task, _here(snap, vehicle), snap)
        try:
            sortie_id = self.dispatcher.prepare(
                planned.mission,
                vehicle,
                name=_sortie_name(task),
                actor=self.config.actor,
                work=Work(task.id, task.zone, task.priority, planned.lanes),
                zone_name=task.zone if task.kind is not TaskKind.QUICK_RESPONSE else None,
            )
            self.dispatcher.launch(sortie_id, confirmed=True, actor=self.config.actor)
        except DispatchError as exc:
            raise DispatchRefused(str(exc)) from None
        self._responded(task, planned, sortie_id, vehicle, now)
        return sortie_id

    def retask(self, decision: Preempt, now: datetime) -> int:
        """Take the airborne drone to the critical task; what the displaced work leaves comes
        back to the queue through the dispatcher's requeue hook."""
        vehicle, task = decision.vehicle, decision.task
        snap = self._fleet.snapshot(vehicle)
        home = snap.home or _here(snap, vehicle)
        planned = self._plan(task, home, snap)
        try:
            retasked = self.dispatcher.retask(
                vehicle,
                planned.mission,
                name=_sortie_name(task),
                actor=self.config.actor,
                work=Work(task.id, task.zone, task.priority, planned.lanes),
            )
        except DispatchError as exc:
            raise DispatchRefused(str(exc)) from None
        self._responded(task, planned, retasked.sortie_id, vehicle, now)
        return retasked.sortie_id

    def _plan(self, task: Task, home: Position, snap: VehicleSnapshot) -> PlannedTask:
        zones = tuple(self._zones())
        spec = PlanSpec(ceiling_m=self.limits.ceiling_m, wind_from_deg=snap.wind_from_deg)
        try:
            if task.kind is TaskKind.QUICK_RESPONSE:
                plan = self._responses().plan_at(
                    float(task.detail["latitude_deg"]),
                    float(task.detail["longitude_deg"]),
                    Pattern(task.detail.get("pattern", Pattern.TRANSECTS.value)),
                    wind_of(snap),
                    home,
                    alert_id=int(task.detail["alert_id"]),
                )
                return PlannedTask(plan.mission, response=plan)
            if task.kind is TaskKind.RESUME_REMAINING and "resume" in task.detail:
                rest = RemainingWork.from_detail(task.detail["resume"])
                return PlannedTask(resume_mission(rest, home, zones))
            zone = next((z for z in zones if z.name == task.zone), None)
            if zone is None:
                raise DispatchRefused(f"zone {task.zone!r} is no longer in the zones in force")
            planned = plan_zone(zone, home, zones, spec)
            return PlannedTask(planned.mission, lane_spans(planned))
        except (PlanError, ResponseRefused, ValueError, KeyError) as exc:
            raise DispatchRefused(f"cannot plan {task.zone!r}: {exc}") from None

    def _responded(
        self, task: Task, planned: PlannedTask, sortie_id: int, vehicle: str, now: datetime
    ) -> None:
        if planned.response is not None:
            alert_id = int(task.detail["alert_id"])
            self._on_response(alert_id, sortie_id, vehicle, planned.response.on_scene_seq, now)


def wind_of(snap: VehicleSnapshot) -> WindObs | None:
    """The vehicle's own wind estimate as the tracer and the response planner take it."""
    if snap.wind_speed_mps is None or snap.wind_from_deg is None:
        return None
    return WindObs(speed_mps=snap.wind_speed_mps, from_deg=snap.wind_from_deg)


def _landed(snap: VehicleSnapshot) -> bool:
    return not snap.armed and (snap.altitude_relative_m or 0.0) < LANDED_BELOW_M


def _here(snap: VehicleSnapshot, vehicle: str) -> Position:
    if snap.latitude_deg is None or snap.longitude_deg is None:
        raise DispatchRefused(f"{vehicle} has no position estimate yet")
    return Position(snap.latitude_deg, snap.longitude_deg, snap.altitude_amsl_m or 0.0)


def _sortie_name(task: Task) -> str:
    kind = {TaskKind.PATROL: "patrol", TaskKind.QUICK_RESPONSE: "response"}.get(task.kind, "resume")
    return f"{kind} {task.zone} #{task.id}"
