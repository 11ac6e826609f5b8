"""The flight a mission makes, item by item as ArduCopter flies it: jumps followed, loiters and
delays held, landings and take-offs, return to launch. Plain stretches in a local metric frame,
for the endurance estimate and the airspace checks alike."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from missions.commands import LOCATED_FRAMES, Motion, command_info, command_name
from missions.geo import LocalFrame
from missions.items import Cmd, Frame, Mission, MissionItem, plain_frame

Point2 = tuple[float, float]
Point3 = tuple[float, float, float]  # x_m, y_m east/north, altitude above home (m)

MAX_ITEMS_FLOWN = 100_000
"""The walk stops (and calls the mission endless) after this many items, jumps included."""
_RTL_MODES = {6: "RTL", 21: "SMART_RTL"}
_LAND_MODE, _AUTO_MODE = 9, 3


@dataclass(frozen=True)
class Kinematics:
    """How the copter moves: climb, descent, landing rates (m/s), turn allowance per item (s),
    the fastest it flies (m/s), RTL altitude (m), the default loiter radius (m)."""

    climb_mps: float = 2.5
    descent_mps: float = 1.5
    turn_allowance_s: float = 1.5
    max_speed_mps: float = 20.0
    land_speed_mps: float = 0.5  # the last `land_slow_below_m` of a landing (LAND_SPEED)
    land_slow_below_m: float = 10.0
    rtl_altitude_m: float = 15.0  # RTL_ALT: the return climbs to at least this
    loiter_radius_m: float = 10.0  # CIRCLE_RADIUS when an item gives none


@dataclass(frozen=True)
class Stretch:
    """A piece of flight for one item: start → end (x, y m; altitude above home m), along
    `path` when not straight, at `speed_mps`; `hold_s` spent hovering after it."""

    item_index: int
    start: Point3
    end: Point3
    speed_mps: float
    hold_s: float = 0.0
    path: tuple[Point2, ...] = ()
    airborne: bool = True
    landing: bool = False

    @property
    def horizontal_m(self) -> float:
        """Horizontal length flown (m)."""
        if self.path:
            return float(np.hypot(*np.diff(np.asarray(self.path), axis=0).T).sum())
        return math.hypot(self.end[0] - self.start[0], self.end[1] - self.start[1])

    def track(self) -> tuple[Point2, ...]:
        """The horizontal track flown, start to end."""
        return self.path or ((self.start[0], self.start[1]), (self.end[0], self.end[1]))


@dataclass
class FlightWalk:
    """The stretches flown, why the mission never ends (None if it does), what could not be
    followed (item index or None, reason), how it ends, and the legs a return may fly instead."""

    stretches: list[Stretch] = field(default_factory=list)
    endless: str | None = None
    gaps: list[tuple[int | None, str]] = field(default_factory=list)
    ends: str = "open"  # "return", "land" or "open" (still flying after the last item)
    alternate_legs: list[tuple[int, Point2, Point2]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


def altitude_above_home_m(item: MissionItem, home_altitude_m: float) -> float | None:
    """Altitude above home of a located item as ArduPilot reads its frame (MISSION and GLOBAL
    are above mean sea level, terrain is taken as above home); None when it cannot be known."""
    frame = plain_frame(item.frame)
    if item.frame not in LOCATED_FRAMES or not math.isfinite(item.altitude_m):
        return None
    if frame in (Frame.GLOBAL, Frame.MISSION):
        return item.altitude_m - home_altitude_m if math.isfinite(home_altitude_m) else None
    return item.altitude_m


def has_position(item: MissionItem) -> bool:
    """True when the item names a place (ArduPilot takes 0,0 as 'here')."""
    return not (item.latitude_deg == 0.0 and item.longitude_deg == 0.0) and not (
        math.isnan(item.latitude_deg) or math.isnan(item.longitude_deg)
    )


def _whole(value: float) -> int | None:
    return int(value) if math.isfinite(value) and value == int(value) else None


def jump_target(mission: Mission, index: int) -> int | None:
    """Index in Mission.items a DO_JUMP / DO_JUMP_TAG at `index` goes to (None if invalid)."""
    item = mission.items[index]
    if item.command == Cmd.DO_JUMP:
        seq = _whole(item.param1)
        if seq is None or not 1 <= seq <= len(mission.items) or seq - 1 == index:
            return None
        return seq - 1
    tag = _whole(item.param1)
    targets = [
        k
        for k, other in enumerate(mission.items)
        if other.command == Cmd.JUMP_TAG and _whole(other.param1) == tag
    ]
    return targets[0] if tag is not None and len(targets) == 1 else None


class _Walker:
    def __init__(self, mission: Mission, frame: LocalFrame, kinematics: Kinematics) -> None:
        self.mission, self.frame, self.k = mission, frame, kinematics
        home = mission.home
        self.home_xy = frame.to_xy(home.longitude_deg, home.latitude_deg)
        self.rally_xy = [frame.to_xy(p.longitude_deg, p.latitude_deg) for p in mission.rally]
        self.here: Point3 = (*self.home_xy, 0.0)
        self.landed = True
        self.walk = FlightWalk()
        speed = mission.cruise_speed_mps
        self.speed = min(speed, kinematics.max_speed_mps) if speed > 0 else math.nan
        if not (math.isfinite(speed) and speed > 0):
            self.walk.gaps.append((None, "the cruise speed is not a positive number of m/s"))

    def add(self, index: int, end: Point3, hold_s: float = 0.0, **extra: object) -> None:
        self.walk.stretches.append(
            Stretch(index, self.here, end, self.speed, hold_s, airborne=not self.landed, **extra)  # type: ignore[arg-type]
        )
        self.here = end

    def target(self, index: int, item: MissionItem) -> Point3 | None:
        altitude = altitude_above_home_m(item, self.mission.home.altitude_m)
        if altitude is None:
            self.walk.gaps.append((index, f"{command_name(item.command)}: altitude unknown"))
            return None
        x, y = self.here[0], self.here[1]
        if has_position(item):
            if not (abs(item.latitude_deg) <= 90 and abs(item.longitude_deg) <= 180):
                self.walk.gaps.append((index, f"{command_name(item.command)}: position unknown"))
                return None
            x, y = self.frame.to_xy(item.longitude_deg, item.latitude_deg)
        return x, y, altitude

    def run(self) -> FlightWalk:
        items = self.mission.items
        jumps: dict[int, int] = {}
        index = flown = 0
        while index < len(items):
            flown += 1
            if flown > MAX_ITEMS_FLOWN:
                self.walk.endless = f"repeats more than {MAX_ITEMS_FLOWN} items (DO_JUMP)"
                return self.walk
            item = items[index]
            if item.command in (Cmd.DO_JUMP, Cmd.DO_JUMP_TAG):
                index = self.jump(index, item, jumps)
                if self.walk.endless is not None:
                    return self.walk
                continue
            if not self.step(index, item):
                return self.walk
            index += 1
        return self.walk

    def jump(self, index: int, item: MissionItem, jumps: dict[int, int]) -> int:
        goal = jump_target(self.mission, index)
        repeats = _whole(item.param2)
        if goal is None or repeats is None or repeats < -1:
            self.walk.gaps.append((index, f"{command_name(item.command)}: invalid jump"))
            return index + 1
        done = jumps.get(index, 0)
        if repeats == -1:
            if done:
                self.walk.endless = (
                    f"{command_name(item.command)} at item {index + 1} repeats forever"
                )
            jumps[index] = 1
            return goal
        if done < repeats:
            jumps[index] = done + 1
            return goal
        return index + 1

    def step(self, index: int, item: MissionItem) -> bool:
        """Fly one item; False when the flight stops here."""
        info = command_info(item.command)
        if info is None:
            self.walk.gaps.append((index, f"{command_name(item.command)} is not known"))
            return True
        motion = info.motion
        if item.command == Cmd.DO_CHANGE_SPEED:
            self.change_speed(index, item)
        elif item.command == Cmd.DO_SET_HOME:
            self.set_home(item)
        elif item.command == Cmd.DO_SET_MODE:
            mode = _whole(item.param2)
            if mode in _RTL_MODES:
                motion = Motion.RETURN
            elif mode == _LAND_MODE:
                motion = Motion.LAND
            elif mode != _AUTO_MODE:
                motion = Motion.UNJUDGED
        if motion is Motion.NONE:
            return True
        if motion is Motion.UNJUDGED:
            self.walk.gaps.append((index, f"{command_name(item.command)}: cannot be followed"))
            return False
        if motion is Motion.RETURN:
            self.return_to_launch(index)
            return False
        if self.landed and motion not in (Motion.TAKEOFF, Motion.DELAY) and self.walk.stretches:
            self.walk.ends = "land"  # ArduCopter stays on the ground after a landing
            return False
        if motion is Motion.DELAY:
            return self.delay(index, item)
        if motion is Motion.LAND and item.command != Cmd.DO_SET_MODE:
            return self.land(index, item)
        if motion is Motion.LAND:
            self.descend_and_land(index, 0.0)
            self.walk.ends = "land"
            return True
        goal = self.target(index, item)
        if goal is None:
            return False
        turn = self.k.turn_allowance_s
        self.landed = False
        if motion is Motion.TAKEOFF:
            self.add(index, (self.here[0], self.here[1], goal[2]), turn)
        elif motion is Motion.LOITER_TO_ALT:
            self.add(index, (goal[0], goal[1], self.here[2]))
            self.add(index, goal, turn)
        elif motion is Motion.ARC:
            self.add(index, goal, turn, path=self.arc(goal, item.param1))
        elif motion is Motion.PAYLOAD_PLACE:
            self.add(index, goal)
            drop = min(item.param1, goal[2]) if item.param1 > 0 else goal[2]
            self.add(index, (goal[0], goal[1], goal[2] - drop), 2.0)
            self.add(index, goal, turn)
        else:
            self.add(index, goal, turn + self.hold_s(item))
            if motion is Motion.LOITER_UNLIMITED:
                self.walk.endless = (
                    f"{command_name(item.command)} at item {index + 1} holds until the pilot acts"
                )
                return False
            if item.command == Cmd.NAV_LOITER_TURNS:
                self.loiter_turns(index, item)
        return True

    def hold_s(self, item: MissionItem) -> float:
        if item.command in (Cmd.NAV_WAYPOINT, Cmd.NAV_SPLINE_WAYPOINT, Cmd.NAV_LOITER_TIME):
            return max(item.param1, 0.0) if math.isfinite(item.param1) else 0.0
        return 0.0

    def loiter_turns(self, index: int, item: MissionItem) -> None:
        turns = min(max(item.param1, 0.0), 255.0) if math.isfinite(item.param1) else 0.0
        radius = abs(item.param3) if math.isfinite(item.param3) and item.param3 else 0.0
        radius = radius or self.k.loiter_radius_m
        if turns <= 0:
            return
        cx, cy, _ = self.here
        angles = np.linspace(0.0, 2 * math.pi * turns, max(8, int(16 * turns)) + 1)
        circle = tuple(
            (float(cx + radius * math.cos(a)), float(cy + radius * math.sin(a))) for a in angles
        )
        self.walk.stretches.append(Stretch(index, self.here, self.here, self.speed, path=circle))

    def arc(self, goal: Point3, angle_deg: float) -> tuple[Point2, ...]:
        """An arc of `angle_deg` (positive clockwise) from here to the goal, as a polyline."""
        (x0, y0), (x1, y1) = self.here[:2], goal[:2]
        chord = math.hypot(x1 - x0, y1 - y0)
        theta = math.radians(angle_deg) if math.isfinite(angle_deg) else 0.0
        if chord == 0 or abs(theta) < 1e-6 or abs(theta) >= 2 * math.pi:
            return ()
        radius = chord / (2 * math.sin(abs(theta) / 2))
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        offset = math.sqrt(max(radius * radius - chord * chord / 4, 0.0))
        nx, ny = -(y1 - y0) / chord, (x1 - x0) / chord  # left of the chord
        side = -1.0 if theta > 0 else 1.0  # clockwise: centre to the right
        if abs(theta) > math.pi:
            side = -side
        cx, cy = mx + side * offset * nx, my + side * offset * ny
        a0 = math.atan2(y0 - cy, x0 - cx)
        angles = a0 - theta * np.linspace(0.0, 1.0, 17)
        return tuple(
            (float(cx + radius * math.cos(a)), float(cy + radius * math.sin(a))) for a in angles
        )

    def change_speed(self, index: int, item: MissionItem) -> None:
        asked = item.param2
        if not (math.isfinite(asked) and asked > 0):
            return
        if asked > self.k.max_speed_mps:
            self.walk.notes.append(
                (index, f"speed {asked:g} m/s estimated at {self.k.max_speed_mps:g} m/s")
            )
        self.speed = min(asked, self.k.max_speed_mps)

    def set_home(self, item: MissionItem) -> None:
        if item.param1 == 1 or not has_position(item):
            self.home_xy = (self.here[0], self.here[1])
        elif abs(item.latitude_deg) <= 90 and abs(item.longitude_deg) <= 180:
            self.home_xy = self.frame.to_xy(item.longitude_deg, item.latitude_deg)

    def delay(self, index: int, item: MissionItem) -> bool:
        if not (math.isfinite(item.param1) and item.param1 >= 0):
            self.walk.gaps.append((index, "NAV_DELAY (93) waits for a time of day: length unknown"))
            return False
        self.add(index, self.here, item.param1)
        return True

    def land(self, index: int, item: MissionItem) -> bool:
        if has_position(item):
            goal = self.target(index, item)
            if goal is None:
                return False
            self.add(index, (goal[0], goal[1], self.here[2]))
        self.descend_and_land(index, self.k.turn_allowance_s)
        self.walk.ends = "land"
        return True

    def descend_and_land(self, index: int, hold_s: float) -> None:
        self.add(index, (self.here[0], self.here[1], 0.0), hold_s, landing=True)
        self.landed = True

    def return_to_launch(self, index: int) -> None:
        if self.landed and self.walk.stretches:
            self.walk.ends = "land"
            return
        x, y, z = self.here
        z = max(z, self.k.rtl_altitude_m)
        self.add(index, (x, y, z))
        for rally in self.rally_xy:
            if math.dist(rally, (x, y)) < math.dist(self.home_xy, (x, y)):
                self.walk.alternate_legs.append((index, (x, y), rally))
        self.add(index, (*self.home_xy, z))
        self.descend_and_land(index, 0.0)
        self.walk.ends = "return"


def walk_flight(
    mission: Mission, frame: LocalFrame | None = None, kinematics: Kinematics = Kinematics()
) -> FlightWalk:
    """The stretches flying the mission makes, with what could not be followed."""
    home = mission.home
    place = (home.latitude_deg, home.longitude_deg, home.altitude_m)
    if not (all(map(math.isfinite, place)) and abs(place[0]) <= 90 and abs(place[1]) <= 180):
        return FlightWalk(gaps=[(None, "home is not a place")])
    frame = frame or LocalFrame.around(home.latitude_deg, home.longitude_deg)
    return _Walker(mission, frame, kinematics).run()
