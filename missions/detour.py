"""Fly a pattern leg clear of no-fly zones: cut the stretches that come within the clearance of
one, and join the cut ends by transits around it (orbits and transects are laid out without
looking at the map; surveys clip their area instead)."""

from __future__ import annotations

import itertools

import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from missions.inspection import Leg
from missions.routing import Point2, path_length
from missions.transit import TransitPlanner

_MIN_PIECE_M = 1.0
"""Stretches shorter than this left over after the cut are not flown."""


def clear_leg(leg: Leg, transit: TransitPlanner, clearance_m: float) -> tuple[Leg | None, str]:
    """The leg with its stretches near no-fly zones replaced by detours, and a note ('' if
    nothing changed); None when nothing of it is left to fly."""
    if transit.no_fly.is_empty:
        return leg, ""
    keep_out = transit.no_fly.buffer(clearance_m)
    if not keep_out.intersects(LineString(leg.waypoints)):
        return leg, ""
    pieces = _pieces_outside(leg.waypoints, keep_out)
    if not pieces:
        return None, f"{leg.kind}: lies within {clearance_m:g} m of a no-fly zone, left out"
    route: list[Point2] = list(pieces[0])
    for piece in pieces[1:]:
        if route[-1] != piece[0]:
            route.extend(transit.route(route[-1], piece[0])[1:-1])
        route.extend(piece if route[-1] != piece[0] else piece[1:])
    cut = path_length(leg.waypoints) - sum(path_length(p) for p in pieces)
    note = (
        f"{leg.kind}: {cut:.0f} m within {clearance_m:g} m of a no-fly zone cut, "
        f"{len(pieces) - 1} detour(s) around it"
    )
    return Leg(tuple(route), leg.altitude_m, leg.kind), note


def _pieces_outside(waypoints: tuple[Point2, ...], keep_out: BaseGeometry) -> list[list[Point2]]:
    """The runs of the polyline outside keep_out, in flying order."""
    pieces: list[list[Point2]] = []
    for a, b in itertools.pairwise(waypoints):
        segment = LineString([a, b])
        if segment.length == 0:
            continue
        outside = segment.difference(keep_out)
        parts = [p for p in getattr(outside, "geoms", [outside]) if p.length >= _MIN_PIECE_M]
        parts.sort(key=lambda p: segment.project(shapely.Point(p.coords[0])))
        for part in parts:
            coords = [(float(x), float(y)) for x, y in part.coords]
            if segment.project(shapely.Point(coords[0])) > segment.project(
                shapely.Point(coords[-1])
            ):
                coords.reverse()
            if pieces and pieces[-1][-1] == coords[0]:
                pieces[-1].extend(coords[1:])
            else:
                pieces.append(coords)
    return pieces
