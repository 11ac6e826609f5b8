"""Zone tasks to drone sorties with OR-Tools routing: strict priority, endurance with reserve.

Tier by tier (priority 1 first), each tier a vehicle routing problem whose vehicles are the
(drone, wave) sorties still free: no task flies in a later wave than a less urgent one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from missions.routing import Point2

_SCALE = 10  # solver units per second
_SORTIE_COST_S = 120.0  # take-off, landing, battery swap
_WAVE_COST_S = 600.0  # per wave later than the tier's first: finish urgent work early


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
    shared_waves: int = 0  # waves in which tasks of two priorities fly (on different drones)
    solve_time_s: float = 0.0  # time the solver actually took

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
    strict_waves: bool = False,
    wave_cost_s: float = _WAVE_COST_S,
) -> Allocation:
    """Assign tasks to sorties (drone × wave); no sortie exceeds endurance × (1 − reserve).

    Priority is strict: a priority-p task never flies in a later wave than a less urgent one.
    A tier may start in the last wave of the tier before on drones that wave leaves free,
    unless `strict_waves`, when every tier starts in a wave of its own. `waves` caps the
    waves a tier may use per drone (default: estimated from the work); `time_limit_s` is
    shared by the tiers; `wave_cost_s` is charged per sortie and wave past the tier's first
    (more: fewer waves, longer flights; 0: shortest flights, more waves).
    """
    started = time.monotonic()
    if not drones:
        raise ValueError("allocation needs at least one drone")
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ValueError("task names must be unique")
    if not tasks:
        return Allocation((), (), 0.0, 0.0, 0)
    capacity = np.asarray([d.endurance_s * (1.0 - reserve_fraction) for d in drones])
    speed = np.asarray([d.speed_mps for d in drones])
    homes = np.asarray([d.home_xy for d in drones], dtype=float)
    places = np.asarray([t.location_xy for t in tasks], dtype=float)
    there_and_back = 2.0 * np.hypot(*(homes[:, None] - places[None]).transpose(2, 0, 1))
    alone = there_and_back / speed[:, None] + np.asarray([t.duration_s for t in tasks])[None]
    feasible = (alone <= capacity[:, None]).any(axis=0)
    tiers = sorted({t.priority for t, ok in zip(tasks, feasible, strict=True) if ok})
    next_free = [0] * len(drones)  # each drone's first wave not yet flown
    boundary = 0  # no tier may start before this wave
    flights: list[tuple[int, int, list[int], float]] = []  # drone, wave, task indexes, seconds
    dropped: set[int] = {j for j in range(len(tasks)) if not feasible[j]}
    n_feasible = int(feasible.sum())
    for tier in tiers:
        members = [j for j, t in enumerate(tasks) if t.priority == tier and feasible[j]]
        budget = time_limit_s * len(members) / n_feasible
        first = [max(w, boundary) for w in next_free]
        tier_flights, missed = _solve_tier(
            drones, tasks, members, capacity, first, waves, budget, wave_cost_s
        )
        dropped.update(missed)
        last = boundary
        for d in range(len(drones)):
            # close gaps: a drone's sorties of this tier fly in its next free waves
            own = sorted((f for f in tier_flights if f[0] == d), key=lambda f: f[1])
            for k, (_, _, visited, seconds) in enumerate(own):
                flights.append((d, first[d] + k, visited, seconds))
                last = max(last, first[d] + k)
            next_free[d] = first[d] + len(own) if own else next_free[d]
        boundary = last + 1 if strict_waves else last
    elapsed = time.monotonic() - started
    return _summarise(drones, tasks, flights, dropped, elapsed)


def _solve_tier(
    drones: Sequence[Drone],
    tasks: Sequence[ZoneTask],
    members: list[int],
    capacity: np.ndarray,
    first: list[int],
    waves: int | None,
    time_limit_s: float,
    wave_cost_s: float,
) -> tuple[list[tuple[int, int, list[int], float]], list[int]]:
    """Route one priority tier over the free (drone, wave) sorties; the tasks it had to drop."""
    n_d = len(drones)
    points = np.asarray(
        [d.home_xy for d in drones] + [tasks[j].location_xy for j in members], dtype=float
    )
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    service = np.asarray([0.0] * n_d + [tasks[j].duration_s for j in members])
    if waves is None:
        reach = 2.0 * dist[:n_d, n_d:].min(axis=0) / max(d.speed_mps for d in drones)
        work = float(service.sum() + reach.sum())
        waves = max(1, math.ceil(1.3 * work / float(capacity.sum())) + 1)
    vehicles = [(d, first[d] + k) for k in range(waves) for d in range(n_d)]
    earliest = min(first)
    manager = pywrapcp.RoutingIndexManager(
        len(points), len(vehicles), [d for d, _ in vehicles], [d for d, _ in vehicles]
    )
    routing = pywrapcp.RoutingModel(manager)
    evaluators = []
    for drone in drones:
        seconds = dist / drone.speed_mps + service[:, None]
        matrix = np.rint(seconds * _SCALE).astype(np.int64)
        evaluators.append(routing.RegisterTransitMatrix(matrix.tolist()))
    for v, (d, w) in enumerate(vehicles):
        routing.SetArcCostEvaluatorOfVehicle(evaluators[d], v)
        fixed = _SORTIE_COST_S + (w - earliest) * wave_cost_s
        routing.SetFixedCostOfVehicle(int(fixed * _SCALE), v)
    routing.AddDimensionWithVehicleTransitAndCapacity(
        [evaluators[d] for d, _ in vehicles],
        0,
        [int(capacity[d] * _SCALE) for d, _ in vehicles],
        True,
        "time",
    )
    drop_penalty = int(1e4 * _SCALE * (1 + dist.max()))
    for k in range(len(members)):
        routing.AddDisjunction([manager.NodeToIndex(n_d + k)], drop_penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(50, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return [], list(members)
    flights: list[tuple[int, int, list[int], float]] = []
    served: set[int] = set()
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
                visited.append(members[nxt - n_d])
        if visited:
            flights.append((d, w, visited, seconds))
            served.update(visited)
    return flights, [j for j in members if j not in served]


def _summarise(
    drones: Sequence[Drone],
    tasks: Sequence[ZoneTask],
    flights: list[tuple[int, int, list[int], float]],
    dropped: set[int],
    elapsed_s: float,
) -> Allocation:
    """Sorties in wave order (empty waves squeezed out), inversions counted pair by pair."""
    used = sorted({w for _, w, _, _ in flights})
    renumber = {w: k for k, w in enumerate(used)}
    sorties = sorted(
        (
            Sortie(drones[d].name, renumber[w], tuple(tasks[j].name for j in visited), seconds)
            for d, w, visited, seconds in flights
        ),
        key=lambda s: (s.wave, s.drone),
    )
    wave_of = {j: renumber[w] for _, w, visited, _ in flights for j in visited}
    unassigned = tuple(t.name for j, t in enumerate(tasks) if j in dropped or j not in wave_of)
    inversions = priority_inversions([(tasks[j].priority, wave) for j, wave in wave_of.items()])
    mixed: dict[int, set[int]] = {}
    for j, wave in wave_of.items():
        mixed.setdefault(wave, set()).add(tasks[j].priority)
    shared = sum(1 for priorities in mixed.values() if len(priorities) > 1)
    cost = sum(s.duration_s for s in sorties)
    done = [t for j, t in enumerate(tasks) if j in wave_of]
    return Allocation(
        tuple(sorties),
        unassigned,
        cost,
        lower_bound_s(drones, done),
        inversions,
        shared,
        elapsed_s,
    )


def priority_inversions(served: Sequence[tuple[int, int]]) -> int:
    """Pairs of (priority, wave) where the more urgent task flies in a strictly later wave."""
    if not served:
        return 0
    priority, wave = np.asarray(served).T
    return int(((priority[:, None] < priority[None]) & (wave[:, None] > wave[None])).sum())
