"""Commands (COMMAND_LONG / COMMAND_INT with COMMAND_ACK) and parameter sets, as exchanges.

COMMAND_LONG is re-sent with `confirmation` + 1 after `ack_timeout_s` without an ACK (up to
`retries`); IN_PROGRESS extends the wait without resending; TEMPORARILY_REJECTED (busy) is
retried after `busy_retry_s`; DENIED/FAILED/UNSUPPORTED/CANCELLED are final and become
CommandRefused carrying the STATUSTEXT the vehicle sent around the refusal. An accepted command
may also have to show its effect in a later heartbeat (`expect`), as ArduPilot can ACK a mode
change and not make it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from command.link.errors import (
    CommandRefused,
    CommandTimeout,
    MavResult,
    ModeNotChanged,
    ParameterError,
)
from command.link.exchange import Exchange, LinkIO
from command.link.snapshot import COPTER_MODES, VehicleSnapshot

ACCEPTED, TEMPORARILY_REJECTED, IN_PROGRESS = (
    MavResult.ACCEPTED,
    MavResult.TEMPORARILY_REJECTED,
    MavResult.IN_PROGRESS,
)
MAV_SEVERITY_WARNING = 4


@dataclass(frozen=True)
class CommandTiming:
    """Command protocol timing, seconds."""

    ack_timeout_s: float = 1.0
    retries: int = 5
    in_progress_timeout_s: float = 10.0
    busy_retry_s: float = 1.0
    reason_grace_s: float = 0.3
    effect_timeout_s: float = 3.0


@dataclass(frozen=True)
class CommandSpec:
    """One MAV_CMD: seven params; COMMAND_INT when `frame` is set (params 5/6 then lat/lon in
    degrees). `effect(snapshot)` must hold in a heartbeat after the ACK; `wanted_mode` names the
    mode for ModeNotChanged."""

    name: str
    command: int
    params: tuple[float, float, float, float, float, float, float]
    frame: int | None = None
    effect: Callable[[VehicleSnapshot], bool] | None = None
    wanted_mode: int | None = None


class CommandExchange(Exchange):
    """Send one command and wait for its ACK (and effect); the result is the final snapshot."""

    label = "command"

    def __init__(self, spec: CommandSpec, timing: CommandTiming | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.timing = timing or CommandTiming()
        self.confirmation = 0
        self.sends = 0
        self.busy = 0
        self.first_sent_at = 0.0
        self.deadline = 0.0
        self.acked_at: float | None = None
        self.refused: int | None = None

    def start(self, io: LinkIO, now: float) -> None:
        self.first_sent_at = now
        self._send(io, now)

    def _send(self, io: LinkIO, now: float) -> None:
        s, p = self.spec, self.spec.params
        if s.frame is None:
            io.mav.command_long_send(
                io.target_system, io.target_component, s.command, self.confirmation, *p
            )
        else:
            io.mav.command_int_send(
                io.target_system, io.target_component, s.frame, s.command, 0, 0,
                p[0], p[1], p[2], p[3], round(p[4] * 1e7), round(p[5] * 1e7), p[6],
            )  # fmt: skip
        self.sends += 1
        self.deadline = now + self.timing.ack_timeout_s

    def on_message(self, msg: Any, io: LinkIO, now: float) -> None:
        if msg.get_type() != "COMMAND_ACK" or msg.command != self.spec.command:
            return
        if self.acked_at is not None or self.refused is not None:
            return
        if getattr(msg, "target_system", 0) not in (0, io.mav.srcSystem):
            return
        result = msg.result
        if result == ACCEPTED:
            self.acked_at = now
            if self.spec.effect is None:
                self.finish(io.telemetry.snapshot)
            else:
                self.deadline = now + self.timing.effect_timeout_s
        elif result == IN_PROGRESS:
            self.deadline = now + self.timing.in_progress_timeout_s
        elif result == TEMPORARILY_REJECTED:
            self.busy += 1
            if self.busy > self.timing.retries:
                self._refuse(result, now)
            else:
                self.deadline = now + self.timing.busy_retry_s
        else:
            self._refuse(result, now)

    def _refuse(self, result: int, now: float) -> None:
        self.refused = result
        self.deadline = now + self.timing.reason_grace_s

    def poll(self, io: LinkIO, now: float) -> None:
        if self.done:
            return
        if self.acked_at is not None:
            self._check_effect(io, now)
            return
        if now < self.deadline:
            return
        if self.refused is not None:
            reason = _reason(io, self.first_sent_at)
            self.fail(CommandRefused(self.spec.name, self.refused, reason))
        elif self.sends > self.timing.retries + self.busy:
            self.fail(CommandTimeout(self.spec.name, f"no COMMAND_ACK after {self.sends} sends"))
        else:
            self.confirmation = min(self.confirmation + 1, 255)
            self._send(io, now)

    def _check_effect(self, io: LinkIO, now: float) -> None:
        assert self.acked_at is not None and self.spec.effect is not None
        snap = io.telemetry.snapshot
        fresh = snap.last_heartbeat_s is not None and snap.last_heartbeat_s >= self.acked_at
        if fresh and self.spec.effect(snap):
            self.finish(snap)
        elif now >= self.deadline:
            if fresh and self.spec.wanted_mode is not None:
                wanted = COPTER_MODES.get(self.spec.wanted_mode, str(self.spec.wanted_mode))
                self.fail(ModeNotChanged(self.spec.name, wanted, snap.mode_name))
            else:
                self.fail(CommandTimeout(self.spec.name, "accepted but no effect seen"))


def _reason(io: LinkIO, since: float) -> str:
    """The warning-or-worse STATUSTEXT sent after the command, else the latest just before."""
    texts = [t for t in io.telemetry.texts if t.severity <= MAV_SEVERITY_WARNING]
    after = [t for t in texts if t.time_s >= since]
    if after:
        return after[0].text
    before = [t for t in texts if since - t.time_s <= 1.0]
    return before[-1].text if before else ""


class _ParamExchange(Exchange):
    """A parameter request resent every ack_timeout_s until its PARAM_VALUE arrives."""

    def __init__(self, name: str, timing: CommandTiming | None = None) -> None:
        super().__init__()
        if not name or len(name) > 16:
            raise ParameterError(f"parameter name must be 1..16 characters: {name!r}")
        self.name = name
        self.timing = timing or CommandTiming()
        self.sends = 0
        self.deadline = 0.0

    def start(self, io: LinkIO, now: float) -> None:
        self._send(io, now)

    def _send(self, io: LinkIO, now: float) -> None:
        self._request(io)
        self.sends += 1
        self.deadline = now + self.timing.ack_timeout_s

    def _request(self, io: LinkIO) -> None:
        raise NotImplementedError

    def on_message(self, msg: Any, io: LinkIO, now: float) -> None:
        if msg.get_type() == "PARAM_VALUE" and _param_id(msg) == self.name:
            self._answered(float(msg.param_value))

    def _answered(self, value: float) -> None:
        self.finish(value)

    def poll(self, io: LinkIO, now: float) -> None:
        if self.done or now < self.deadline:
            return
        if self.sends > self.timing.retries:
            self.fail(
                ParameterError(f"{self.name}: no PARAM_VALUE after {self.sends} sends "
                               "(the vehicle does not know this parameter)")
            )  # fmt: skip
        else:
            self._send(io, now)


class ParamSet(_ParamExchange):
    """PARAM_SET until the PARAM_VALUE echo arrives; the result is the echoed value."""

    label = "parameter set"

    def __init__(self, name: str, value: float, timing: CommandTiming | None = None) -> None:
        super().__init__(name, timing)
        self.value = value

    def _request(self, io: LinkIO) -> None:
        io.mav.param_set_send(
            io.target_system, io.target_component, self.name.encode(), self.value, 9
        )  # 9 = MAV_PARAM_TYPE_REAL32; ArduPilot converts

    def _answered(self, value: float) -> None:
        if abs(value - self.value) > 1e-6 * max(1.0, abs(self.value)):
            self.fail(ParameterError(f"{self.name}: vehicle kept {value}"))
        else:
            self.finish(value)


class ParamRead(_ParamExchange):
    """PARAM_REQUEST_READ until the PARAM_VALUE arrives; the result is the value."""

    label = "parameter read"

    def _request(self, io: LinkIO) -> None:
        io.mav.param_request_read_send(
            io.target_system, io.target_component, self.name.encode(), -1
        )


def _param_id(msg: Any) -> str:
    pid = msg.param_id
    if isinstance(pid, bytes):
        pid = pid.decode("ascii", "replace")
    return pid.split("\x00", 1)[0]


class CallOnLink(Exchange):
    """Run a function on the link thread (used by tests to block the loop, and by callers who
    need to act between two loop turns). The result is the function's return value."""

    label = "call"

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn

    def start(self, io: LinkIO, now: float) -> None:
        try:
            self.finish(self.fn())
        except Exception as exc:  # handed to the caller
            self.fail(exc)


class MavCmd:
    """MAV_CMD numbers used by the fleet's commands."""

    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    DO_SET_MODE = 176
    DO_CHANGE_SPEED = 178
    DO_REPOSITION = 192
    DO_PAUSE_CONTINUE = 193
    DO_SET_MISSION_CURRENT = 224
    MISSION_START = 300
    COMPONENT_ARM_DISARM = 400


MAV_MODE_FLAG_CUSTOM_MODE_ENABLED = 1
MAV_FRAME_GLOBAL_RELATIVE_ALT_INT = 6
FORCE_DISARM_MAGIC = 21196


def _p(*values: float) -> tuple[float, float, float, float, float, float, float]:
    v = list(values) + [0.0] * (7 - len(values))
    return (v[0], v[1], v[2], v[3], v[4], v[5], v[6])


def arm_spec() -> CommandSpec:
    """Arm; done when a later heartbeat shows armed."""
    return CommandSpec("arm", MavCmd.COMPONENT_ARM_DISARM, _p(1), effect=lambda s: s.armed)


def disarm_spec(force: bool = False) -> CommandSpec:
    """Disarm (force: even in flight); done when a later heartbeat shows disarmed."""
    magic = FORCE_DISARM_MAGIC if force else 0
    return CommandSpec(
        "disarm", MavCmd.COMPONENT_ARM_DISARM, _p(0, magic), effect=lambda s: not s.armed
    )


def mode_spec(name: str, mode: int, command: str = "set mode") -> CommandSpec:
    """DO_SET_MODE with an ArduCopter custom mode; done when the heartbeat shows it."""
    return CommandSpec(
        f"{command} {name}",
        MavCmd.DO_SET_MODE,
        _p(MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, mode),
        effect=lambda s: s.mode_number == mode,
        wanted_mode=mode,
    )


def takeoff_spec(altitude_m: float) -> CommandSpec:
    """NAV_TAKEOFF to altitude_m above home (GUIDED, armed)."""
    return CommandSpec("takeoff", MavCmd.NAV_TAKEOFF, _p(0, 0, 0, 0, 0, 0, altitude_m))


def mission_start_spec(first_seq: int = 0) -> CommandSpec:
    """MISSION_START; done when the heartbeat shows AUTO (mode 3)."""
    return CommandSpec(
        "mission start",
        MavCmd.MISSION_START,
        _p(first_seq, 0),
        effect=lambda s: s.mode_number == 3,
        wanted_mode=3,
    )


def rtl_spec() -> CommandSpec:
    """NAV_RETURN_TO_LAUNCH; done when the heartbeat shows RTL (6)."""
    return CommandSpec(
        "return to launch",
        MavCmd.NAV_RETURN_TO_LAUNCH,
        _p(),
        effect=lambda s: s.mode_number == 6,
        wanted_mode=6,
    )


def land_spec() -> CommandSpec:
    """NAV_LAND here; done when the heartbeat shows LAND (9)."""
    return CommandSpec(
        "land", MavCmd.NAV_LAND, _p(), effect=lambda s: s.mode_number == 9, wanted_mode=9
    )


def goto_spec(
    latitude_deg: float, longitude_deg: float, altitude_m: float, speed_mps: float = -1.0
) -> CommandSpec:
    """DO_REPOSITION (COMMAND_INT, altitude above home); the vehicle must be flying in GUIDED."""
    return CommandSpec(
        "go to",
        MavCmd.DO_REPOSITION,
        _p(speed_mps, 0, 0, float("nan"), latitude_deg, longitude_deg, altitude_m),
        frame=MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
    )


def speed_spec(speed_mps: float) -> CommandSpec:
    """DO_CHANGE_SPEED (ground speed)."""
    return CommandSpec("change speed", MavCmd.DO_CHANGE_SPEED, _p(1, speed_mps, -1))


def pause_spec(pause: bool) -> CommandSpec:
    """DO_PAUSE_CONTINUE: 0 pauses (hold position), 1 continues."""
    return CommandSpec(
        "pause" if pause else "continue", MavCmd.DO_PAUSE_CONTINUE, _p(0 if pause else 1)
    )


def set_current_spec(seq: int) -> CommandSpec:
    """DO_SET_MISSION_CURRENT: fly item seq next."""
    return CommandSpec("set current item", MavCmd.DO_SET_MISSION_CURRENT, _p(seq))
