"""Flight length and time of a mission, walking its items in a local metric frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

from missions.geo import LocalFrame
from missions.items import Cmd, Frame, Mission, MissionItem


@dataclass(frozen=True)
class Kinematics:
    """How the copter moves: climb and descent rates (m/s), turn allowance per waypoint (s)."""

    climb_mps: float = 2.5
    descent_mps: float = 1.5
    turn_allowance_s: float = 1.5


@dataclass(frozen=True)
class FlightEstimate:
    """Horizontal path (m), climb and descent (m), flight time (s) from take-off to landing."""

    horizontal_m: float
    climb_m: float
    descent_m: float
    time_s: float
    path_xy: tuple[tuple[float, float, float], ...]  # (x_m, y_m, altitude above home m) visited


def relative_altitude_m(item: MissionItem, home_altitude_m: float) -> float:
    """Altitude above home of an item, whatever its frame (terrain frame taken as above home)."""
    if item.frame == Frame.GLOBAL:
        return item.altitude_m - home_altitude_m
    return item.altitude_m


def has_position(item: MissionItem) -> bool:
    """True when the item names a place (ArduPilot takes 0,0 as 'here')."""
    return not (item.latitude_deg == 0.0 and item.longitude_deg == 0.0) and not (
        math.isnan(item.latitude_deg) or math.isnan(item.longitude_deg)
    )


def estimate_flight(
    mission: Mission, kinematics: Kinematics = Kinematics(), frame: LocalFrame | None = None
) -> FlightEstimate:
    """Estimate what flying the mission takes; RTL flies back to home and lands."""
    home = mission.home
    frame = frame or LocalFrame.around(home.latitude_deg, home.longitude_deg)
    hx, hy = frame.to_xy(home.longitude_deg, home.latitude_deg)
    x, y, z = hx, hy, 0.0
    speed = mission.cruise_speed_mps
    horizontal = climb = descent = extra_s = 0.0
    path = [(x, y, z)]

    def move(nx: float, ny: float, nz: float) -> None:
        nonlocal x, y, z, horizontal, climb, descent, extra_s
        horizontal_leg = math.hypot(nx - x, ny - y)
        horizontal += horizontal_leg
        extra_s += horizontal_leg / max(speed, 0.1)
        if nz > z:
            climb += nz - z
        else:
            descent += z - nz
        x, y, z = nx, ny, nz
        path.append((x, y, z))

    for item in mission.items:
        command = item.command
        if command == Cmd.DO_CHANGE_SPEED and item.param2 > 0:
            speed = item.param2
        elif command == Cmd.NAV_RETURN_TO_LAUNCH:
            move(hx, hy, z)
            move(hx, hy, 0.0)
            break
        elif item.is_nav:
            nx, ny = (x, y)
            if has_position(item):
                nx, ny = frame.to_xy(item.longitude_deg, item.latitude_deg)
            nz = 0.0 if command == Cmd.NAV_LAND else relative_altitude_m(item, home.altitude_m)
            move(nx, ny, nz)
            extra_s += kinematics.turn_allowance_s
            if command == Cmd.NAV_LOITER_TIME:
                extra_s += max(item.param1, 0.0)
            elif command == Cmd.NAV_LOITER_TURNS:
                radius = abs(item.param3) or 10.0
                extra_s += max(item.param1, 0.0) * 2 * math.pi * radius / max(speed, 0.1)
            if command == Cmd.NAV_LAND:
                break
    time_s = extra_s + climb / kinematics.climb_mps + descent / kinematics.descent_mps
    return FlightEstimate(horizontal, climb, descent, time_s, tuple(path))
