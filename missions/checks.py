"""Preflight checks: typed findings (an error blocks upload): ceiling, fences, no-fly, battery."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from missions.estimate import Kinematics, estimate_flight, has_position, relative_altitude_m
from missions.geo import LocalFrame
from missions.items import Cmd, Frame, Mission, MissionItem
from missions.zones import Zone, ZoneKind

Severity = Literal["error", "warning"]
_HERE_COMMANDS = frozenset(
    {Cmd.NAV_TAKEOFF, Cmd.NAV_LAND, Cmd.NAV_LOITER_UNLIM, Cmd.NAV_LOITER_TIME}
)


@dataclass(frozen=True)
class Finding:
    """One check result; `item_index` is the index in Mission.items (ArduPilot seq = index + 1)."""

    severity: Severity
    item_index: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"item {self.item_index + 1}" if self.item_index is not None else "mission"
        return f"{self.severity.upper()} {self.code} ({where}): {self.message}"


@dataclass(frozen=True)
class Limits:
    """What a mission must respect: ceiling, floor (m above home), reach (m), battery (s), items."""

    ceiling_m: float = 120.0
    min_altitude_m: float = 10.0
    max_distance_from_home_m: float = 3000.0
    endurance_s: float = 25 * 60.0
    reserve_fraction: float = 0.25
    max_items: int = 700
    kinematics: Kinematics = field(default_factory=Kinematics)

    @property
    def usable_endurance_s(self) -> float:
        """Flight time allowed once the reserve is kept."""
        return self.endurance_s * (1.0 - self.reserve_fraction)


def blocks_upload(findings: Sequence[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for f in findings)


@dataclass(frozen=True)
class _Airspace:
    keep_in: BaseGeometry | None
    keep_out: BaseGeometry | None


def _airspace(mission: Mission, zones: Sequence[Zone], frame: LocalFrame) -> _Airspace:
    keep_in: list[BaseGeometry] = []
    keep_out: list[BaseGeometry] = []
    for zone in zones:
        if zone.kind in (ZoneKind.NO_FLY, ZoneKind.FENCE):
            target = keep_out if zone.kind is ZoneKind.NO_FLY else keep_in
            target.append(frame.project(zone.geometry))
    for polygon in mission.fence.polygons:
        ring = Polygon([(lon, lat) for lat, lon in polygon.vertices])
        (keep_in if polygon.inclusion else keep_out).append(frame.project(ring))
    for circle in mission.fence.circles:
        x, y = frame.to_xy(circle.longitude_deg, circle.latitude_deg)
        (keep_in if circle.inclusion else keep_out).append(Point(x, y).buffer(circle.radius_m))
    inside = shapely.union_all(keep_in) if keep_in else None
    outside = shapely.union_all(keep_out) if keep_out else None
    for geometry in (inside, outside):
        if geometry is not None:
            shapely.prepare(geometry)
    return _Airspace(inside, outside)


def check_mission(
    mission: Mission, zones: Sequence[Zone] = (), limits: Limits = Limits()
) -> list[Finding]:
    """All findings for a mission against zones (no-fly = keep-out, fence = keep-in) and limits."""
    findings: list[Finding] = []
    home = mission.home
    if not _valid_latlon(home.latitude_deg, home.longitude_deg) or not has_position_home(mission):
        return [
            Finding(
                "error",
                None,
                "BAD_HOME",
                f"home {home.latitude_deg}, {home.longitude_deg} is not a place",
            )
        ]
    if not mission.items:
        return [Finding("error", None, "EMPTY", "the mission has no items")]
    if len(mission.items) + 1 > limits.max_items:
        findings.append(
            Finding(
                "error",
                None,
                "TOO_MANY_ITEMS",
                f"{len(mission.items) + 1} items with home, limit {limits.max_items}",
            )
        )
    frame = LocalFrame.around(home.latitude_deg, home.longitude_deg)
    airspace = _airspace(mission, zones, frame)
    home_xy = frame.to_xy(home.longitude_deg, home.latitude_deg)
    if airspace.keep_out is not None and airspace.keep_out.intersects(Point(home_xy)):
        findings.append(Finding("error", None, "HOME_IN_NO_FLY", "home lies inside a no-fly zone"))
    here = home_xy
    last_nav: MissionItem | None = None
    for index, item in enumerate(mission.items):
        if item.command == Cmd.NAV_RETURN_TO_LAUNCH:
            findings.extend(_leg(index, here, home_xy, airspace, "return to launch"))
            here, last_nav = home_xy, item
            break
        if not item.is_nav:
            continue
        last_nav = item
        findings.extend(_altitude(index, item, home.altitude_m, limits))
        if not _valid_latlon(item.latitude_deg, item.longitude_deg):
            findings.append(
                Finding(
                    "error",
                    index,
                    "BAD_COORDINATES",
                    f"latitude {item.latitude_deg}, longitude {item.longitude_deg} out of range",
                )
            )
            continue
        if not has_position(item):
            if item.command not in _HERE_COMMANDS:
                findings.append(
                    Finding("error", index, "NO_POSITION", "waypoint at latitude 0, longitude 0")
                )
            continue
        point = frame.to_xy(item.longitude_deg, item.latitude_deg)
        distance = math.dist(point, home_xy)
        if distance > limits.max_distance_from_home_m:
            findings.append(
                Finding(
                    "error",
                    index,
                    "TOO_FAR",
                    f"{distance:.0f} m from home, limit {limits.max_distance_from_home_m:g} m",
                )
            )
        findings.extend(_position(index, point, airspace))
        findings.extend(_leg(index, here, point, airspace, "leg"))
        here = point
    if last_nav is None or last_nav.command not in (Cmd.NAV_RETURN_TO_LAUNCH, Cmd.NAV_LAND):
        findings.append(
            Finding("warning", None, "NO_RETURN", "the mission does not end with RTL or LAND")
        )
    findings.extend(_endurance(mission, limits, frame))
    return findings


def has_position_home(mission: Mission) -> bool:
    """True when home is not the 0,0 placeholder."""
    return not (mission.home.latitude_deg == 0.0 and mission.home.longitude_deg == 0.0)


def _valid_latlon(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def _altitude(index: int, item: MissionItem, home_alt: float, limits: Limits) -> list[Finding]:
    found: list[Finding] = []
    if not math.isfinite(item.altitude_m):
        return [
            Finding("error", index, "BAD_ALTITUDE", f"altitude {item.altitude_m} is not a number")
        ]
    if item.frame not in (Frame.GLOBAL, Frame.GLOBAL_RELATIVE_ALT, Frame.GLOBAL_TERRAIN_ALT):
        found.append(
            Finding("error", index, "BAD_FRAME", f"frame {item.frame} has no altitude reference")
        )
    elif item.frame == Frame.GLOBAL_TERRAIN_ALT:
        found.append(
            Finding(
                "warning",
                index,
                "TERRAIN_FRAME",
                "altitude above terrain: the ceiling is checked as if above home",
            )
        )
    altitude = relative_altitude_m(item, home_alt)
    if item.command == Cmd.NAV_LAND:
        return found
    if altitude > limits.ceiling_m + 1e-6:
        found.append(
            Finding(
                "error",
                index,
                "ABOVE_CEILING",
                f"{altitude:.1f} m above home, ceiling {limits.ceiling_m:g} m",
            )
        )
    if altitude < limits.min_altitude_m - 1e-6:
        severity: Literal["error", "warning"] = (
            "warning" if item.command == Cmd.NAV_TAKEOFF else "error"
        )
        found.append(
            Finding(
                severity,
                index,
                "BELOW_MIN_ALTITUDE",
                f"{altitude:.1f} m above home, minimum {limits.min_altitude_m:g} m",
            )
        )
    return found


def _position(index: int, point: tuple[float, float], airspace: _Airspace) -> list[Finding]:
    found: list[Finding] = []
    p = Point(point)
    if airspace.keep_out is not None and airspace.keep_out.intersects(p):
        found.append(Finding("error", index, "IN_NO_FLY", "waypoint inside a no-fly zone"))
    if airspace.keep_in is not None and not airspace.keep_in.covers(p):
        found.append(Finding("error", index, "OUTSIDE_FENCE", "waypoint outside the keep-in fence"))
    return found


def _leg(
    index: int, start: tuple[float, float], end: tuple[float, float], airspace: _Airspace, what: str
) -> list[Finding]:
    if start == end:
        return []
    line = LineString([start, end])
    found: list[Finding] = []
    if airspace.keep_out is not None and airspace.keep_out.intersects(line):
        inside = line.intersection(airspace.keep_out).length
        found.append(
            Finding(
                "error",
                index,
                "LEG_CROSSES_NO_FLY",
                f"{what} to this item crosses a no-fly zone for {inside:.0f} m",
            )
        )
    if airspace.keep_in is not None and not airspace.keep_in.covers(line):
        outside = line.difference(airspace.keep_in).length
        found.append(
            Finding(
                "error",
                index,
                "LEG_LEAVES_FENCE",
                f"{what} to this item leaves the keep-in fence for {outside:.0f} m",
            )
        )
    return found


def _endurance(mission: Mission, limits: Limits, frame: LocalFrame) -> list[Finding]:
    estimate = estimate_flight(mission, limits.kinematics, frame)
    usable = limits.usable_endurance_s
    share = f"{estimate.time_s / 60:.1f} min of {limits.endurance_s / 60:.1f} min battery"
    if estimate.time_s > usable:
        return [
            Finding(
                "error",
                None,
                "ENDURANCE",
                f"{share}: exceeds the usable {usable / 60:.1f} min "
                f"(reserve {limits.reserve_fraction:.0%})",
            )
        ]
    if estimate.time_s > 0.85 * usable:
        return [Finding("warning", None, "ENDURANCE_TIGHT", f"{share}: within 15% of the reserve")]
    return []
