"""A small survey zone by the simulator's home, planned as the patrol planner plans it, and the
coverage oracle applied to the tracks sorties really flew."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from command.dispatch import Work
from command.storage import read_track
from missions.items import Position
from missions.planner import PlannedMission, PlanSpec, plan_zone
from missions.remainder import lane_spans
from missions.zones import Zone, ZoneKind
from simulator import geo
from tests.missions.coverage import swept_cover

ALTITUDE_M = 30.0
SPEC = PlanSpec(side_overlap=0.5)
"""The default camera at 30 m: lanes 22.5 m apart, a picture every 7.5 m."""


def yard(home: Position, south_m: float = 50.0, across_m: float = 130.0) -> Zone:
    """An area zone north of home: `across_m` east–west by 120 m north–south."""
    corners = [(south_m, -40), (south_m, across_m - 40), (south_m + 120, across_m - 40),
               (south_m + 120, -40)]  # fmt: skip
    ring = [tuple(reversed(geo.destination(home.latitude_deg, home.longitude_deg, n, e)))
            for n, e in corners]  # fmt: skip
    return Zone(
        "yard", ZoneKind.AREA, Polygon(ring), priority=3, revisit_minutes=60,
        altitude_m=ALTITUDE_M, speed_mps=8.0,
    )  # fmt: skip


def planned_yard(home: Position, zone: Zone | None = None) -> PlannedMission:
    """The yard's survey planned from home (the patrol planner's own pipeline)."""
    return plan_zone(zone or yard(home), home, (), SPEC)


def patrol_work(planned: PlannedMission, task_id: int, priority: int = 3) -> Work:
    """The queue's view of the patrol: task, zone, priority and lanes."""
    return Work(task_id=task_id, zone=planned.zone, priority=priority, lanes=lane_spans(planned))


def flown_legs(track_paths: Iterable[Path], planned: PlannedMission) -> list:
    """Legs (metres) between consecutive track points flown at the survey's height."""
    legs = []
    for path in track_paths:
        track = read_track(path)
        at_height = np.abs(track.altitude_m - ALTITUDE_M) < 3.0
        xs, ys = planned.frame.to_xy_many(track.longitude_deg, track.latitude_deg)
        for k in range(1, len(track)):
            if at_height[k - 1] and at_height[k]:
                legs.append(((xs[k - 1], ys[k - 1]), (xs[k], ys[k])))
    return legs


DRIFT_ALLOWANCE = 1.25
"""The footprint across a flown track, in lane spacings: the wind pushes a drone a metre or two
off its lane, so a quarter spacing more is allowed — far less than the camera sees (two
spacings at 50 % side overlap): a lane left out still leaves most of its strip unseen."""


def unseen_share(track_paths: Iterable[Path], planned: PlannedMission, zone: Zone) -> float:
    """Share of the zone the camera did not see along the tracks (the oracle's footprint)."""
    region: BaseGeometry = planned.frame.project(zone.geometry)
    legs = flown_legs(track_paths, planned)
    if not legs:
        return 1.0
    across = planned.survey.spacing_m * DRIFT_ALLOWANCE
    survey = SimpleNamespace(lanes=legs, spacing_m=across, angle_deg=0.0)
    seen = swept_cover(survey, planned.swath)
    return float(region.difference(shapely.make_valid(seen)).area / region.area)
