"""Zone → pattern → transits → mission items: the planning pipeline for one zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from missions.camera import Camera, Swath, swath_from_camera, swath_from_width
from missions.geo import LocalFrame
from missions.inspection import InspectionSpec, Leg
from missions.items import Cmd, Fence, FencePolygon, Frame, Mission, MissionItem, Position
from missions.objective import PATH_LENGTH, Objective
from missions.patterns import PatternSite, PlanError, pattern_planner
from missions.routing import Point2, path_length, polygons_of
from missions.survey import SurveyPath
from missions.transit import TransitError, TransitPlanner
from missions.zones import Zone, ZoneKind

__all__ = [
    "PlanError",
    "PlanSpec",
    "PlannedMission",
    "fence_of",
    "mission_items",
    "plan_zone",
    "route_legs",
]


@dataclass(frozen=True)
class PlanSpec:
    """How to fly: altitude (m above home), speed (m/s), sensor, overlaps, ceiling, wind."""

    altitude_m: float | None = None  # overrides the zone's altitude_m
    speed_mps: float | None = None  # overrides the zone's speed_mps
    default_altitude_m: float = 60.0
    default_speed_mps: float = 8.0
    camera: Camera | None = field(default_factory=Camera)
    sensing_width_m: float | None = None  # a strip sensor instead of the camera
    side_overlap: float = 0.6
    forward_overlap: float = 0.75
    ceiling_m: float = 120.0
    margin_m: float | None = None  # survey may leave the zone by this much (default half a lane)
    clearance_m: float = 20.0  # distance kept from no-fly zones
    wind_from_deg: float | None = None  # meteorological wind direction for plume transects
    inspection: InspectionSpec = field(default_factory=InspectionSpec)
    min_altitude_m: float = 30.0
    objective: Objective = PATH_LENGTH  # what a survey minimises (length, time, turns)

    def swath(self, altitude_m: float) -> Swath:
        """Lane spacing and trigger distance at an altitude."""
        if self.sensing_width_m is not None or self.camera is None:
            return swath_from_width(
                self.sensing_width_m or 30.0, self.side_overlap if self.camera is None else 0.0
            )
        return swath_from_camera(self.camera, altitude_m, self.side_overlap, self.forward_overlap)


@dataclass(frozen=True)
class PlannedMission:
    """A planned zone: the mission, the pattern, its route in metres and what the planner noted."""

    zone: str
    pattern: str
    mission: Mission
    frame: LocalFrame
    route_xy: tuple[Point2, ...]  # home → transit → pattern → transit → home, metres
    pattern_length_m: float
    survey: SurveyPath | None = None
    swath: Swath | None = None
    notes: tuple[str, ...] = ()

    @property
    def route_length_m(self) -> float:
        """Horizontal length of the whole route, home to home."""
        return path_length(self.route_xy)


def plan_zone(
    zone: Zone, home: Position, zones: Sequence[Zone] = (), spec: PlanSpec = PlanSpec()
) -> PlannedMission:
    """Plan one task zone from home with its pattern (missions.patterns), routing around the
    no-fly zones among `zones`."""
    if zone.kind not in (ZoneKind.AREA, ZoneKind.CORRIDOR, ZoneKind.ENTERPRISE):
        raise PlanError(f"zone {zone.name!r} is a {zone.kind.value} zone: nothing to fly there")
    frame = LocalFrame.around(home.latitude_deg, home.longitude_deg)
    home_xy = frame.to_xy(home.longitude_deg, home.latitude_deg)
    no_fly = [frame.project(z.geometry) for z in zones if z.kind is ZoneKind.NO_FLY]
    transit = TransitPlanner(no_fly, spec.clearance_m)
    altitude = _first(spec.altitude_m, zone.altitude_m, spec.default_altitude_m)
    speed = _first(spec.speed_mps, zone.speed_mps, spec.default_speed_mps)
    if altitude > spec.ceiling_m:
        raise PlanError(
            f"zone {zone.name!r}: altitude_m {altitude:g} is above the {spec.ceiling_m:g} m ceiling"
        )
    _, planner = pattern_planner(zone)
    site = PatternSite(frame, home_xy, transit, spec, altitude)
    try:
        pattern = planner(zone, site)
    except (TransitError, ValueError) as exc:
        if isinstance(exc, PlanError):
            raise
        raise PlanError(f"zone {zone.name!r}: {exc}") from exc
    legs = list(pattern.legs)
    route, transit_at = route_legs(home_xy, legs, transit, zone.name)
    items = mission_items(route, transit_at, legs, frame, home, speed, pattern.swath)
    fence = fence_of(zones)
    mission = Mission(home=home, items=tuple(items), fence=fence, cruise_speed_mps=speed)
    pattern_length = sum(path_length(leg.waypoints) for leg in legs)
    flat = (home_xy, *(p for p, _ in route), home_xy)
    return PlannedMission(
        zone.name,
        pattern.name,
        mission,
        frame,
        flat,
        pattern_length,
        pattern.survey,
        pattern.swath,
        pattern.notes,
    )


def _first(*values: float | None) -> float:
    return next(v for v in values if v is not None)


def route_legs(
    home_xy: Point2, legs: list[Leg], transit: TransitPlanner, zone_name: str
) -> tuple[list[tuple[Point2, int]], list[int]]:
    """Legs joined from home and back by transits around the no-fly zones: the points with the
    leg index they belong to (-1 = transit), home excluded at both ends, and the transit points'
    indices. PlanError naming `zone_name` when no transit exists."""
    route: list[tuple[Point2, int]] = []
    transit_at: list[int] = []
    here = home_xy
    try:
        for k, leg in enumerate(legs):
            hop = transit.route(here, leg.waypoints[0])
            for p in hop[1:-1]:
                transit_at.append(len(route))
                route.append((p, -1))
            route.extend((p, k) for p in leg.waypoints)
            here = leg.waypoints[-1]
        back = transit.route(here, home_xy)
    except TransitError as exc:
        raise PlanError(f"zone {zone_name!r}: {exc}") from exc
    for p in back[1:-1]:
        transit_at.append(len(route))
        route.append((p, -1))
    return route, transit_at


def mission_items(
    route: list[tuple[Point2, int]],
    transit_at: list[int],
    legs: list[Leg],
    frame: LocalFrame,
    home: Position,
    speed: float,
    swath: Swath | None,
) -> list[MissionItem]:
    """A routed pattern as mission items: take-off, speed, the waypoints (camera triggering on
    survey lanes when a swath is given), RTL."""
    first_alt = legs[0].altitude_m
    items = [
        MissionItem(
            Cmd.NAV_TAKEOFF,
            Frame.GLOBAL_RELATIVE_ALT,
            latitude_deg=home.latitude_deg,
            longitude_deg=home.longitude_deg,
            altitude_m=first_alt,
        ),
        MissionItem(Cmd.DO_CHANGE_SPEED, Frame.MISSION, param1=1.0, param2=speed, param3=-1.0),
    ]
    trigger = swath.trigger_distance_m if swath is not None else 0.0
    xs = np.asarray([p[0] for p, _ in route])
    ys = np.asarray([p[1] for p, _ in route])
    lons, lats = frame.to_lonlat_many(xs, ys)
    altitude = first_alt
    previous_leg = -1
    for i, (_, leg_index) in enumerate(route):
        if leg_index >= 0:
            altitude = legs[leg_index].altitude_m
        items.append(
            MissionItem(
                Cmd.NAV_WAYPOINT,
                Frame.GLOBAL_RELATIVE_ALT,
                latitude_deg=float(lats[i]),
                longitude_deg=float(lons[i]),
                altitude_m=altitude,
            )
        )
        starts_survey = trigger > 0 and leg_index >= 0 and previous_leg < 0
        ends_survey = (
            trigger > 0 and leg_index >= 0 and (i + 1 == len(route) or route[i + 1][1] < 0)
        )
        if starts_survey:
            items.append(
                MissionItem(Cmd.DO_SET_CAM_TRIGG_DIST, Frame.MISSION, param1=trigger, param3=1.0)
            )
        if ends_survey:
            items.append(MissionItem(Cmd.DO_SET_CAM_TRIGG_DIST, Frame.MISSION, param1=0.0))
        previous_leg = leg_index
    items.append(MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION))
    return items


def fence_of(zones: Sequence[Zone]) -> Fence:
    """The geofence of a zone set: fence zones as inclusion, no-fly zones as exclusion polygons."""
    polygons: list[FencePolygon] = []
    for zone in zones:
        if zone.kind not in (ZoneKind.FENCE, ZoneKind.NO_FLY):
            continue
        for polygon in polygons_of(zone.geometry):
            ring = shapely.get_coordinates(polygon.exterior)[:-1]
            vertices = tuple((float(lat), float(lon)) for lon, lat in ring)
            polygons.append(FencePolygon(vertices, inclusion=zone.kind is ZoneKind.FENCE))
    return Fence(polygons=tuple(polygons))
