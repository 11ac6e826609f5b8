"""How AUTO flies each navigation command ArduCopter flies: take-off, waypoints (with a hold),
loiters (time, turns, unlimited), RTL, land and NAV_DELAY. A command not in FLOWN is skipped.

A NavCommand owns its own progress (phase, hold timer, orbit angle, the RTL it runs); it reads
the vehicle (AutoView) and returns guidance and whether the command is done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.flight import Kinematics, Limits
from simulator.guidance import Guidance, hold, landing
from simulator.mission import TERRAIN_FRAMES, Item, MissionStore
from simulator.params import ParamStore
from simulator.rtl import ReturnToLaunch, RtlStart

C = mavlink
ARRIVE_ALT_M = 1.0
"""Within this height of a waypoint's altitude counts as there."""
OTHER_RADIUS_M = 1.0
"""Acceptance radius of positional commands other than waypoints."""
TAKEOFF_DONE_M = 0.5
"""A take-off (or a climb from the ground) is done this close below its height."""
DEFAULT_ORBIT_M = 10.0
"""Radius of a NAV_LOITER_TURNS that gives none."""
FLOWN = frozenset(
    {
        C.MAV_CMD_NAV_WAYPOINT,
        C.MAV_CMD_NAV_SPLINE_WAYPOINT,
        C.MAV_CMD_NAV_TAKEOFF,
        C.MAV_CMD_NAV_LOITER_UNLIM,
        C.MAV_CMD_NAV_LOITER_TIME,
        C.MAV_CMD_NAV_LOITER_TURNS,
        C.MAV_CMD_NAV_RETURN_TO_LAUNCH,
        C.MAV_CMD_NAV_LAND,
        C.MAV_CMD_NAV_DELAY,
    }
)
"""Navigation commands this copter flies; others are announced and skipped, as ArduCopter does."""


class AutoPhase(Enum):
    """What the active navigation command is doing."""

    TAKEOFF = "takeoff"
    CLIMB = "climb"  # leaving the ground for a command that is not a take-off
    GOTO = "goto"
    HOLD = "hold"  # waypoint delay, loiter time, unlimited loiter, NAV_DELAY
    ORBIT = "orbit"
    RTL = "rtl"
    DESCEND = "descend"


class AutoView(Protocol):
    """What AUTO reads of the vehicle (it never changes it)."""

    t: float
    kin: Kinematics
    landed: bool
    params: ParamStore
    missions: MissionStore

    @property
    def limits(self) -> Limits: ...

    def to_local(self, lat: float, lon: float) -> tuple[float, float]: ...

    def height_from_frame(self, frame: int, z: float) -> float: ...

    def rtl_start(self) -> RtlStart: ...


@dataclass
class NavCommand:
    """The active navigation command and its progress."""

    item: Item
    phase: AutoPhase
    target: tuple[float, float, float]
    until_s: float = 0.0  # end of a hold (0: hold until told otherwise)
    centre: tuple[float, float] = (0.0, 0.0)
    angle: float = 0.0
    turned: float = 0.0
    rtl: ReturnToLaunch | None = None
    leaves_ground_to: float | None = None  # the vehicle must lift off to this height first

    @property
    def landing(self) -> bool:
        """Whether the command is bringing the vehicle down to land."""
        return self.phase is AutoPhase.DESCEND or (self.rtl is not None and self.rtl.landing)

    @classmethod
    def start(cls, v: AutoView, item: Item) -> NavCommand | None:
        """Start flying item; None when this copter does not fly that command."""
        if item.command not in FLOWN:
            return None
        k = v.kin
        positional = not (item.x == 0 and item.y == 0)
        n, e = v.to_local(item.lat, item.lon) if positional else (k.north, k.east)
        up = _height(v, item) if item.z != 0 else k.up
        nav = cls(item, AutoPhase.GOTO, (n, e, up))
        cmd = item.command
        if cmd == C.MAV_CMD_NAV_TAKEOFF:
            nav.phase, nav.target = AutoPhase.TAKEOFF, (k.north, k.east, max(up, 1.0))
            if v.landed:
                nav.leaves_ground_to = nav.target[2]
        elif cmd == C.MAV_CMD_NAV_RETURN_TO_LAUNCH:
            nav.phase, nav.rtl = AutoPhase.RTL, ReturnToLaunch(v.rtl_start(), v.params)
        elif cmd == C.MAV_CMD_NAV_DELAY:
            nav.phase, nav.until_s = AutoPhase.HOLD, v.t + max(item.param1, 0.0)
            nav.target = (k.north, k.east, k.up)
        elif cmd == C.MAV_CMD_NAV_LAND:
            nav.target = (n, e, k.up)
            if not positional:
                nav.phase = AutoPhase.DESCEND
        elif cmd == C.MAV_CMD_NAV_LOITER_TURNS:
            radius = abs(item.param3) or DEFAULT_ORBIT_M
            away = (k.north, k.east) != (n, e)
            bearing = math.atan2(k.east - e, k.north - n) if away else 0.0
            nav.centre = (n, e)
            nav.target = (n + radius * math.cos(bearing), e + radius * math.sin(bearing), up)
        if v.landed and cmd not in (C.MAV_CMD_NAV_TAKEOFF, C.MAV_CMD_NAV_DELAY):
            nav.phase, nav.leaves_ground_to = AutoPhase.CLIMB, up
        return nav

    def fly(self, v: AutoView, dt: float) -> tuple[Guidance, bool]:
        """Guidance for this step, and whether the command is done."""
        nav = self
        k = v.kin
        n, e, up = nav.target
        if nav.phase is AutoPhase.RTL:
            assert nav.rtl is not None
            return nav.rtl.step(v.params, (k.north, k.east, k.up), k.groundspeed_mps, v.t), False
        if nav.phase is AutoPhase.DESCEND:
            return landing(v.params, k.up, (n, e)), False
        if nav.phase is AutoPhase.TAKEOFF:
            return hold(n, e, up), k.up >= up - TAKEOFF_DONE_M
        if nav.phase is AutoPhase.CLIMB:
            if k.up >= up - TAKEOFF_DONE_M:
                nav.phase = AutoPhase.GOTO
            return hold(k.north, k.east, up), False
        if nav.phase is AutoPhase.ORBIT:
            return self._orbit(v, dt)
        if nav.phase is AutoPhase.HOLD:
            return hold(n, e, up), bool(nav.until_s) and v.t >= nav.until_s
        cmd = nav.item.command
        radius = v.params["WPNAV_RADIUS"] / 100.0
        if cmd not in (C.MAV_CMD_NAV_WAYPOINT, C.MAV_CMD_NAV_SPLINE_WAYPOINT):
            radius = min(radius, OTHER_RADIUS_M)
        if math.dist((n, e), (k.north, k.east)) <= radius and abs(k.up - up) <= ARRIVE_ALT_M:
            return hold(n, e, up), self._arrived(v)
        return hold(n, e, up), False

    def _arrived(self, v: AutoView) -> bool:
        """At the command's position: True when that completes it."""
        nav = self
        item, cmd = nav.item, nav.item.command
        if cmd in (C.MAV_CMD_NAV_WAYPOINT, C.MAV_CMD_NAV_SPLINE_WAYPOINT):
            if item.param1 <= 0:
                return True
            nav.phase, nav.until_s = AutoPhase.HOLD, v.t + item.param1
        elif cmd == C.MAV_CMD_NAV_LOITER_TIME:
            nav.phase, nav.until_s = AutoPhase.HOLD, v.t + max(item.param1, 0.0)
        elif cmd == C.MAV_CMD_NAV_LOITER_UNLIM:
            nav.phase, nav.until_s = AutoPhase.HOLD, 0.0
        elif cmd == C.MAV_CMD_NAV_LOITER_TURNS:
            k = v.kin
            nav.phase = AutoPhase.ORBIT
            nav.angle = math.atan2(k.east - nav.centre[1], k.north - nav.centre[0])
        elif cmd == C.MAV_CMD_NAV_LAND:
            nav.phase = AutoPhase.DESCEND
        return False

    def _orbit(self, v: AutoView, dt: float) -> tuple[Guidance, bool]:
        nav = self
        radius = abs(nav.item.param3) or DEFAULT_ORBIT_M
        direction = -1.0 if nav.item.param3 < 0 else 1.0
        limits = v.limits
        speed = min(limits.speed_mps, math.sqrt(limits.accel_mps2 * radius))
        turn = speed / radius * dt
        nav.angle += direction * turn
        nav.turned += turn
        cn, ce = nav.centre
        target = (cn + radius * math.cos(nav.angle), ce + radius * math.sin(nav.angle))
        return Guidance(target, nav.target[2]), nav.turned >= nav.item.param1 * 2 * math.pi


def _height(v: AutoView, item: Item) -> float:
    if item.frame in TERRAIN_FRAMES:
        return item.z
    return v.height_from_frame(item.frame, item.z)
