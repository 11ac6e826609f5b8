"""Fleet link: the one adapter that speaks MAVLink (pymavlink) to the vehicles.

Everything else sees typed values (VehicleSnapshot, TrackPoint, PayloadSample) and typed errors
(MissionUploadError, CommandRefused, ...). See docs/link.md.
"""

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
    MissionDownloadError,
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
from command.link.mission_transfer import TransferTiming
from command.link.mission_wire import FENCE, MISSION, RALLY, WireItem
from command.link.readback import first_difference
from command.link.signing import SigningKey, SigningKeyError
from command.link.snapshot import (
    COPTER_MODES,
    GpsFix,
    LinkState,
    PayloadSample,
    StatusText,
    TrackPoint,
    VehicleSnapshot,
    announces_failsafe,
    gps_fix_label,
)
from command.link.vehicle_link import VehicleLink

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
    "GpsFix",
    "LinkClosed",
    "LinkDown",
    "LinkError",
    "LinkState",
    "MissionDownloadError",
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
    "first_difference",
    "gps_fix_label",
    "parse_connection_string",
]
