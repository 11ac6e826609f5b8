"""The MAVLink commands a simulated copter carries out (COMMAND_LONG / COMMAND_INT), each
answered with a MAV_RESULT as ArduCopter answers it; unknown commands are UNSUPPORTED."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.events import HomeSet
from simulator.modes import Mode
from simulator.telemetry import BUILDERS, NAMES_BY_ID

if TYPE_CHECKING:
    from simulator.link import VehicleLink

C = mavlink
ARM_MAGIC, DISARM_MAGIC = 2989, 21196
_VERSION = (4 << 24) | (6 << 16) | (2 << 8) | C.FIRMWARE_VERSION_TYPE_OFFICIAL
_CAPABILITIES = (
    C.MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT
    | C.MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT
    | C.MAV_PROTOCOL_CAPABILITY_MISSION_INT
    | C.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
    | C.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
    | C.MAV_PROTOCOL_CAPABILITY_MAVLINK2
    | C.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
    | C.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
)


def carry_out(link: VehicleLink, client: Any, cmd: int, p: list[float], frame: int) -> int:
    """Carry out one MAV_CMD; returns the MAV_RESULT for COMMAND_ACK."""
    c = link.copter
    ok, failed = C.MAV_RESULT_ACCEPTED, C.MAV_RESULT_FAILED
    if cmd == C.MAV_CMD_COMPONENT_ARM_DISARM:
        if p[0] == 1:
            return ok if c.arm(force=round(p[1]) == ARM_MAGIC) is None else failed
        return ok if c.disarm(force=round(p[1]) == DISARM_MAGIC) is None else failed
    if cmd == C.MAV_CMD_DO_SET_MODE:
        custom = int(p[0]) & C.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        return ok if custom and c.set_mode(int(p[1])) else failed
    if cmd == C.MAV_CMD_NAV_TAKEOFF:
        reason = c.takeoff(p[6])
        if reason:
            c.say(C.MAV_SEVERITY_WARNING, reason)
        return ok if reason is None else failed
    if cmd == C.MAV_CMD_MISSION_START:
        if not c.armed or not c.set_mode(Mode.AUTO):
            c.say(C.MAV_SEVERITY_WARNING, "Mission start failed: not armed or no mission")
            return failed
        if int(p[0]) > 0:
            c.auto.set_current(int(p[0]))
        return ok if c.auto.start() else failed
    if cmd == C.MAV_CMD_NAV_RETURN_TO_LAUNCH:
        return ok if c.set_mode(Mode.RTL) else failed
    if cmd == C.MAV_CMD_NAV_LAND:
        return ok if c.set_mode(Mode.LAND) else failed
    if cmd == C.MAV_CMD_DO_CHANGE_SPEED:
        if p[1] <= 0:
            return C.MAV_RESULT_DENIED
        c.speed_mps = p[1]
        return ok
    if cmd == C.MAV_CMD_DO_REPOSITION:
        if int(p[1]) & C.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE and c.mode != Mode.GUIDED:
            c.set_mode(Mode.GUIDED)
        if p[0] > 0:
            c.speed_mps = p[0]
        return ok if c.goto(p[4], p[5], c.height_from_frame(frame, p[6])) else failed
    if cmd == C.MAV_CMD_DO_PAUSE_CONTINUE:
        if c.mode == Mode.AUTO:
            return ok if c.auto.pause(p[0] == 0) else failed
        if c.mode == Mode.GUIDED and p[0] == 0:
            c.guided_target = (c.kin.north, c.kin.east, c.kin.up)
            return ok
        return failed
    if cmd == C.MAV_CMD_DO_SET_MISSION_CURRENT:
        return ok if c.auto.set_current(int(p[0])) else failed
    if cmd == C.MAV_CMD_SET_MESSAGE_INTERVAL:
        name = NAMES_BY_ID.get(int(p[0]))
        if name is None or name == "HEARTBEAT":
            return C.MAV_RESULT_DENIED
        link.schedule.set_interval(name, None if p[1] == 0 else (-1.0 if p[1] < 0 else p[1] / 1e6))
        return ok
    if cmd == C.MAV_CMD_GET_MESSAGE_INTERVAL:
        name = NAMES_BY_ID.get(int(p[0]))
        interval = 0 if name is None else int(link.schedule.interval_of(name) * 1e6)
        if name == "HEARTBEAT":
            interval = 1_000_000
        link.send(link.mav.message_interval_encode(int(p[0]), interval or -1), client)
        return ok
    if cmd == C.MAV_CMD_REQUEST_MESSAGE:
        return ok if send_once(link, int(p[0]), client) else C.MAV_RESULT_UNSUPPORTED
    if cmd == C.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
        send_once(link, C.MAVLINK_MSG_ID_AUTOPILOT_VERSION, client)
        return ok
    if cmd == C.MAV_CMD_GET_HOME_POSITION:
        if c.home is None:
            return failed
        send_once(link, C.MAVLINK_MSG_ID_HOME_POSITION, client)
        return ok
    if cmd == C.MAV_CMD_DO_SET_HOME:
        if p[0] == 1:
            c._set_home_here()
        else:
            c.home = (p[4], p[5], p[6])
            c.outbox.append(HomeSet())
        return ok
    if cmd == C.MAV_CMD_DO_DIGICAM_CONTROL:
        if round(p[4]) == 1:
            c.trigger_camera()
        return ok
    if cmd == C.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
        c.set_trigger_distance(p[0])
        return ok
    if cmd == C.MAV_CMD_IMAGE_START_CAPTURE:
        c.start_capture(p[1], int(p[2]))
        return ok
    if cmd == C.MAV_CMD_IMAGE_STOP_CAPTURE:
        c.stop_capture()
        return ok
    if cmd == C.MAV_CMD_DO_FENCE_ENABLE:
        c.params.set("FENCE_ENABLE", 1 if p[0] >= 1 else 0)
        return ok
    if cmd in (C.MAV_CMD_DO_SET_ROI, C.MAV_CMD_DO_SET_ROI_LOCATION):
        c.roi = c.to_local(p[4], p[5]) if (p[4], p[5]) != (0, 0) else None
        return ok
    if cmd == C.MAV_CMD_DO_SET_ROI_NONE:
        c.roi = None
        return ok
    if cmd == C.MAV_CMD_CONDITION_YAW:
        return ok
    return C.MAV_RESULT_UNSUPPORTED


def send_once(link: VehicleLink, msg_id: int, client: Any) -> bool:
    """Send one message now (REQUEST_MESSAGE); False if the vehicle does not know it."""
    c = link.copter
    if msg_id == C.MAVLINK_MSG_ID_AUTOPILOT_VERSION:
        link.send(
            link.mav.autopilot_version_encode(
                _CAPABILITIES,
                _VERSION,
                0,
                0,
                0,
                [0] * 8,
                [0] * 8,
                [0] * 8,
                0x1209,
                0x5741,
                c.sysid,
            ),
            client,
        )
        return True
    name = NAMES_BY_ID.get(msg_id)
    if name is None:
        return False
    link.send(BUILDERS[name](c, link.mav, c.t), client)
    return True
