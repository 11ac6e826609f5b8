"""Typed errors of the fleet link: what went wrong, with the vehicle's own result codes."""

from __future__ import annotations

from enum import IntEnum


class MavResult(IntEnum):
    """MAV_RESULT: how a vehicle answered a command (COMMAND_ACK.result)."""

    ACCEPTED = 0
    TEMPORARILY_REJECTED = 1
    DENIED = 2
    UNSUPPORTED = 3
    FAILED = 4
    IN_PROGRESS = 5
    CANCELLED = 6


class MissionResult(IntEnum):
    """MAV_MISSION_RESULT: how a vehicle answered a mission transfer (MISSION_ACK.type)."""

    ACCEPTED = 0
    ERROR = 1
    UNSUPPORTED_FRAME = 2
    UNSUPPORTED = 3
    NO_SPACE = 4
    INVALID = 5
    INVALID_PARAM1 = 6
    INVALID_PARAM2 = 7
    INVALID_PARAM3 = 8
    INVALID_PARAM4 = 9
    INVALID_PARAM5_X = 10
    INVALID_PARAM6_Y = 11
    INVALID_PARAM7 = 12
    INVALID_SEQUENCE = 13
    DENIED = 14
    OPERATION_CANCELLED = 15


def _named(enum: type[IntEnum], value: int) -> IntEnum | int:
    """The member for a reported number, or the number itself when outside the set."""
    try:
        return enum(value)
    except ValueError:
        return value


class LinkError(Exception):
    """Base of every error raised by command.link."""


class ConnectionStringError(LinkError, ValueError):
    """A connection string that is unknown or malformed (raised before any I/O)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"bad connection string {url!r}: {reason}")
        self.url = url
        self.reason = reason


class TransportUnavailable(LinkError):
    """The transport cannot be opened on this machine (e.g. pyserial missing for serial links)."""


class UnknownVehicle(LinkError, KeyError):
    """No link of that name in the fleet."""

    def __str__(self) -> str:
        return f"no vehicle named {self.args[0]!r}"


class LinkDown(LinkError):
    """The request needs a live link (state OK) and the vehicle's link is not."""

    def __init__(self, name: str, state: str) -> None:
        super().__init__(f"vehicle {name!r}: link is {state}")
        self.name = name
        self.state = state


class NoHeartbeat(LinkError):
    """No heartbeat came from the vehicle in time; `hint` says what may be wrong."""

    def __init__(self, name: str, endpoint: str, waited_s: float, hint: str) -> None:
        super().__init__(f"{name}: no heartbeat within {waited_s:.0f} s on {endpoint}: {hint}")
        self.name = name
        self.endpoint = endpoint
        self.waited_s = waited_s
        self.hint = hint


class LinkClosed(LinkError):
    """The link was closed while the request was pending."""


class MissionTransferError(LinkError):
    """A mission/fence/rally transfer failed; `result` is the MAV_MISSION_RESULT."""

    def __init__(self, result: int, mission_type: int, seq: int | None, reason: str) -> None:
        named = _named(MissionResult, result)
        shown = named.name if isinstance(named, MissionResult) else named
        super().__init__(
            f"{_MISSION_TYPES.get(mission_type, mission_type)} transfer failed at item {seq}: "
            f"{shown} ({reason})"
        )
        self.result = named
        self.mission_type = mission_type
        self.seq = seq
        self.reason = reason


class MissionUploadError(MissionTransferError):
    """The vehicle refused the upload or it timed out; the upload does not count as done."""


class MissionDownloadError(MissionTransferError):
    """Reading a list back from the vehicle failed."""


class MissionVerifyError(MissionTransferError):
    """The list read back differs from the one uploaded (`seq` is the first differing item)."""


class CommandError(LinkError):
    """A COMMAND_LONG/COMMAND_INT did not have its effect."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"{command}: {message}")
        self.command = command


class CommandRefused(CommandError):
    """The vehicle answered with a final MAV_RESULT other than ACCEPTED; `reason` is the
    STATUSTEXT it sent around the refusal ("" if none)."""

    def __init__(self, command: str, result: int, reason: str) -> None:
        named = _named(MavResult, result)
        text = f"refused ({named.name if isinstance(named, MavResult) else named})"
        super().__init__(command, f"{text}: {reason}" if reason else text)
        self.result = named
        self.reason = reason


class CommandTimeout(CommandError):
    """No COMMAND_ACK after all retries (or the expected state never showed)."""


class ModeNotChanged(CommandError):
    """The vehicle acknowledged a mode change but its heartbeat still shows another mode."""

    def __init__(self, command: str, wanted: str, actual: str) -> None:
        super().__init__(command, f"mode is {actual}, wanted {wanted}")
        self.wanted = wanted
        self.actual = actual


class ParameterError(LinkError):
    """A parameter could not be set (no echo, or the echo differs)."""


_MISSION_TYPES = {0: "mission", 1: "fence", 2: "rally"}
