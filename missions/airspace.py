"""Where a mission may fly, in metres of a local frame: keep-in (fence zones, inclusion fences)
and keep-out (no-fly zones, exclusion fences); a fence that cannot be built is an error."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from missions.commands import MAX_FENCE_RADIUS_M
from missions.findings import Finding, error
from missions.geo import LocalFrame
from missions.items import Mission
from missions.zones import Zone, ZoneKind


@dataclass(frozen=True)
class Airspace:
    """Keep-in and keep-out regions (metres), None where there is none."""

    keep_in: BaseGeometry | None
    keep_out: BaseGeometry | None

    def point_findings(
        self, index: int | None, point: tuple[float, float], what: str
    ) -> list[Finding]:
        """IN_NO_FLY / OUTSIDE_FENCE for a place (`what` names it: 'waypoint', 'rally point')."""
        found: list[Finding] = []
        p = Point(point)
        if self.keep_out is not None and self.keep_out.intersects(p):
            found.append(error(index, "IN_NO_FLY", f"{what} inside a no-fly zone"))
        if self.keep_in is not None and not self.keep_in.covers(p):
            found.append(error(index, "OUTSIDE_FENCE", f"{what} outside the keep-in fence"))
        return found

    def track_findings(
        self, index: int, track: Sequence[tuple[float, float]], what: str
    ) -> list[Finding]:
        """LEG_CROSSES_NO_FLY / LEG_LEAVES_FENCE for a track flown to an item."""
        if len(track) < 2 or all(p == track[0] for p in track):
            return []
        line = LineString(track)
        found: list[Finding] = []
        if self.keep_out is not None and self.keep_out.intersects(line):
            inside = line.intersection(self.keep_out).length
            found.append(
                error(
                    index,
                    "LEG_CROSSES_NO_FLY",
                    f"{what} to this item crosses a no-fly zone for {inside:.0f} m",
                )
            )
        if self.keep_in is not None and not self.keep_in.covers(line):
            outside = line.difference(self.keep_in).length
            found.append(
                error(
                    index,
                    "LEG_LEAVES_FENCE",
                    f"{what} to this item leaves the keep-in fence for {outside:.0f} m",
                )
            )
        return found


def _valid_latlon(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def build_airspace(
    mission: Mission, zones: Sequence[Zone], frame: LocalFrame
) -> tuple[Airspace, list[Finding]]:
    """The airspace of the zones and the mission's own fence, and a BAD_FENCE error for each
    fence polygon or circle that is not a place (NaN, out of range, self-intersecting)."""
    keep_in: list[BaseGeometry] = []
    keep_out: list[BaseGeometry] = []
    findings: list[Finding] = []
    for zone in zones:
        if zone.kind in (ZoneKind.NO_FLY, ZoneKind.FENCE):
            target = keep_out if zone.kind is ZoneKind.NO_FLY else keep_in
            target.append(frame.project(zone.geometry))
    for k, polygon in enumerate(mission.fence.polygons):
        label = f"fence polygon #{k} ({'keep-in' if polygon.inclusion else 'keep-out'})"
        if len(polygon.vertices) < 3 or not all(_valid_latlon(*v) for v in polygon.vertices):
            findings.append(error(None, "BAD_FENCE", f"{label}: vertices are not places"))
            continue
        ring = Polygon([(lon, lat) for lat, lon in polygon.vertices])
        if not ring.is_valid:
            reason = shapely.is_valid_reason(ring)
            findings.append(error(None, "BAD_FENCE", f"{label} is not a valid polygon: {reason}"))
            continue
        (keep_in if polygon.inclusion else keep_out).append(frame.project(ring))
    for k, circle in enumerate(mission.fence.circles):
        label = f"fence circle #{k} ({'keep-in' if circle.inclusion else 'keep-out'})"
        centre_ok = _valid_latlon(circle.latitude_deg, circle.longitude_deg)
        radius_ok = math.isfinite(circle.radius_m) and 0 < circle.radius_m <= MAX_FENCE_RADIUS_M
        if not centre_ok or not radius_ok:
            findings.append(error(None, "BAD_FENCE", f"{label}: centre or radius is not a place"))
            continue
        x, y = frame.to_xy(circle.longitude_deg, circle.latitude_deg)
        (keep_in if circle.inclusion else keep_out).append(Point(x, y).buffer(circle.radius_m))
    inside = shapely.intersection_all(keep_in) if keep_in else None
    outside = shapely.union_all(keep_out) if keep_out else None
    for geometry in (inside, outside):
        if geometry is not None:
            shapely.prepare(geometry)
    return Airspace(inside, outside), findings
