"""AUTO mode: the stored mission run as ArduPilot's mission engine (AP_Mission) runs it.

One navigation command is active at a time. When it completes, the next one starts, and the
first DO command between them starts with it; the other DO commands follow one after another
while the vehicle flies (a CONDITION_DELAY holds back the DO commands after it, not the flight).
DO_JUMP repeats a stretch (-1: forever; a target outside the mission ends it). Each command
that starts is announced as "Mission: <seq> <type>", each one the vehicle verifies as done gets
a MISSION_ITEM_REACHED. When the mission ends the current item reads 0 and the vehicle holds
where it is (or disarms, if it ended on the ground).

The executor reads the vehicle (`AutoView`) and returns what to do (`AutoStep`); the copter
applies it. It owns only the mission's progress.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.auto_nav import AutoView, NavCommand
from simulator.events import CurrentChanged, Event, ItemReached, StatusText
from simulator.guidance import Guidance, hold
from simulator.mission import Item, MissionStore
from simulator.mission_storage import type_name

C = mavlink
SEV_INFO = C.MAV_SEVERITY_INFO
MAX_JUMP_HOPS = 255
"""A chain of jumps longer than this ends the mission (it would never reach a command)."""
SELF_VERIFIED = frozenset(
    {
        C.MAV_CMD_DO_GRIPPER,
        C.MAV_CMD_DO_SET_SERVO,
        C.MAV_CMD_DO_SET_RELAY,
        C.MAV_CMD_DO_REPEAT_SERVO,
        C.MAV_CMD_DO_REPEAT_RELAY,
        C.MAV_CMD_DO_DIGICAM_CONFIGURE,
        C.MAV_CMD_DO_DIGICAM_CONTROL,
        C.MAV_CMD_DO_SET_CAM_TRIGG_DIST,
        C.MAV_CMD_DO_PARACHUTE,
        C.MAV_CMD_DO_SPRAYER,
        C.MAV_CMD_DO_AUX_FUNCTION,
        C.MAV_CMD_DO_SET_RESUME_REPEAT_DIST,
        C.MAV_CMD_IMAGE_START_CAPTURE,
        C.MAV_CMD_IMAGE_STOP_CAPTURE,
    }
)
"""DO commands the mission engine completes itself: no MISSION_ITEM_REACHED for them."""


class MissionState(Enum):
    """AP_Mission's state."""

    STOPPED = "stopped"
    RUNNING = "running"
    COMPLETE = "complete"


@dataclass(frozen=True)
class RunDo:
    """Carry out a DO command now (speed, region of interest, camera …)."""

    item: Item


@dataclass(frozen=True)
class LeaveGround:
    """Spin up and leave the ground (a mission take-off, or a command flown from the ground)."""

    target_up_m: float


@dataclass(frozen=True)
class MissionEnded:
    """The mission completed; on_ground: it ended landed (the vehicle disarms)."""

    on_ground: bool


Effect = Event | RunDo | LeaveGround | MissionEnded


@dataclass(frozen=True)
class AutoStep:
    """This step's guidance and what the copter must do."""

    guidance: Guidance
    effects: tuple[Effect, ...] = ()


@dataclass
class _Do:
    item: Item
    delay_until_s: float = 0.0


@dataclass
class MissionRun:
    """Progress through the mission of one copter (AP_Mission's state and ModeAuto's)."""

    state: MissionState = MissionState.STOPPED
    nav: NavCommand | None = None
    next_seq: int = 0  # while stopped: the navigation command a resume starts from
    do: _Do | None = None
    do_all_done: bool = False
    paused: tuple[float, float, float] | None = None
    jumps: dict[int, int] = field(default_factory=dict)
    do_from: int = 1  # where the search for the next DO command starts
    _out: list[Effect] = field(default_factory=list)

    # --- what the ground station sees --------------------------------------------------------
    def mission_state(self, missions: MissionStore) -> int:
        """MISSION_STATE for MISSION_CURRENT."""
        if not missions.size:
            return C.MISSION_STATE_NO_MISSION
        return {
            MissionState.STOPPED: C.MISSION_STATE_NOT_STARTED,
            MissionState.RUNNING: C.MISSION_STATE_ACTIVE,
            MissionState.COMPLETE: C.MISSION_STATE_COMPLETE,
        }[self.state]

    @property
    def current_seq(self) -> int:
        """The navigation command's seq (0 when there is none, e.g. after the end)."""
        return self.nav.item.seq if self.nav is not None else self.next_seq

    @property
    def running(self) -> bool:
        """Whether the mission is being flown."""
        return self.state is MissionState.RUNNING

    @property
    def landing(self) -> bool:
        """Whether the active command is bringing the vehicle down to land."""
        return self.running and self.nav is not None and self.nav.landing

    # --- control -----------------------------------------------------------------------------
    def reset(self) -> tuple[Effect, ...]:
        """A new mission: back to the start, stopped."""
        self.state = MissionState.STOPPED
        self.do, self.do_all_done, self.paused, self.jumps = None, False, None, {}
        return self._set_nav(None)

    def start(self, v: AutoView) -> tuple[Effect, ...]:
        """Run from the first command."""
        self.state = MissionState.RUNNING
        self.jumps, self.paused, self.do = {}, None, None
        self._drop_nav()
        if not self._advance_nav(v, 1):
            self._complete(v)
        return self._flush()

    def start_or_resume(self, v: AutoView) -> tuple[Effect, ...]:
        """Entering AUTO: restart (MIS_RESTART, or after the end) or carry on where it was."""
        seq = self.current_seq
        if self.state is MissionState.COMPLETE or v.params["MIS_RESTART"] or not seq:
            return self.start(v)
        self.state = MissionState.RUNNING
        self.paused = None
        self._drop_nav()
        if not self._advance_nav(v, seq):
            self._complete(v)
        return self._flush()

    def stop(self) -> None:
        """Leaving AUTO: the mission stops where it is (the current item stays)."""
        if self.state is MissionState.RUNNING:
            self.state = MissionState.STOPPED

    def set_current(self, seq: int, v: AutoView) -> tuple[bool, tuple[Effect, ...]]:
        """MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT: fly from seq (False if out of range)."""
        total = v.missions.size
        if not 0 <= seq <= total or total == 0:
            return False, ()
        if seq == 0 or self.state is MissionState.COMPLETE:
            self.jumps = {}
            seq = max(seq, 1)
        self.do, self.do_all_done = None, False
        if self.state is not MissionState.RUNNING:
            item = self._next_cmd(v.missions, seq)
            while item is not None and not item.nav:
                item = self._next_cmd(v.missions, item.seq + 1)
            if item is None:
                return False, self._flush()
            self.state = MissionState.STOPPED
            self._out.extend(self._set_nav(None, next_seq=item.seq))
            return True, self._flush()
        self._drop_nav()
        if not self._advance_nav(v, seq):
            self._complete(v)
        return True, self._flush()

    def pause(self, paused: bool, v: AutoView) -> bool:
        """DO_PAUSE_CONTINUE: hold where it is, or carry on (the mission stays active)."""
        if not self.running:
            return False
        if paused and self.paused is None:
            self.paused = _here(v)
        elif not paused:
            self.paused = None
        return True

    # --- stepping ----------------------------------------------------------------------------
    def step(self, v: AutoView, dt: float) -> AutoStep:
        """Advance by dt: verify the active commands, start the next ones, and guide."""
        if not self.running or self.nav is None:
            return AutoStep(hold(*_here(v)), self._flush())
        if self.paused is not None:
            return AutoStep(hold(*self.paused), self._flush())
        guidance, done = self.nav.fly(v, dt)
        if done:
            self._finished_nav()
            if not self._advance_nav(v, self._after(self.nav)):
                self._complete(v)
                return AutoStep(hold(*_here(v)), self._flush())
            assert self.nav is not None
            guidance, _ = self.nav.fly(v, 0.0)
        self._update_do(v)
        return AutoStep(guidance, self._flush())

    def touched_down(self, v: AutoView) -> tuple[Effect, ...]:
        """The vehicle touched down while landing: that command is done."""
        if not self.landing or self.nav is None:
            return ()
        self._finished_nav()
        if not self._advance_nav(v, self._after(self.nav)):
            self._complete(v, on_ground=True)
        return self._flush()

    # --- navigation commands -----------------------------------------------------------------
    def _start_nav(self, v: AutoView, item: Item) -> bool:
        """Announce and start a navigation command; False when it is skipped."""
        self._say(f"Mission: {item.seq} {type_name(item.command)}")
        nav = NavCommand.start(v, item)
        if nav is None:
            return False
        if nav.leaves_ground_to is not None:
            self._out.append(LeaveGround(nav.leaves_ground_to))
        self._out.extend(self._set_nav(nav))
        return True

    def _finished_nav(self) -> None:
        assert self.nav is not None
        self._out.append(ItemReached(self.nav.item.seq))

    # --- sequencing (AP_Mission) -------------------------------------------------------------
    def _after(self, nav: NavCommand | None) -> int:
        return nav.item.seq + 1 if nav is not None else 1

    def _next_cmd(self, missions: MissionStore, seq: int) -> Item | None:
        """The command at or after seq with jumps followed (and counted), or None at the end."""
        for _ in range(MAX_JUMP_HOPS):
            item = missions.at(seq)
            if item is None:
                return None
            if item.command != C.MAV_CMD_DO_JUMP:
                return item
            target, repeats = int(item.param1), int(item.param2)
            if not 1 <= target <= missions.size:
                return None
            done = self.jumps.get(item.seq, 0)
            if repeats < 0 or done < repeats:
                if repeats >= 0:
                    self.jumps[item.seq] = done + 1
                seq = target
            else:
                seq += 1
        return None

    def _advance_nav(self, v: AutoView, seq: int) -> bool:
        """Start the next navigation command at or after seq (and the first DO before it)."""
        self.do, self.do_all_done = None, False
        while True:
            item = self._next_cmd(v.missions, seq)
            if item is None:
                return False
            if item.nav:
                if self._start_nav(v, item):
                    break
            elif self.do is None:
                self._start_do(v, item)
            seq = item.seq + 1
        if self.do is None:
            self.do_all_done = True
        return True

    def _update_do(self, v: AutoView) -> None:
        if self.do is None:
            if self.do_all_done:
                return
            if self.nav is None or self.do_from > self.nav.item.seq:
                self.do_all_done = True  # DO commands run only up to the active one
                return
            item = self._next_cmd(v.missions, self.do_from)
            if item is None or item.nav:
                self.do_all_done = True
                return
            self._start_do(v, item)
        elif self._verify_do(v, self.do):
            if self.do.item.command not in SELF_VERIFIED:
                self._out.append(ItemReached(self.do.item.seq))
            self.do_from = self.do.item.seq + 1
            self.do = None

    def _start_do(self, v: AutoView, item: Item) -> None:
        self._say(f"Mission: {item.seq} {type_name(item.command)}")
        self.do = _Do(item)
        self.do_from = item.seq + 1
        if item.command == C.MAV_CMD_CONDITION_DELAY:
            self.do.delay_until_s = v.t + max(item.param1, 0.0)
        elif not C.MAV_CMD_NAV_LAST < item.command <= C.MAV_CMD_CONDITION_LAST:
            self._out.append(RunDo(item))

    def _verify_do(self, v: AutoView, do: _Do) -> bool:
        cmd = do.item.command
        if cmd == C.MAV_CMD_CONDITION_DELAY:
            return v.t >= do.delay_until_s
        if cmd == C.MAV_CMD_CONDITION_DISTANCE and self.nav is not None:
            n, e, _ = self.nav.target
            return math.dist((n, e), (v.kin.north, v.kin.east)) <= do.item.param1
        return True

    def _complete(self, v: AutoView, on_ground: bool = False) -> None:
        self.state = MissionState.COMPLETE
        self.do = None
        self._out.extend(self._set_nav(None))
        self._out.append(MissionEnded(on_ground or v.landed))

    def _drop_nav(self) -> None:
        self.nav, self.next_seq = None, 0

    def _set_nav(self, nav: NavCommand | None, next_seq: int = 0) -> tuple[Effect, ...]:
        before = self.current_seq
        self.nav, self.next_seq = nav, next_seq
        return (CurrentChanged(self.current_seq),) if self.current_seq != before else ()

    def _say(self, text: str) -> None:
        self._out.append(StatusText(SEV_INFO, text))

    def _flush(self) -> tuple[Effect, ...]:
        out, self._out = tuple(self._out), []
        return out


def _here(v: AutoView) -> tuple[float, float, float]:
    k = v.kin
    return k.north, k.east, k.up
