"""Which drone flies a task: free (or, for critical work, flying lower-priority work), carrying
the payload, with the charge for the sortie plus the reserve; among those the allocation solver
(missions.allocation, OR-Tools) picks the cheapest — the nearest at its speed."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from missions.allocation import Drone, ZoneTask, allocate
from missions.geo import LocalFrame

from .tasks import Cause, Hold, Task, VehicleState


@dataclass
class ChoiceStats:
    """How choices were made: asked, solver runs, answers reused, solver wall time (s)."""

    choices: int = 0
    solver_runs: int = 0
    reused: int = 0
    solver_s: float = 0.0


@dataclass(frozen=True)
class Pick:
    """The drone chosen and how long its sortie is expected to take (s)."""

    vehicle: str
    sortie_s: float


@dataclass(frozen=True)
class _Candidate:
    vehicle: VehicleState
    x_m: float
    y_m: float
    sortie_s: float  # there and back at cruise speed plus time on task
    usable_s: float  # flight time left above the reserve


class DroneChooser:
    """Chooses drones for tasks; the same question (same places, charges, speeds) is answered
    once and remembered, since a drone back in its nest with a fresh battery asks it again."""

    def __init__(
        self,
        reserve_fraction: float = 0.2,
        solver_time_limit_s: float = 0.05,
        remembered: int = 4096,
    ) -> None:
        if not 0.0 <= reserve_fraction < 1.0:
            raise ValueError(f"reserve_fraction {reserve_fraction!r} outside [0, 1)")
        self.reserve_fraction = reserve_fraction
        self.solver_time_limit_s = solver_time_limit_s
        self.stats = ChoiceStats()
        self._answers: OrderedDict[tuple, str | None] = OrderedDict()
        self._remembered = remembered

    def choose(self, task: Task, vehicles: Sequence[VehicleState]) -> Pick | Hold:
        """A free drone on the ground for the task, or why none can take it."""
        self.stats.choices += 1
        free = [v for v in vehicles if v.unavailable() is None]
        if not free:
            # no per-drone detail: the text stays the same while the drones come and go
            return Hold(Cause.NO_DRONE, "no drone free: every drone is busy, away or held")
        carrying = [v for v in free if set(task.sensors) <= v.sensors]
        if not carrying:
            needed = ", ".join(task.sensors)
            return Hold(Cause.SENSORS, f"no free drone carries {needed}")
        return self._pick(task, carrying)

    def choose_airborne(
        self, task: Task, vehicles: Sequence[VehicleState], displaceable: set[int]
    ) -> Pick | None:
        """A drone flying one of the `displaceable` tasks that can take this one, or None."""
        flying = [
            v
            for v in vehicles
            if v.link_ok
            and not v.reserved
            and v.task_id in displaceable
            and set(task.sensors) <= v.sensors
        ]
        if not flying:
            return None
        chosen = self._pick(task, flying)
        return chosen if isinstance(chosen, Pick) else None

    def _pick(self, task: Task, vehicles: Sequence[VehicleState]) -> Pick | Hold:
        candidates = self._candidates(task, vehicles)
        fitting = [c for c in candidates if c.sortie_s <= c.usable_s]
        if not fitting:
            best = max(candidates, key=lambda c: c.usable_s - c.sortie_s)
            reserve_min = self.reserve_fraction * best.vehicle.endurance_s / 60
            return Hold(
                Cause.BATTERY,
                f"charge too low: the sortie needs {best.sortie_s / 60:.1f} min plus "
                f"{reserve_min:.1f} min reserve, {best.vehicle.name} has "
                f"{(best.usable_s / 60) + reserve_min:.1f} min",
            )
        if len(fitting) == 1:
            return Pick(fitting[0].vehicle.name, fitting[0].sortie_s)
        # places relative to the task: the same nest and zone ask the same question
        key = (
            round(task.work_s),
            tuple(
                (c.vehicle.name, round(c.x_m), round(c.y_m), c.vehicle.speed_mps, round(c.usable_s))
                for c in fitting
            ),
        )
        if key in self._answers:
            self.stats.reused += 1
            self._answers.move_to_end(key)
            answer = self._answers[key]
        else:
            answer = self._solve(task, fitting)
            self._answers[key] = answer
            if len(self._answers) > self._remembered:
                self._answers.popitem(last=False)
        if answer is None:
            return Hold(Cause.BATTERY, "the allocation solver found no drone with the charge")
        chosen = next(c for c in fitting if c.vehicle.name == answer)
        return Pick(chosen.vehicle.name, chosen.sortie_s)

    def _candidates(self, task: Task, vehicles: Sequence[VehicleState]) -> list[_Candidate]:
        frame = LocalFrame.around(task.latitude_deg, task.longitude_deg)
        tx, ty = frame.to_xy(task.longitude_deg, task.latitude_deg)
        xs, ys = frame.to_xy_many(
            np.asarray([v.longitude_deg for v in vehicles]),
            np.asarray([v.latitude_deg for v in vehicles]),
        )
        out = []
        for v, x, y in zip(vehicles, xs, ys, strict=True):
            there_and_back = 2.0 * float(np.hypot(tx - x, ty - y))
            sortie = there_and_back / v.speed_mps + task.work_s
            left = v.endurance_s * max(0.0, min(v.battery_pct, 100.0)) / 100.0
            usable = left - self.reserve_fraction * v.endurance_s
            out.append(_Candidate(v, float(x - tx), float(y - ty), sortie, usable))
        return out

    def _solve(self, task: Task, fitting: Sequence[_Candidate]) -> str | None:
        drones = [
            Drone(c.vehicle.name, (c.x_m, c.y_m), c.vehicle.speed_mps, max(c.usable_s, 0.0))
            for c in fitting
        ]
        work = ZoneTask(str(task.id), task.priority, task.work_s, (0.0, 0.0))
        started = time.perf_counter()
        result = allocate(
            drones, [work], reserve_fraction=0.0, waves=1, time_limit_s=self.solver_time_limit_s
        )
        self.stats.solver_s += time.perf_counter() - started
        self.stats.solver_runs += 1
        first = [s for s in result.sorties if s.wave == 0]
        return first[0].drone if first else None
