"""AUTO mode: running the stored mission item by item, as ArduCopter's mission engine does.

Navigation commands run one at a time; the DO commands between two navigation commands run when
the first is reached and the next starts (so a camera trigger placed after a survey's entry
waypoint fires along the transect); DO_JUMP repeats a stretch; MISSION_ITEM_REACHED marks each
finished navigation item.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.events import CurrentChanged, ItemReached
from simulator.mission import AMSL_FRAMES, MISSION, NAV_COMMANDS, Item

if TYPE_CHECKING:
    from simulator.vehicle import Copter

Target = tuple[tuple[float, float] | None, float, float | None]

C = mavlink
NO_MISSION, NOT_STARTED, ACTIVE, PAUSED, COMPLETE = (
    C.MISSION_STATE_NO_MISSION,
    C.MISSION_STATE_NOT_STARTED,
    C.MISSION_STATE_ACTIVE,
    C.MISSION_STATE_PAUSED,
    C.MISSION_STATE_COMPLETE,
)


class AutoMission:
    """Progress through the mission of one copter."""

    def __init__(self, copter: Copter) -> None:
        self.copter = copter
        self.current = 0  # seq of the current (or next to start) navigation item, 1-based
        self.started = False
        self.complete = False
        self.paused = False
        self.landing = False
        self._nav: Item | None = None
        self._phase = ""
        self._until = 0.0
        self._target: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._jumps: dict[int, int] = {}
        self._orbit_angle = 0.0
        self._orbit_done = 0.0

    # --- state the ground station sees -------------------------------------------------------
    @property
    def mission_state(self) -> int:
        """MISSION_STATE for MISSION_CURRENT."""
        if not self.copter.missions.has_nav():
            return NO_MISSION
        if self.complete:
            return COMPLETE
        if not self.started:
            return NOT_STARTED
        return PAUSED if self.paused else ACTIVE

    @property
    def current_seq(self) -> int:
        """Seq reported as current in MISSION_CURRENT (0 before any item)."""
        return self.current

    def _items(self) -> list[Item]:
        return self.copter.missions.items(MISSION)

    # --- control -----------------------------------------------------------------------------
    def enter(self, armed: bool) -> None:
        """The vehicle switched to AUTO: resume (or restart a finished mission) when flying."""
        if self.complete or self.copter.params["MIS_RESTART"]:
            self.reset()
        if armed and not self.copter.landed:
            self.start()

    def reset(self) -> None:
        """Back to the first item, not started."""
        self.started = self.complete = self.paused = self.landing = False
        self._nav = None
        self._jumps = {}
        self._set_current(0)

    def start(self) -> bool:
        """MISSION_START (or AUTO while flying): run from the current item, or from the start."""
        if not self.copter.missions.has_nav():
            return False
        if self.complete:
            self.reset()
        self.started = True
        self.paused = False
        first = self.current if self.current >= 1 else 1
        self._advance_from(first)
        return True

    def set_current(self, seq: int) -> bool:
        """MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT; False when seq is out of range."""
        items = self._items()
        if not 1 <= seq <= len(items):
            return False
        self.complete = False
        if self.started:
            self._jumps = {}
            self._advance_from(seq)
        else:
            self._set_current(seq)
        return True

    def pause(self, paused: bool) -> bool:
        """DO_PAUSE_CONTINUE: hold where we are, or carry on."""
        if not self.started or self.complete:
            return False
        if paused and not self.paused:
            k = self.copter.kin
            self._hold = (k.north, k.east, k.up)
        self.paused = paused
        return True

    def landed(self) -> None:
        """Touchdown during an RTL or LAND item: that item is reached and the mission is done."""
        if self._nav is not None:
            self.copter.outbox.append(ItemReached(self._nav.seq))
        self._finish()

    # --- stepping ----------------------------------------------------------------------------
    def update(self, dt: float) -> Target:
        """Navigation target for this step."""
        k = self.copter.kin
        if not self.started or self.complete or self._nav is None:
            h = self.copter.hold or (k.north, k.east, k.up)
            return (h[0], h[1]), h[2], None
        if self.paused:
            return (self._hold[0], self._hold[1]), self._hold[2], None
        nav = self._nav
        cmd = nav.command
        if cmd == C.MAV_CMD_NAV_RETURN_TO_LAUNCH:
            return self.copter.rtl_target(dt)
        if cmd == C.MAV_CMD_NAV_LAND and self._phase == "descend":
            return self.copter.land_target()
        n, e, up = self._target
        if self._phase == "climb":
            if k.up >= up - 0.5:
                self._phase = "goto"
            return (k.north, k.east), up, None
        if cmd == C.MAV_CMD_NAV_TAKEOFF:
            if k.up >= up - 0.5:
                self._complete_nav()
            return (n, e), up, None
        if self._phase == "orbit":
            return self._orbit(dt)
        if self._phase == "goto":
            radius = (
                nav.param2
                if cmd == C.MAV_CMD_NAV_WAYPOINT and nav.param2 > 0
                else self.copter.params["WPNAV_RADIUS"] / 100.0
            )
            if cmd != C.MAV_CMD_NAV_WAYPOINT:
                radius = min(radius, 1.0)
            if math.dist((n, e), (k.north, k.east)) <= radius and abs(k.up - up) <= 1.0:
                self._arrived()
            return (n, e), up, None
        if self._phase == "hold":
            if self._until and self.copter.t >= self._until:
                self._complete_nav()
            return (n, e), up, None
        return (n, e), up, None

    def _arrived(self) -> None:
        nav = self._nav
        assert nav is not None
        cmd = nav.command
        if cmd == C.MAV_CMD_NAV_WAYPOINT or cmd == C.MAV_CMD_NAV_SPLINE_WAYPOINT:
            if nav.param1 > 0:
                self._phase, self._until = "hold", self.copter.t + nav.param1
            else:
                self._complete_nav()
        elif cmd == C.MAV_CMD_NAV_LOITER_TIME:
            self._phase, self._until = "hold", self.copter.t + max(nav.param1, 0.0)
        elif cmd == C.MAV_CMD_NAV_LOITER_UNLIM:
            self._phase, self._until = "hold", 0.0
        elif cmd == C.MAV_CMD_NAV_LOITER_TURNS:
            k = self.copter.kin
            self._phase = "orbit"
            self._orbit_done = 0.0
            self._orbit_angle = math.atan2(k.east - self._centre[1], k.north - self._centre[0])
        elif cmd == C.MAV_CMD_NAV_LAND:
            self._phase = "descend"
            self.landing = True
            self.copter.land_ne = (self._target[0], self._target[1])

    def _orbit(self, dt: float) -> Target:
        nav = self._nav
        assert nav is not None
        radius = abs(nav.param3) or 10.0
        direction = -1.0 if nav.param3 < 0 else 1.0
        speed = min(self.copter.limits.speed_mps, math.sqrt(self.copter.limits.accel_mps2 * radius))
        step = speed / radius * dt
        self._orbit_angle += direction * step
        self._orbit_done += step
        cn, ce = self._centre
        if self._orbit_done >= nav.param1 * 2 * math.pi:
            self._complete_nav()
        target = (
            cn + radius * math.cos(self._orbit_angle),
            ce + radius * math.sin(self._orbit_angle),
        )
        return target, self._target[2], None

    # --- item sequencing ---------------------------------------------------------------------
    def _advance_from(self, seq: int) -> None:
        """Start the first navigation item at or after seq, running DO items passed on the way."""
        items = self._items()
        guard = 0
        while 1 <= seq <= len(items):
            guard += 1
            if guard > 10_000:
                break
            item = items[seq - 1]
            if item.command == C.MAV_CMD_DO_JUMP:
                seq = self._jump(item, seq)
                continue
            if item.command in NAV_COMMANDS:
                self._start_nav(item)
                return
            self._run_do(item)
            seq += 1
        self._finish()

    def _jump(self, item: Item, seq: int) -> int:
        remaining = self._jumps.get(item.seq, int(item.param2))
        if remaining == 0:
            return seq + 1
        if remaining > 0:
            self._jumps[item.seq] = remaining - 1
        return int(item.param1) if int(item.param1) >= 1 else seq + 1

    def _start_nav(self, item: Item) -> None:
        c = self.copter
        k = c.kin
        self._nav = item
        self._set_current(item.seq)
        positional = not (item.x == 0 and item.y == 0)
        n, e = c.to_local(item.lat, item.lon) if positional else (k.north, k.east)
        given = item.z > 0 or item.frame in AMSL_FRAMES
        up = c.height_from_frame(item.frame, item.z) if given else k.up
        self._target = (n, e, up)
        self._until = 0.0
        cmd = item.command
        self._phase = "goto"
        if cmd == C.MAV_CMD_NAV_TAKEOFF:
            self._target = (k.north, k.east, max(up, 1.0))
            self._phase = "takeoff"
            if c.landed:
                c.landed = False
                c.say(C.MAV_SEVERITY_INFO, f"Takeoff to {self._target[2]:.1f}m")
        elif cmd == C.MAV_CMD_NAV_RETURN_TO_LAUNCH:
            c.rtl_stage = "climb"
            self.landing = True
        elif cmd == C.MAV_CMD_NAV_LAND:
            self._target = (n, e, k.up)
            if not positional:
                self._arrived()
        elif cmd == C.MAV_CMD_NAV_LOITER_TURNS:
            self._centre = (n, e)
            radius = abs(item.param3) or 10.0
            bearing = math.atan2(k.east - e, k.north - n) if (k.north, k.east) != (n, e) else 0.0
            self._target = (n + radius * math.cos(bearing), e + radius * math.sin(bearing), up)
        if c.landed and cmd != C.MAV_CMD_NAV_TAKEOFF:
            c.landed = False
            self._phase = "climb"

    def _run_do(self, item: Item) -> None:
        c = self.copter
        cmd = item.command
        if cmd == C.MAV_CMD_DO_CHANGE_SPEED and item.param2 > 0 and int(item.param1) in (0, 1):
            c.speed_mps = item.param2
        elif cmd == C.MAV_CMD_DO_SET_ROI:
            c.roi = None if item.x == 0 and item.y == 0 else c.to_local(item.lat, item.lon)
        elif cmd == C.MAV_CMD_DO_DIGICAM_CONTROL and round(item.x) == 1:
            c.trigger_camera()
        elif cmd == C.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
            c.set_trigger_distance(item.param1)
        elif cmd == C.MAV_CMD_IMAGE_START_CAPTURE:
            c.start_capture(item.param2, int(item.param3))
        elif cmd == C.MAV_CMD_IMAGE_STOP_CAPTURE:
            c.stop_capture()

    def _complete_nav(self) -> None:
        nav = self._nav
        assert nav is not None
        self.copter.outbox.append(ItemReached(nav.seq))
        self.copter.say(C.MAV_SEVERITY_INFO, f"Reached command #{nav.seq}")
        self._advance_from(nav.seq + 1)

    def _finish(self) -> None:
        if self.complete:
            return
        self.complete = True
        self.landing = False
        self._nav = None
        k = self.copter.kin
        self.copter.hold = (k.north, k.east, k.up)
        self.copter.say(C.MAV_SEVERITY_INFO, "Mission complete")

    def _set_current(self, seq: int) -> None:
        if seq != self.current:
            self.current = seq
            self.copter.outbox.append(CurrentChanged(seq))
