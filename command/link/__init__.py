"""Fleet link: the one adapter that speaks MAVLink (pymavlink) to the vehicles.

Everything else sees typed values (VehicleSnapshot, TrackPoint, PayloadSample) and typed errors
(MissionUploadError, CommandRefused, ...). See docs/link.md.

Names are loaded on first use: the snapshot types, the closed sets and the errors come without
the MAVLink codec (a console or a test may read snapshots without loading pymavlink); `Fleet`,
`VehicleLink` and the codec load it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from command.link.address import Endpoint, parse_connection_string
    from command.link.commands import CommandSpec, CommandTiming
    from command.link.errors import (
        CommandError,
        CommandRefused,
        CommandTimeout,
        ConnectionStringError,
        LinkClosed,
        LinkDown,
        LinkError,
        MavResult,
        MissionDownloadError,
        MissionResult,
        MissionTransferError,
        MissionUploadError,
        MissionVerifyError,
        ModeNotChanged,
        NoHeartbeat,
        ParameterError,
        TransportUnavailable,
        UnknownVehicle,
    )
    from command.link.fleet import Fleet, UploadReport
    from command.link.link_events import LinkEvents, failsafe_kind
    from command.link.mission_transfer import TransferTiming
    from command.link.mission_wire import FENCE, MISSION, RALLY, WireItem
    from command.link.readback import first_difference
    from command.link.signing import SigningKey, SigningKeyError
    from command.link.snapshot import (
        COPTER_MODES,
        FlightMode,
        GpsFix,
        LinkState,
        MissionState,
        PayloadSample,
        StatusText,
        TrackPoint,
        VehicleSnapshot,
        announces_failsafe,
        gps_fix_label,
    )
    from command.link.vehicle_link import VehicleLink

_WHERE = {
    "address": ("Endpoint", "parse_connection_string"),
    "commands": ("CommandSpec", "CommandTiming"),
    "errors": (
        "CommandError",
        "CommandRefused",
        "CommandTimeout",
        "ConnectionStringError",
        "LinkClosed",
        "LinkDown",
        "LinkError",
        "MavResult",
        "MissionDownloadError",
        "MissionResult",
        "MissionTransferError",
        "MissionUploadError",
        "MissionVerifyError",
        "ModeNotChanged",
        "NoHeartbeat",
        "ParameterError",
        "TransportUnavailable",
        "UnknownVehicle",
    ),
    "fleet": ("Fleet", "UploadReport"),
    "link_events": ("LinkEvents", "failsafe_kind"),
    "mission_transfer": ("TransferTiming",),
    "mission_wire": ("FENCE", "MISSION", "RALLY", "WireItem"),
    "readback": ("first_difference",),
    "signing": ("SigningKey", "SigningKeyError"),
    "snapshot": (
        "COPTER_MODES",
        "FlightMode",
        "GpsFix",
        "LinkState",
        "MissionState",
        "PayloadSample",
        "StatusText",
        "TrackPoint",
        "VehicleSnapshot",
        "announces_failsafe",
        "gps_fix_label",
    ),
    "vehicle_link": ("VehicleLink",),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "COPTER_MODES",
    "FENCE",
    "MISSION",
    "RALLY",
    "CommandError",
    "CommandRefused",
    "CommandSpec",
    "CommandTimeout",
    "CommandTiming",
    "ConnectionStringError",
    "Endpoint",
    "Fleet",
    "FlightMode",
    "GpsFix",
    "LinkClosed",
    "LinkDown",
    "LinkError",
    "LinkEvents",
    "LinkState",
    "MavResult",
    "MissionDownloadError",
    "MissionResult",
    "MissionState",
    "MissionTransferError",
    "MissionUploadError",
    "MissionVerifyError",
    "ModeNotChanged",
    "NoHeartbeat",
    "ParameterError",
    "PayloadSample",
    "SigningKey",
    "SigningKeyError",
    "StatusText",
    "TrackPoint",
    "TransferTiming",
    "TransportUnavailable",
    "UnknownVehicle",
    "UploadReport",
    "VehicleLink",
    "VehicleSnapshot",
    "WireItem",
    "announces_failsafe",
    "failsafe_kind",
    "first_difference",
    "gps_fix_label",
    "parse_connection_string",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'command.link' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"command.link.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
