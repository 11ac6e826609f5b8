"""Quick-response planning: the inspection an alert asks for, planned through the missions
planner's own stages and checks (ceiling, no-fly zones, fences, reach, endurance).

Two patterns: crosswind transects downwind of the reading (missions.inspection.transects), or an
inspection (orbit above the stack, transects downwind) of the nearest enterprise zones upwind of
it. Both need the wind, from the latest drone WIND or station report, passed in. A response that
cannot be planned or fails a check is refused with the reason; nothing is half-planned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from command.alerts.desk import ResponseRequest
from command.alerts.places import latlon_text
from command.alerts.rules import Pattern
from missions.checks import Finding, Limits, blocks_upload, check_mission
from missions.detour import clear_leg
from missions.estimate import estimate_flight
from missions.geo import LocalFrame
from missions.inspection import InspectionSpec, Leg, transects
from missions.items import Cmd, Mission, Position
from missions.patterns import PatternSite
from missions.planner import (  # the planner's own stages, so responses fly as patrols do
    PlanError,
    PlanSpec,
    fence_of,
    mission_items,
    route_legs,
)
from missions.routing import Point2, path_length
from missions.standard_patterns import inspection
from missions.transit import TransitError, TransitPlanner
from missions.zones import Zone, ZoneKind
from sensors.analysis.tracing import WindObs


class ResponseRefused(ValueError):
    """The quick response cannot be planned or would not pass the checks; the message says why."""


@dataclass(frozen=True)
class ResponseSpec:
    """How quick responses fly: transect distances downwind of the reading (m), their minimum
    half-length (m) and the plume half-angle (deg); altitude above home (m) and speed (m/s);
    the calmest wind (m/s) that still says where downwind is; how far (m) and how wide (deg
    either side of the wind) to look upwind for enterprise zones, and how many to inspect."""

    transect_distances_m: tuple[float, ...] = (50.0, 200.0, 350.0)
    min_half_length_m: float = 300.0
    plume_half_angle_deg: float = 20.0
    altitude_m: float = 50.0
    speed_mps: float = 6.0
    min_wind_mps: float = 0.5
    upwind_range_m: float = 3000.0
    upwind_half_angle_deg: float = 30.0
    max_sites: int = 2
    clearance_m: float = 20.0
    min_altitude_m: float = 30.0
    inspection: InspectionSpec = field(default_factory=InspectionSpec)
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class ResponsePlan:
    """A checked quick-response mission: where its pattern starts (`on_scene_index` in
    mission.items; the vehicle's seq is one more), the enterprise zones it inspects, the wind
    it was laid out for, its length (m) and flight time (s), and the warnings and notes left."""

    alert_id: int | None
    pattern: Pattern
    mission: Mission
    on_scene_index: int
    sites: tuple[str, ...]
    wind: WindObs
    route_xy: tuple[Point2, ...]
    pattern_xy: tuple[tuple[Point2, ...], ...]  # each pattern leg's waypoints, metres
    frame: LocalFrame
    length_m: float
    flight_time_s: float
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]

    @property
    def on_scene_seq(self) -> int:
        """The mission item (as the vehicle numbers it, home = 0) that starts the pattern."""
        return self.on_scene_index + 1

    @property
    def summary(self) -> str:
        """One line for the alert."""
        what = "transects downwind" if self.pattern is Pattern.TRANSECTS else "inspection of"
        sites = f" {', '.join(self.sites)}" if self.sites else ""
        return (
            f"{what}{sites}, wind {self.wind.speed_mps:.1f} m/s from {self.wind.from_deg:.0f}°: "
            f"{len(self.mission.items)} items, {self.length_m / 1000:.1f} km, "
            f"{self.flight_time_s / 60:.1f} min"
        )


class ResponsePlanner:
    """Plans quick responses over one set of zones (no-fly zones, fences, enterprise sites)."""

    def __init__(self, zones: Sequence[Zone], spec: ResponseSpec = ResponseSpec()) -> None:
        self.zones = tuple(zones)
        self.spec = spec
        self._no_fly = [z for z in self.zones if z.kind is ZoneKind.NO_FLY]
        self._sites = [z for z in self.zones if z.kind is ZoneKind.ENTERPRISE]
        self._fence = fence_of(self.zones)
        self._frames: dict[int, _Projected] = {}

    def plan(self, request: ResponseRequest, wind: WindObs | None, home: Position) -> ResponsePlan:
        """The response a request asks for, flown from `home`."""
        return self.plan_at(
            request.latitude_deg,
            request.longitude_deg,
            request.pattern,
            wind,
            home,
            alert_id=request.alert_id,
        )

    def plan_at(
        self,
        latitude_deg: float,
        longitude_deg: float,
        pattern: Pattern,
        wind: WindObs | None,
        home: Position,
        alert_id: int | None = None,
    ) -> ResponsePlan:
        """The response to a reading at latitude/longitude (degrees), flown from `home`."""
        if not (math.isfinite(latitude_deg) and math.isfinite(longitude_deg)):
            raise ResponseRefused("the alert has no position to fly to")
        if wind is None:
            raise ResponseRefused("no wind report: downwind and upwind are unknown")
        if not wind.speed_mps >= self.spec.min_wind_mps:
            raise ResponseRefused(
                f"wind {wind.speed_mps:.1f} m/s is calmer than {self.spec.min_wind_mps:g} m/s: "
                "downwind cannot be told"
            )
        frame = LocalFrame.around(home.latitude_deg, home.longitude_deg)
        projected = self._projected(frame)
        reading = frame.to_xy(longitude_deg, latitude_deg)
        attempts: list[tuple[tuple[str, ...], Callable[[list[str]], list[Leg]]]]
        if pattern is Pattern.TRANSECTS:
            legs = self._transect_legs(projected, reading, wind, latitude_deg, longitude_deg)
            attempts = [((), lambda notes: legs)]
        else:
            sites = self._upwind_sites(projected, reading, wind)
            attempts = [
                (
                    tuple(z.name for z in sites[:n]),
                    partial(self._site_legs, frame, projected, sites[:n], wind),
                )
                for n in range(len(sites), 0, -1)
            ]
        refusal = ResponseRefused("nothing to plan")
        for names, make_legs in attempts:
            notes: list[str] = []
            try:
                legs = make_legs(notes)
                return self._mission(
                    frame, projected, home, legs, pattern, names, wind, alert_id, notes
                )
            except ResponseRefused as exc:
                refusal = exc  # with fewer sites it may yet fit
        raise refusal

    # --- patterns -----------------------------------------------------------------------------
    def _transect_legs(
        self, projected: _Projected, reading: Point2, wind: WindObs, lat: float, lon: float
    ) -> list[Leg]:
        point = Point(reading)
        for zone, shape in zip(self._no_fly, projected.no_fly, strict=True):
            if shape.covers(point):
                raise ResponseRefused(
                    f"the reading at {latlon_text(lat, lon)} lies in no-fly zone {zone.name!r}"
                )
        spec = self.spec
        return [
            transects(
                reading,
                wind.from_deg,
                spec.transect_distances_m,
                spec.altitude_m,
                spec.plume_half_angle_deg,
                spec.min_half_length_m,
            )
        ]

    def _upwind_sites(self, projected: _Projected, reading: Point2, wind: WindObs) -> list[Zone]:
        """Enterprise zones upwind of the reading (within the range and the sector), nearest
        first, at most max_sites."""
        if not self._sites:
            raise ResponseRefused("no enterprise zones are known to inspect")
        dx = projected.site_xy[:, 0] - reading[0]
        dy = projected.site_xy[:, 1] - reading[1]
        distance = np.hypot(dx, dy)
        bearing = np.degrees(np.arctan2(dx, dy)) % 360.0  # from the reading, clockwise from north
        off = np.abs((bearing - wind.from_deg + 180.0) % 360.0 - 180.0)
        spec = self.spec
        upwind = (distance <= spec.upwind_range_m) & (
            (off <= spec.upwind_half_angle_deg) | (distance < 1.0)
        )
        order = [int(i) for i in np.argsort(distance, kind="stable") if upwind[i]]
        if not order:
            raise ResponseRefused(
                f"no enterprise zone within {spec.upwind_range_m:g} m upwind "
                f"(±{spec.upwind_half_angle_deg:g}° of {wind.from_deg:.0f}°)"
            )
        return [self._sites[i] for i in order[: spec.max_sites]]

    def _site_legs(
        self,
        frame: LocalFrame,
        projected: _Projected,
        sites: Sequence[Zone],
        wind: WindObs,
        notes: list[str],
    ) -> list[Leg]:
        spec = self.spec
        plan_spec = PlanSpec(
            wind_from_deg=wind.from_deg,
            inspection=spec.inspection,
            ceiling_m=spec.limits.ceiling_m,
            min_altitude_m=spec.min_altitude_m,
            clearance_m=spec.clearance_m,
        )
        legs: list[Leg] = []
        try:
            for zone in sites:
                site_notes: list[str] = []
                site = PatternSite(frame, (0.0, 0.0), projected.transit, plan_spec, spec.altitude_m)
                planned = inspection(zone, site)  # orbit and downwind transects, cut clear
                legs.extend(planned.legs)
                site_notes.extend(planned.notes)
                notes.extend(f"{zone.name}: {n}" for n in site_notes if n not in notes)
        except PlanError as exc:
            raise ResponseRefused(str(exc)) from None
        return legs

    # --- mission and checks -------------------------------------------------------------------
    def _mission(
        self,
        frame: LocalFrame,
        projected: _Projected,
        home: Position,
        legs: list[Leg],
        pattern: Pattern,
        sites: tuple[str, ...],
        wind: WindObs,
        alert_id: int | None,
        notes: list[str],
    ) -> ResponsePlan:
        spec = self.spec
        if pattern is Pattern.TRANSECTS:
            cleared = []
            for leg in legs:
                kept, note = _clear_leg(leg, projected.transit, spec.clearance_m)
                if note:
                    notes.append(note)
                if kept is not None:
                    cleared.append(kept)
            if not cleared:
                raise ResponseRefused("the transects lie wholly in or near no-fly zones")
            legs = cleared
        home_xy = frame.to_xy(home.longitude_deg, home.latitude_deg)
        try:
            route, transit_at = route_legs(home_xy, legs, projected.transit, "quick response")
        except PlanError as exc:
            raise ResponseRefused(str(exc)) from None
        items = mission_items(route, transit_at, legs, frame, home, spec.speed_mps, None)
        mission = Mission(
            home=home, items=tuple(items), fence=self._fence, cruise_speed_mps=spec.speed_mps
        )
        findings = check_mission(mission, self.zones, spec.limits)
        if blocks_upload(findings):
            errors = "; ".join(str(f) for f in findings if f.severity == "error")
            raise ResponseRefused(f"the response mission fails its checks: {errors}")
        first = next(i for i, (_, leg) in enumerate(route) if leg >= 0)
        waypoints = [i for i, item in enumerate(mission.items) if item.command == Cmd.NAV_WAYPOINT]
        flat = (home_xy, *(p for p, _ in route), home_xy)
        return ResponsePlan(
            alert_id=alert_id,
            pattern=pattern,
            mission=mission,
            on_scene_index=waypoints[first],
            sites=sites,
            wind=wind,
            route_xy=flat,
            pattern_xy=tuple(leg.waypoints for leg in legs),
            frame=frame,
            length_m=path_length(flat),
            flight_time_s=estimate_flight(mission, spec.limits.kinematics, frame).time_s,
            findings=tuple(findings),
            notes=tuple(notes),
        )

    def _projected(self, frame: LocalFrame) -> _Projected:
        found = self._frames.get(frame.epsg)
        if found is None:
            no_fly = [frame.project(z.geometry) for z in self._no_fly]
            centres = [frame.project(z.geometry).centroid for z in self._sites]
            site_xy = np.array([(c.x, c.y) for c in centres]).reshape(-1, 2)
            found = _Projected(no_fly, TransitPlanner(no_fly, self.spec.clearance_m), site_xy)
            self._frames[frame.epsg] = found
        return found


@dataclass(frozen=True)
class _Projected:
    """The zones in metres of one frame: no-fly shapes, their transit planner, site centres."""

    no_fly: list[BaseGeometry]
    transit: TransitPlanner
    site_xy: np.ndarray


def _clear_leg(leg: Leg, transit: TransitPlanner, clearance_m: float) -> tuple[Leg | None, str]:
    try:
        return clear_leg(leg, transit, clearance_m)
    except TransitError as exc:
        raise ResponseRefused(
            f"the transects cannot be cut clear of the no-fly zones: {exc}"
        ) from None
