"""Zone → pattern → transits → mission items: the planning pipeline for one zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from missions.camera import Camera, Swath, swath_from_camera, swath_from_width
from missions.corridor import plan_corridor
from missions.detour import clear_leg
from missions.geo import LocalFrame
from missions.inspection import InspectionSpec, Leg, plan_inspection
from missions.items import Cmd, Fence, FencePolygon, Frame, Mission, MissionItem, Position
from missions.routing import Point2, path_length, polygons_of
from missions.survey import SurveyPath, plan_survey
from missions.transit import TransitError, TransitPlanner
from missions.zones import Zone, ZoneKind


class PlanError(ValueError):
    """A zone cannot be planned as asked (the message names the zone and the reason)."""


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
    """Plan one task zone from home, routing around the no-fly zones among `zones`."""
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
    notes: list[str] = []
    survey: SurveyPath | None = None
    swath: Swath | None = None
    if zone.kind is ZoneKind.ENTERPRISE:
        legs, pattern = _inspection_legs(zone, frame, spec, notes)
        legs = _clear_legs(zone, legs, transit, spec.clearance_m, notes)
    else:
        swath = spec.swath(altitude)
        survey, pattern = _survey(zone, frame, swath, spec, transit, home_xy)
        legs = [Leg(survey.waypoints, altitude, pattern)]
    route, transit_at = _route(home_xy, legs, transit, zone.name)
    items = _items(route, transit_at, legs, frame, home, speed, swath)
    fence = _fence(zones)
    mission = Mission(home=home, items=tuple(items), fence=fence, cruise_speed_mps=speed)
    pattern_length = sum(path_length(leg.waypoints) for leg in legs)
    flat = (home_xy, *(p for p, _ in route), home_xy)
    return PlannedMission(
        zone.name, pattern, mission, frame, flat, pattern_length, survey, swath, tuple(notes)
    )


def _first(*values: float | None) -> float:
    return next(v for v in values if v is not None)


def _survey(
    zone: Zone,
    frame: LocalFrame,
    swath: Swath,
    spec: PlanSpec,
    transit: TransitPlanner,
    home_xy: Point2,
) -> tuple[SurveyPath, str]:
    footprint = zone.footprint_m(frame)
    keep_out = transit.no_fly.buffer(spec.clearance_m) if not transit.no_fly.is_empty else None
    region = footprint.difference(keep_out) if keep_out is not None else footprint
    if region.is_empty or not polygons_of(region):
        raise PlanError(f"zone {zone.name!r}: nothing left to survey outside the no-fly zones")
    if zone.kind is ZoneKind.CORRIDOR and (keep_out is None or not footprint.intersects(keep_out)):
        line = frame.project(zone.geometry)
        assert isinstance(line, LineString) and zone.width_m is not None
        return plan_corridor(line, zone.width_m, swath), "corridor"
    return plan_survey(region, swath, spec.margin_m, start=home_xy), "survey"


def _inspection_legs(
    zone: Zone, frame: LocalFrame, spec: PlanSpec, notes: list[str]
) -> tuple[list[Leg], str]:
    site = frame.project(zone.geometry)
    centre = site if isinstance(site, Point) else site.centroid
    radius = 0.0
    if isinstance(site, Polygon):
        coords = np.asarray(site.exterior.coords)
        radius = float(np.hypot(coords[:, 0] - centre.x, coords[:, 1] - centre.y).max())
    stack = zone.stack_height_m or 0.0
    legs = list(
        plan_inspection(
            (centre.x, centre.y),
            radius,
            stack,
            spec.wind_from_deg,
            spec.inspection,
            spec.min_altitude_m,
        )
    )
    for k, leg in enumerate(legs):
        if leg.altitude_m > spec.ceiling_m:
            notes.append(
                f"{leg.kind} altitude {leg.altitude_m:g} m capped at the "
                f"{spec.ceiling_m:g} m ceiling"
            )
            legs[k] = Leg(leg.waypoints, spec.ceiling_m, leg.kind)
    if spec.wind_from_deg is None:
        notes.append("no wind direction given: orbit only, no downwind transects")
    return legs, "orbit+transects" if len(legs) > 1 else "orbit"


def _clear_legs(
    zone: Zone, legs: list[Leg], transit: TransitPlanner, clearance_m: float, notes: list[str]
) -> list[Leg]:
    """The inspection legs cut clear of the no-fly zones (PlanError if nothing is left)."""
    kept = []
    try:
        for leg in legs:
            cleared, note = clear_leg(leg, transit, clearance_m)
            if note:
                notes.append(note)
            if cleared is not None:
                kept.append(cleared)
    except TransitError as exc:
        raise PlanError(f"zone {zone.name!r}: {exc}") from exc
    if not kept:
        raise PlanError(f"zone {zone.name!r}: nothing left to inspect outside the no-fly zones")
    return kept


def _route(
    home_xy: Point2, legs: list[Leg], transit: TransitPlanner, zone_name: str
) -> tuple[list[tuple[Point2, int]], list[int]]:
    """Points with the leg index they belong to (-1 = transit), home excluded at both ends."""
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


def _items(
    route: list[tuple[Point2, int]],
    transit_at: list[int],
    legs: list[Leg],
    frame: LocalFrame,
    home: Position,
    speed: float,
    swath: Swath | None,
) -> list[MissionItem]:
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


def _fence(zones: Sequence[Zone]) -> Fence:
    polygons: list[FencePolygon] = []
    for zone in zones:
        if zone.kind not in (ZoneKind.FENCE, ZoneKind.NO_FLY):
            continue
        for polygon in polygons_of(zone.geometry):
            ring = shapely.get_coordinates(polygon.exterior)[:-1]
            vertices = tuple((float(lat), float(lon)) for lon, lat in ring)
            polygons.append(FencePolygon(vertices, inclusion=zone.kind is ZoneKind.FENCE))
    return Fence(polygons=tuple(polygons))
