"""Zone tasks to drone sorties with OR-Tools routing: priority first, endurance with reserve."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from missions.routing import Point2

_SCALE = 10  # solver units per second
_WAVE_PENALTY_S = {1: 3000.0, 2: 1500.0, 3: 500.0, 4: 0.0}  # per later wave, by priority
_ARRIVAL_WEIGHT = {1: 3, 2: 2, 3: 1, 4: 0}  # solver units per second of arrival, by priority
_SORTIE_COST_S = 120.0  # take-off, landing, battery swap


@dataclass(frozen=True)
class Drone:
    """A drone: home (metres), cruise speed (m/s), usable endurance per battery (s)."""

    name: str
    home_xy: Point2
    speed_mps: float
    endurance_s: float


@dataclass(frozen=True)
class ZoneTask:
    """Work in one zone: priority 1 critical … 4 low, time on task (s), where it is (metres)."""

    name: str
    priority: int
    duration_s: float
    location_xy: Point2


@dataclass(frozen=True)
class Sortie:
    """One flight of one drone: wave 0 flies first; tasks in order; duration home to home (s)."""

    drone: str
    wave: int
    tasks: tuple[str, ...]
    duration_s: float


@dataclass(frozen=True)
class Allocation:
    """Sorties, unassigned tasks, flight time (s) against a lower bound (s), priority inversions."""

    sorties: tuple[Sortie, ...]
    unassigned: tuple[str, ...]
    cost_s: float
    lower_bound_s: float
    priority_inversions: int  # pairs where a less urgent task flies in an earlier wave

    @property
    def ratio(self) -> float:
        """Cost over lower bound (1.0 is optimal)."""
        return self.cost_s / self.lower_bound_s if self.lower_bound_s > 0 else math.inf


def lower_bound_s(drones: Sequence[Drone], tasks: Sequence[ZoneTask]) -> float:
    """Time on task plus, per task, the cheapest way in and out at the fastest speed (halved)."""
    if not tasks:
        return 0.0
    speed = max(d.speed_mps for d in drones)
    points = np.asarray([t.location_xy for t in tasks] + [d.home_xy for d in drones], dtype=float)
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    n = len(tasks)
    np.fill_diagonal(dist, np.inf)
    cheapest = dist[:n].min(axis=1)  # symmetric: in and out alike
    return float(sum(t.duration_s for t in tasks) + cheapest.sum() / speed)


def allocate(
    drones: Sequence[Drone],
    tasks: Sequence[ZoneTask],
    reserve_fraction: float = 0.2,
    waves: int | None = None,
    time_limit_s: float = 2.0,
) -> Allocation:
    """Assign tasks to sorties (drone × wave); no sortie exceeds endurance × (1 − reserve)."""
    if not drones:
        raise ValueError("allocation needs at least one drone")
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ValueError("task names must be unique")
    if not tasks:
        return Allocation((), (), 0.0, 0.0, 0)
    capacity = [d.endurance_s * (1.0 - reserve_fraction) for d in drones]
    n_d, n_t = len(drones), len(tasks)
    points = np.asarray([d.home_xy for d in drones] + [t.location_xy for t in tasks], dtype=float)
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    if waves is None:
        reach = dist[:n_d, n_d:].min(axis=0) / max(d.speed_mps for d in drones)
        work = sum(t.duration_s for t in tasks) + float(reach.sum())
        waves = max(1, math.ceil(1.25 * work / sum(capacity)) + 1)
    service = np.asarray([0.0] * n_d + [t.duration_s for t in tasks])
    priority = [0] * n_d + [t.priority for t in tasks]
    vehicles = [(d, w) for w in range(waves) for d in range(n_d)]
    manager = pywrapcp.RoutingIndexManager(
        n_d + n_t, len(vehicles), [d for d, _ in vehicles], [d for d, _ in vehicles]
    )
    routing = pywrapcp.RoutingModel(manager)
    time_evaluators = []
    for drone in drones:
        seconds = dist / drone.speed_mps + service[:, None]
        matrix = np.rint(seconds * _SCALE).astype(np.int64)
        time_evaluators.append(routing.RegisterTransitMatrix(matrix.tolist()))
    penalty = np.asarray([_WAVE_PENALTY_S.get(p, 0.0) for p in priority])
    for v, (d, w) in enumerate(vehicles):
        seconds = dist / drones[d].speed_mps + service[:, None] + w * penalty[None, :]
        cost = np.rint(seconds * _SCALE).astype(np.int64)
        routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(cost.tolist()), v)
        routing.SetFixedCostOfVehicle(int(_SORTIE_COST_S * _SCALE), v)
    routing.AddDimensionWithVehicleTransitAndCapacity(
        [time_evaluators[d] for d, _ in vehicles],
        0,
        [int(capacity[d] * _SCALE) for d, _ in vehicles],
        True,
        "time",
    )
    time_dim = routing.GetDimensionOrDie("time")
    drop_penalty = int(1e4 * _SCALE * (1 + dist.max()))
    for j, task in enumerate(tasks):
        index = manager.NodeToIndex(n_d + j)
        routing.AddDisjunction([index], drop_penalty)
        if _ARRIVAL_WEIGHT.get(task.priority, 0):
            time_dim.SetCumulVarSoftUpperBound(index, 0, _ARRIVAL_WEIGHT[task.priority])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return Allocation((), tuple(names), 0.0, lower_bound_s(drones, tasks), 0)
    return _read(routing, manager, solution, drones, tasks, vehicles, dist, service)


def _read(routing, manager, solution, drones, tasks, vehicles, dist, service) -> Allocation:
    n_d = len(drones)
    flights: dict[int, list[tuple[int, list[int], float]]] = {}
    for v, (d, w) in enumerate(vehicles):
        index = routing.Start(v)
        node = manager.IndexToNode(index)
        visited: list[int] = []
        seconds = 0.0
        while not routing.IsEnd(index):
            index = solution.Value(routing.NextVar(index))
            nxt = manager.IndexToNode(index)
            seconds += dist[node, nxt] / drones[d].speed_mps + service[node]
            node = nxt
            if nxt >= n_d:
                visited.append(nxt - n_d)
        if visited:
            flights.setdefault(d, []).append((w, visited, seconds))
    sorties: list[Sortie] = []
    wave_of: dict[int, int] = {}
    for d, flown in flights.items():
        for wave, (_, visited, seconds) in enumerate(sorted(flown, key=lambda f: f[0])):
            sorties.append(
                Sortie(drones[d].name, wave, tuple(tasks[j].name for j in visited), seconds)
            )
            wave_of.update(dict.fromkeys(visited, wave))
    assigned = set(wave_of)
    sorties.sort(key=lambda s: (s.wave, s.drone))
    unassigned = tuple(t.name for j, t in enumerate(tasks) if j not in assigned)
    inversions = sum(
        1
        for a in wave_of
        for b in wave_of
        if tasks[a].priority < tasks[b].priority and wave_of[a] > wave_of[b]
    )
    cost = sum(s.duration_s for s in sorties)
    done = [t for j, t in enumerate(tasks) if j in assigned]
    return Allocation(tuple(sorties), unassigned, cost, lower_bound_s(drones, done), inversions)
