"""The standard patterns: surveys of areas and corridors, corridor lanes along the centreline,
inspections of enterprise sites (orbit, downwind transects, or both), registered by kind."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from missions.corridor import plan_corridor
from missions.detour import clear_leg
from missions.inspection import Leg, plan_inspection
from missions.patterns import PatternPlan, PatternSite, PlanError, register_pattern
from missions.routing import polygons_of
from missions.survey import plan_survey
from missions.transit import TransitError
from missions.zones import Zone, ZoneKind


def survey(zone: Zone, site: PatternSite) -> PatternPlan:
    """Boustrophedon lanes over the zone (a corridor: its buffered line) clear of no-fly zones."""
    swath = site.spec.swath(site.altitude_m)
    region = _clear_region(zone, site)
    path = plan_survey(
        region, swath, site.spec.margin_m, start=site.home_xy, objective=site.spec.objective
    )
    return PatternPlan((Leg(path.waypoints, site.altitude_m, "survey"),), "survey", path, swath)


def corridor(zone: Zone, site: PatternSite) -> PatternPlan:
    """Lanes parallel to the centreline; a survey of what is left when a no-fly zone cuts it."""
    footprint = zone.footprint_m(site.frame)
    keep_out = _keep_out(site)
    if keep_out is not None and footprint.intersects(keep_out):
        plan = survey(zone, site)
        note = "a no-fly zone cuts the corridor: surveyed what lies clear of it"
        return PatternPlan(plan.legs, plan.name, plan.survey, plan.swath, (note,))
    line = site.frame.project(zone.geometry)
    if not isinstance(line, LineString) or zone.width_m is None:
        raise PlanError(f"zone {zone.name!r}: a corridor needs a line and a width")
    swath = site.spec.swath(site.altitude_m)
    path = plan_corridor(line, zone.width_m, swath)
    return PatternPlan((Leg(path.waypoints, site.altitude_m, "corridor"),), "corridor", path, swath)


def inspection(zone: Zone, site: PatternSite) -> PatternPlan:
    """An orbit above the stack, then crosswind transects downwind when the wind is known."""
    return _inspect(zone, site, orbit_wanted=True, transects_wanted=True)


def orbit_only(zone: Zone, site: PatternSite) -> PatternPlan:
    """An orbit above the stack around the site."""
    return _inspect(zone, site, orbit_wanted=True, transects_wanted=False)


def transects_only(zone: Zone, site: PatternSite) -> PatternPlan:
    """Crosswind transects downwind of the site (the wind direction is needed)."""
    if site.spec.wind_from_deg is None:
        raise PlanError(f"zone {zone.name!r}: transects need the wind direction (--wind-from)")
    return _inspect(zone, site, orbit_wanted=False, transects_wanted=True)


def _keep_out(site: PatternSite) -> BaseGeometry | None:
    no_fly = site.transit.no_fly
    return None if no_fly.is_empty else no_fly.buffer(site.spec.clearance_m)


def _clear_region(zone: Zone, site: PatternSite) -> BaseGeometry:
    footprint = zone.footprint_m(site.frame)
    keep_out = _keep_out(site)
    region = footprint.difference(keep_out) if keep_out is not None else footprint
    if region.is_empty or not polygons_of(region):
        raise PlanError(f"zone {zone.name!r}: nothing left to survey outside the no-fly zones")
    return region


def _inspect(
    zone: Zone, site: PatternSite, orbit_wanted: bool, transects_wanted: bool
) -> PatternPlan:
    spec, notes = site.spec, []
    projected = site.frame.project(zone.geometry)
    centre = projected if isinstance(projected, Point) else projected.centroid
    radius = 0.0
    if isinstance(projected, Polygon):
        coords = np.asarray(projected.exterior.coords)
        radius = float(np.hypot(coords[:, 0] - centre.x, coords[:, 1] - centre.y).max())
    stack = zone.stack_height_m or 0.0
    wind = spec.wind_from_deg if transects_wanted else None
    legs = list(
        plan_inspection(
            (centre.x, centre.y), radius, stack, wind, spec.inspection, spec.min_altitude_m
        )
    )
    if not orbit_wanted:
        legs = [leg for leg in legs if leg.kind != "orbit"]
    for k, leg in enumerate(legs):
        if leg.altitude_m > spec.ceiling_m:
            notes.append(
                f"{leg.kind} altitude {leg.altitude_m:g} m capped at the "
                f"{spec.ceiling_m:g} m ceiling"
            )
            legs[k] = Leg(leg.waypoints, spec.ceiling_m, leg.kind)
    if transects_wanted and orbit_wanted and spec.wind_from_deg is None:
        notes.append("no wind direction given: orbit only, no downwind transects")
    kept = _clear_legs(zone, legs, site, notes)
    name = "+".join(
        dict.fromkeys("transects" if leg.kind == "transect" else leg.kind for leg in kept)
    )
    return PatternPlan(tuple(kept), name, notes=tuple(notes))


def _clear_legs(zone: Zone, legs: list[Leg], site: PatternSite, notes: list[str]) -> list[Leg]:
    """The inspection legs cut clear of the no-fly zones (PlanError if nothing is left)."""
    kept = []
    try:
        for leg in legs:
            cleared, note = clear_leg(leg, site.transit, site.spec.clearance_m)
            if note:
                notes.append(note)
            if cleared is not None:
                kept.append(cleared)
    except TransitError as exc:
        raise PlanError(f"zone {zone.name!r}: {exc}") from exc
    if not kept:
        raise PlanError(f"zone {zone.name!r}: nothing left to inspect outside the no-fly zones")
    return kept


register_pattern(ZoneKind.AREA, "survey", survey, default=True)
register_pattern(ZoneKind.AREA, "boustrophedon", survey)
register_pattern(ZoneKind.CORRIDOR, "corridor", corridor, default=True)
register_pattern(ZoneKind.CORRIDOR, "survey", survey)
register_pattern(ZoneKind.ENTERPRISE, "inspection", inspection, default=True)
register_pattern(ZoneKind.ENTERPRISE, "orbit", orbit_only)
register_pattern(ZoneKind.ENTERPRISE, "transects", transects_only)

__all__ = ["corridor", "inspection", "orbit_only", "survey", "transects_only"]
