"""Checks of each mission item on its own: what the wire and ArduPilot accept, commands the
checker understands, jumps, altitude (ceiling, floor, frame), reach from home, airspace."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from missions.airspace import Airspace
from missions.commands import NAV_LAST, Motion, command_info, command_name, wire_problems
from missions.findings import Finding, error, figure, warning
from missions.flight import Kinematics, altitude_above_home_m, has_position, jump_target
from missions.items import Cmd, Frame, Mission, MissionItem

_FLOWN = frozenset(
    {
        Motion.GOTO,
        Motion.TAKEOFF,
        Motion.LAND,
        Motion.LOITER_UNLIMITED,
        Motion.LOITER_TO_ALT,
        Motion.ARC,
        Motion.PAYLOAD_PLACE,
    }
)
_HERE_COMMANDS = frozenset(
    {
        Cmd.NAV_TAKEOFF,
        Cmd.NAV_VTOL_TAKEOFF,
        Cmd.NAV_LAND,
        Cmd.NAV_VTOL_LAND,
        Cmd.NAV_LOITER_UNLIM,
        Cmd.NAV_LOITER_TIME,
        Cmd.NAV_LOITER_TURNS,
        Cmd.NAV_LOITER_TO_ALT,
    }
)
"""Commands that take latitude 0, longitude 0 as 'where the vehicle is'."""
_LANDINGS = frozenset({Cmd.NAV_LAND, Cmd.NAV_VTOL_LAND})
_TAKEOFFS = frozenset({Cmd.NAV_TAKEOFF, Cmd.NAV_VTOL_TAKEOFF})
_KNOWN_MODES = {3: "AUTO", 6: "RTL", 9: "LAND", 21: "SMART_RTL"}

Project = Callable[[float, float], tuple[float, float]]
"""longitude, latitude (degrees) → x, y (metres)."""


@dataclass(frozen=True)
class ItemLimits:
    """What an item is held to: ceiling and floor (m above home), reach (m) from home (x, y m)."""

    ceiling_m: float
    min_altitude_m: float
    max_distance_from_home_m: float
    home_xy: tuple[float, float]
    kinematics: Kinematics


def item_findings(
    mission: Mission,
    index: int,
    airspace: Airspace,
    project: Project,
    limits: ItemLimits,
) -> list[Finding]:
    """Every finding for one item of the mission."""
    item = mission.items[index]
    problems = wire_problems(item)
    if problems:
        return [error(index, code, reason) for code, reason in problems]
    info = command_info(item.command)
    name = command_name(item.command)
    if info is None:
        code = "UNKNOWN_NAV_COMMAND" if item.command < NAV_LAST else "UNKNOWN_COMMAND"
        return [error(index, code, f"{name} is not a mission command ArduPilot stores: unchecked")]
    if info.motion is Motion.UNJUDGED:
        return [
            error(index, "UNJUDGED_COMMAND", f"{name}: where it takes the copter is not checked")
        ]
    if item.command in (Cmd.DO_JUMP, Cmd.DO_JUMP_TAG):
        return _jump(mission, index, item, name)
    if item.command == Cmd.DO_SET_MODE:
        mode = item.param2
        if mode not in _KNOWN_MODES:
            return [
                error(index, "UNJUDGED_COMMAND", f"{name} to mode {figure(mode)}: not followed")
            ]
        return []
    if item.command == Cmd.DO_CHANGE_SPEED and item.param2 > limits.kinematics.max_speed_mps:
        return [
            warning(
                index,
                "SPEED_CAPPED",
                f"asks {figure(item.param2)} m/s; "
                f"estimated at {limits.kinematics.max_speed_mps:g} m/s",
            )
        ]
    if item.command == Cmd.DO_FENCE_ENABLE and item.param1 == 0:
        return [warning(index, "FENCE_DISABLED", "turns the vehicle's own fence off")]
    if item.command == Cmd.DO_SET_HOME and item.param1 != 1 and has_position(item):
        point = project(item.longitude_deg, item.latitude_deg)
        return [
            *_reach(index, point, limits, "new home"),
            *airspace.point_findings(index, point, "new home"),
        ]
    if info.motion not in _FLOWN:
        return []
    found = _altitude(index, item, mission.home.altitude_m, limits)
    if not has_position(item):
        if item.command not in _HERE_COMMANDS:
            found.append(error(index, "NO_POSITION", f"{name} at latitude 0, longitude 0"))
        return found
    point = project(item.longitude_deg, item.latitude_deg)
    radius = _loiter_radius_m(item, limits.kinematics)
    found.extend(_reach(index, point, limits, "", radius))
    found.extend(airspace.point_findings(index, point, "waypoint"))
    return found


def _jump(mission: Mission, index: int, item: MissionItem, name: str) -> list[Finding]:
    repeats = item.param2
    if jump_target(mission, index) is None:
        what = "seq" if item.command == Cmd.DO_JUMP else "tag"
        return [error(index, "BAD_JUMP", f"{name} to {what} {figure(item.param1)}: no such item")]
    if not (repeats == -1 or (repeats >= 0 and repeats == int(repeats))):
        return [error(index, "BAD_JUMP", f"{name}: repeat count {figure(repeats)} is not a count")]
    return []


def _loiter_radius_m(item: MissionItem, kinematics: Kinematics) -> float:
    if item.command in (Cmd.NAV_LOITER_TURNS, Cmd.NAV_LOITER_UNLIM):
        radius = item.param3
    elif item.command == Cmd.NAV_LOITER_TO_ALT:
        radius = item.param2
    else:
        return 0.0
    return abs(radius) if math.isfinite(radius) and radius else kinematics.loiter_radius_m


def _reach(
    index: int, point: tuple[float, float], limits: ItemLimits, what: str, radius_m: float = 0.0
) -> list[Finding]:
    distance = math.dist(point, limits.home_xy) + radius_m
    if distance <= limits.max_distance_from_home_m:
        return []
    prefix = f"{what} " if what else ""
    return [
        error(
            index,
            "TOO_FAR",
            f"{prefix}{distance:.0f} m from home, limit {limits.max_distance_from_home_m:g} m",
        )
    ]


def _altitude(index: int, item: MissionItem, home_alt: float, limits: ItemLimits) -> list[Finding]:
    found: list[Finding] = []
    altitude = altitude_above_home_m(item, home_alt)
    if altitude is None:
        return [
            error(
                index, "BAD_ALTITUDE", f"altitude {figure(item.altitude_m)} has no known reference"
            )
        ]
    if item.frame == Frame.MISSION:
        found.append(
            warning(
                index,
                "MISSION_FRAME",
                "frame 2 (MISSION) on a located item: ArduPilot reads its altitude as above "
                "mean sea level",
            )
        )
    elif item.frame in (Frame.GLOBAL_TERRAIN_ALT, Frame.GLOBAL_TERRAIN_ALT_INT):
        found.append(
            warning(
                index,
                "TERRAIN_FRAME",
                "altitude above terrain: the ceiling is checked as if above home",
            )
        )
    if item.command in _LANDINGS:
        return found
    if altitude > limits.ceiling_m + 1e-6:
        found.append(
            error(
                index,
                "ABOVE_CEILING",
                f"{altitude:.1f} m above home, ceiling {limits.ceiling_m:g} m",
            )
        )
    if altitude < limits.min_altitude_m - 1e-6:
        make = warning if item.command in _TAKEOFFS else error
        found.append(
            make(
                index,
                "BELOW_MIN_ALTITUDE",
                f"{altitude:.1f} m above home, minimum {limits.min_altitude_m:g} m",
            )
        )
    return found
