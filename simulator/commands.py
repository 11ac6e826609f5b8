"""The MAVLink commands a simulated copter carries out (COMMAND_LONG / COMMAND_INT), each
answered with a MAV_RESULT as ArduCopter answers it (unknown commands are UNSUPPORTED), and the
DO commands of a mission as the mission reaches them.

A command sees a narrow context: the copter (changed only through its methods), the stream
schedule of the channel it came on, and a way to answer the asking ground station.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.mission import Item
from simulator.modes import Mode
from simulator.telemetry import NAMES_BY_ID, StreamSchedule

if TYPE_CHECKING:
    from simulator.vehicle import Copter

C = mavlink
ARM_MAGIC, DISARM_MAGIC = 2989, 21196


@dataclass(frozen=True)
class CommandContext:
    """What a command may use: the vehicle, its channel's streams, and replies to the asker
    (`send_message(msg_id)` -> whether the vehicle knows that message; `send_interval(msg_id,
    interval_us)` answers GET_MESSAGE_INTERVAL)."""

    copter: Copter
    streams: StreamSchedule
    send_message: Callable[[int], bool]
    send_interval: Callable[[int, int], None]


def carry_out(ctx: CommandContext, cmd: int, p: list[float], frame: int) -> int:
    """Carry out one MAV_CMD; returns the MAV_RESULT for COMMAND_ACK."""
    c = ctx.copter
    ok, failed = C.MAV_RESULT_ACCEPTED, C.MAV_RESULT_FAILED
    handler = _VEHICLE.get(cmd)
    if handler is not None:
        return ok if handler(c, p, frame) else failed
    if cmd == C.MAV_CMD_DO_CHANGE_SPEED:
        if p[1] <= 0:
            return C.MAV_RESULT_DENIED
        c.change_speed(p[1])
        return ok
    if cmd == C.MAV_CMD_SET_MESSAGE_INTERVAL:
        name = NAMES_BY_ID.get(int(p[0]))
        if name is None or name == "HEARTBEAT":
            return C.MAV_RESULT_DENIED
        ctx.streams.set_interval(name, None if p[1] == 0 else (-1.0 if p[1] < 0 else p[1] / 1e6))
        return ok
    if cmd == C.MAV_CMD_GET_MESSAGE_INTERVAL:
        name = NAMES_BY_ID.get(int(p[0]))
        interval = 0 if name is None else int(ctx.streams.interval_of(name) * 1e6)
        if name == "HEARTBEAT":
            interval = 1_000_000
        ctx.send_interval(int(p[0]), interval or -1)
        return ok
    if cmd == C.MAV_CMD_REQUEST_MESSAGE:
        return ok if ctx.send_message(int(p[0])) else C.MAV_RESULT_UNSUPPORTED
    if cmd == C.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
        ctx.send_message(C.MAVLINK_MSG_ID_AUTOPILOT_VERSION)
        return ok
    if cmd == C.MAV_CMD_GET_HOME_POSITION:
        return (
            ok
            if c.home is not None and ctx.send_message(C.MAVLINK_MSG_ID_HOME_POSITION)
            else failed
        )
    if cmd == C.MAV_CMD_CONDITION_YAW:
        return ok
    return C.MAV_RESULT_UNSUPPORTED


def _arm(c: Copter, p: list[float], frame: int) -> bool:
    if p[0] == 1:
        return c.arm(force=round(p[1]) == ARM_MAGIC) is None
    return c.disarm(force=round(p[1]) == DISARM_MAGIC) is None


def _set_mode(c: Copter, p: list[float], frame: int) -> bool:
    return bool(int(p[0]) & C.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED) and c.set_mode(int(p[1]))


def _takeoff(c: Copter, p: list[float], frame: int) -> bool:
    reason = c.takeoff(p[6])
    if reason:
        c.say(C.MAV_SEVERITY_WARNING, reason)
    return reason is None


def _mission_start(c: Copter, p: list[float], frame: int) -> bool:
    if c.start_mission(int(p[0])):
        return True
    c.say(C.MAV_SEVERITY_WARNING, "Mission start failed: not armed or no mission")
    return False


def _reposition(c: Copter, p: list[float], frame: int) -> bool:
    if int(p[1]) & C.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE and c.mode is not Mode.GUIDED:
        c.set_mode(Mode.GUIDED)
    if p[0] > 0:
        c.change_speed(p[0])
    return c.goto(p[4], p[5], c.height_from_frame(frame, p[6]))


def _pause_continue(c: Copter, p: list[float], frame: int) -> bool:
    if c.mode is Mode.AUTO:
        return c.pause_mission(p[0] == 0)
    return p[0] == 0 and c.hold_position()


def _set_home(c: Copter, p: list[float], frame: int) -> bool:
    c.set_home(None if p[0] == 1 else (p[4], p[5], p[6]))
    return True


def _digicam(c: Copter, p: list[float], frame: int) -> bool:
    if round(p[4]) == 1:
        c.trigger_camera()
    return True


def _done(
    action: Callable[[Copter, list[float]], object],
) -> Callable[[Copter, list[float], int], bool]:
    def run(c: Copter, p: list[float], frame: int) -> bool:
        action(c, p)
        return True

    return run


def _roi(c: Copter, p: list[float], frame: int) -> bool:
    c.set_roi((p[4], p[5]))
    return True


_VEHICLE: dict[int, Callable[[Copter, list[float], int], bool]] = {
    C.MAV_CMD_COMPONENT_ARM_DISARM: _arm,
    C.MAV_CMD_DO_SET_MODE: _set_mode,
    C.MAV_CMD_NAV_TAKEOFF: _takeoff,
    C.MAV_CMD_MISSION_START: _mission_start,
    C.MAV_CMD_NAV_RETURN_TO_LAUNCH: lambda c, p, f: c.set_mode(Mode.RTL),
    C.MAV_CMD_NAV_LAND: lambda c, p, f: c.set_mode(Mode.LAND),
    C.MAV_CMD_DO_REPOSITION: _reposition,
    C.MAV_CMD_DO_PAUSE_CONTINUE: _pause_continue,
    C.MAV_CMD_DO_SET_MISSION_CURRENT: lambda c, p, f: c.set_current_item(int(p[0])),
    C.MAV_CMD_DO_SET_HOME: _set_home,
    C.MAV_CMD_DO_DIGICAM_CONTROL: _digicam,
    C.MAV_CMD_DO_SET_CAM_TRIGG_DIST: _done(lambda c, p: c.set_trigger_distance(p[0])),
    C.MAV_CMD_IMAGE_START_CAPTURE: _done(lambda c, p: c.start_capture(p[1], int(p[2]))),
    C.MAV_CMD_IMAGE_STOP_CAPTURE: _done(lambda c, p: c.stop_capture()),
    C.MAV_CMD_DO_FENCE_ENABLE: _done(lambda c, p: c.enable_fence(p[0] >= 1)),
    C.MAV_CMD_DO_SET_ROI: _roi,
    C.MAV_CMD_DO_SET_ROI_LOCATION: _roi,
    C.MAV_CMD_DO_SET_ROI_NONE: _done(lambda c, p: c.set_roi(None)),
}
"""Commands that act on the vehicle: handler(copter, params, frame) -> accepted."""


def mission_do(c: Copter, item: Item) -> None:
    """Carry out a mission's DO command as the mission reaches it."""
    cmd = item.command
    if cmd == C.MAV_CMD_DO_CHANGE_SPEED and item.param2 > 0 and int(item.param1) in (0, 1):
        c.change_speed(item.param2)
    elif cmd == C.MAV_CMD_DO_SET_ROI:
        c.set_roi((item.lat, item.lon))
    elif cmd == C.MAV_CMD_DO_DIGICAM_CONTROL and item.x == 1:
        c.trigger_camera()
    elif cmd == C.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
        c.set_trigger_distance(item.param1)
    elif cmd == C.MAV_CMD_IMAGE_START_CAPTURE:
        c.start_capture(item.param2, int(item.param3))
    elif cmd == C.MAV_CMD_IMAGE_STOP_CAPTURE:
        c.stop_capture()
    elif cmd == C.MAV_CMD_DO_SET_HOME:
        here = item.param1 == 1 or (item.x == 0 and item.y == 0)
        c.set_home(None if here else (item.lat, item.lon, item.z))
    elif cmd == C.MAV_CMD_DO_FENCE_ENABLE:
        c.enable_fence(item.param1 >= 1)
