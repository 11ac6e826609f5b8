"""A simulated fleet behind the `Dispatch` seam: drones in nests whose sorties take the time the
estimate says (there and back at cruise speed plus time on task), batteries swapped after
each landing, link outages and maintenance as scheduled. It keeps its own sortie log, as real
drones keep flying and land whether or not the command centre is up."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from command.patrols import DispatchRefused, Preempt, Remainder, Task, VehicleState
from command.patrols.conditions import ground_distance_m


@dataclass
class SimDrone:
    """A drone: nest (degrees), cruise speed (m/s), full-battery flight time (s), payload."""

    name: str
    nest: tuple[float, float]
    speed_mps: float = 15.0
    endurance_s: float = 2700.0
    sensors: frozenset[str] = frozenset({"PM2_5", "PM10", "SO2", "NO2"})
    swap_s: float = 300.0
    link_outages: list[tuple[datetime, datetime]] = field(default_factory=list)
    maintenance: list[tuple[datetime, datetime]] = field(default_factory=list)
    ready_at: datetime | None = None
    sortie: SimSortie | None = None


@dataclass
class SimSortie:
    """One flight: task, start and landing times, its legs (s) and where it works (degrees)."""

    id: int
    task_id: int
    vehicle: str
    start: datetime
    end: datetime
    transit_in_s: float
    work_s: float
    place: tuple[float, float]
    ended: bool = False


@dataclass(frozen=True)
class SortieReport:
    """What the fleet tells the centre: a sortie completed or was cut short, and when."""

    task_id: int
    sortie_id: int
    at: datetime
    completed: bool
    reason: str = ""
    remainder: Remainder | None = None


def _within(moment: datetime, spans: Sequence[tuple[datetime, datetime]]) -> bool:
    return any(a <= moment < b for a, b in spans)


class SimFleet:
    """Implements `command.patrols.Dispatch` for a set of simulated drones."""

    def __init__(self, drones: Sequence[SimDrone]) -> None:
        self.drones = {d.name: d for d in drones}
        self.sorties: list[SimSortie] = []
        self._ids = itertools.count(1)
        self._reports: list[SortieReport] = []

    # --- Dispatch ------------------------------------------------------------------------
    def fleet(self, now: datetime) -> list[VehicleState]:
        return [self._state(d, now) for d in self.drones.values()]

    def prepare(self, task: Task, vehicle: str, now: datetime) -> int:
        drone = self.drones[vehicle]
        if self._state(drone, now).unavailable() is not None:
            raise DispatchRefused(f"{vehicle} is not free")
        transit = ground_distance_m(*drone.nest, task.latitude_deg, task.longitude_deg)
        transit_s = transit / drone.speed_mps
        return self._fly(drone, task, now, transit_s, transit_s)

    def retask(self, decision: Preempt, now: datetime) -> int:
        drone = self.drones[decision.vehicle]
        current = drone.sortie
        if current is None or current.task_id != decision.displaced_task.id:
            raise DispatchRefused(f"{drone.name} is not flying task {decision.displaced_task.id}")
        flown = (now - current.start).total_seconds()
        left = current.work_s - max(0.0, flown - current.transit_in_s)
        current.ended = True
        current.end = now
        self._reports.append(
            SortieReport(
                current.task_id,
                current.id,
                now,
                False,
                "re-tasked",
                Remainder(max(left, 0.0), {"resume_after_s": current.work_s - max(left, 0.0)}),
            )
        )
        task = decision.task
        here = current.place
        there = ground_distance_m(*here, task.latitude_deg, task.longitude_deg) / drone.speed_mps
        back = ground_distance_m(task.latitude_deg, task.longitude_deg, *drone.nest)
        return self._fly(drone, task, now, there, back / drone.speed_mps, start=current.start)

    def sortie_for(self, task_id: int) -> int | None:
        for sortie in self.sorties:
            if sortie.task_id == task_id:
                return sortie.id
        return None

    # --- the simulation ----------------------------------------------------------------------
    def reports(self, now: datetime) -> list[SortieReport]:
        """Sorties that landed by `now` (at their landing time) and those cut short."""
        for drone in self.drones.values():
            sortie = drone.sortie
            if sortie is not None and sortie.end <= now:
                if not sortie.ended:
                    sortie.ended = True
                    self._reports.append(SortieReport(sortie.task_id, sortie.id, sortie.end, True))
                drone.sortie = None
                drone.ready_at = sortie.end + timedelta(seconds=drone.swap_s)
        out, self._reports = sorted(self._reports, key=lambda r: r.at), []
        return out

    def next_change(self, now: datetime) -> datetime | None:
        """When a drone next lands, is ready after its battery swap, or its link changes."""
        moments = [d.sortie.end for d in self.drones.values() if d.sortie is not None]
        for d in self.drones.values():
            moments += [d.ready_at] if d.ready_at is not None else []
            moments += [m for span in d.link_outages + d.maintenance for m in span]
        return min((m for m in moments if m > now), default=None)

    def _fly(
        self,
        drone: SimDrone,
        task: Task,
        now: datetime,
        there_s: float,
        back_s: float,
        start: datetime | None = None,
    ) -> int:
        sortie = SimSortie(
            id=next(self._ids),
            task_id=task.id,
            vehicle=drone.name,
            start=start or now,
            end=now + timedelta(seconds=there_s + task.work_s + back_s),
            transit_in_s=there_s + ((now - start).total_seconds() if start else 0.0),
            work_s=task.work_s,
            place=(task.latitude_deg, task.longitude_deg),
        )
        self.sorties.append(sortie)
        drone.sortie = sortie
        return sortie.id

    def _state(self, drone: SimDrone, now: datetime) -> VehicleState:
        sortie = drone.sortie if drone.sortie is not None and drone.sortie.end > now else None
        if sortie is not None:
            used = (now - sortie.start).total_seconds() / drone.endurance_s * 100.0
            lat, lon = sortie.place
        else:
            used = 0.0
            lat, lon = drone.nest
        swapping = drone.ready_at is not None and now < drone.ready_at
        return VehicleState(
            name=drone.name,
            latitude_deg=lat,
            longitude_deg=lon,
            speed_mps=drone.speed_mps,
            endurance_s=drone.endurance_s,
            battery_pct=max(0.0, 100.0 - used),
            sensors=drone.sensors,
            link_ok=not _within(now, drone.link_outages),
            landed=sortie is None,
            reserved=swapping or _within(now, drone.maintenance),
            task_id=sortie.task_id if sortie is not None else None,
        )
