"""The one place pymavlink is imported: the MAVLink 2 codec (ArduPilot dialect), signing, and
the ingest step shared by the link loop and the benchmark (bytes → messages → telemetry)."""

from __future__ import annotations

import time
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from command.link.signing import SigningKey
from command.link.telemetry import Telemetry

GCS_SYSTEM_ID = 255
GCS_COMPONENT_ID = 190  # MAV_COMP_ID_MISSIONPLANNER
SIGNING_EPOCH_UNIX_S = 1420070400  # 2015-01-01 UTC
MAV_TYPE_GCS = mavlink2.MAV_TYPE_GCS
MAV_AUTOPILOT_INVALID = mavlink2.MAV_AUTOPILOT_INVALID
MAV_DATA_STREAM_ALL = mavlink2.MAV_DATA_STREAM_ALL
MAV_CMD_REQUEST_MESSAGE = mavlink2.MAV_CMD_REQUEST_MESSAGE
MSG_ID_HOME_POSITION = mavlink2.MAVLINK_MSG_ID_HOME_POSITION
MSG_ID_AUTOPILOT_VERSION = mavlink2.MAVLINK_MSG_ID_AUTOPILOT_VERSION


class _Writer:
    """File-like sink the encoder writes packed frames to; forwards to the current transport."""

    def __init__(self) -> None:
        self.target: Any = None

    def write(self, data: bytes) -> None:
        if self.target is not None:
            self.target.write(data)


def new_codec(signing_key: SigningKey | None = None, link_id: int = 0, writer: Any = None) -> Any:
    """A MAVLink 2 encoder/parser speaking as our GCS (sysid 255), optionally signing."""
    mav = mavlink2.MAVLink(writer, srcSystem=GCS_SYSTEM_ID, srcComponent=GCS_COMPONENT_ID)
    mav.robust_parsing = True
    if signing_key is not None:
        mav.signing.secret_key = signing_key.secret
        mav.signing.sign_outgoing = True
        mav.signing.link_id = link_id
        mav.signing.timestamp = int((time.time() - SIGNING_EPOCH_UNIX_S) * 1e5)
    return mav


def ingest(mav: Any, telemetry: Telemetry, data: bytes, now: float) -> list[Any]:
    """Parse bytes, apply every good message to the telemetry, publish one snapshot; returns the
    messages from our vehicle (for the exchanges)."""
    msgs = mav.parse_buffer(data)
    if not msgs:
        telemetry.publish(now)
        return []
    out = []
    apply = telemetry.apply
    for msg in msgs:
        if msg._type != "BAD_DATA" and apply(msg, now):
            out.append(msg)
    telemetry.publish(now)
    return out


def send_heartbeat(mav: Any) -> None:
    """Our GCS heartbeat."""
    mav.heartbeat_send(MAV_TYPE_GCS, MAV_AUTOPILOT_INVALID, 0, 0, 0)


def request_streams(mav: Any, target_system: int, rate_hz: int) -> None:
    """REQUEST_DATA_STREAM for every group at rate_hz."""
    mav.request_data_stream_send(target_system, 1, MAV_DATA_STREAM_ALL, rate_hz, 1)


def request_home(mav: Any, target_system: int) -> None:
    """REQUEST_MESSAGE(HOME_POSITION), fire and forget (the answer updates the snapshot)."""
    request_message(mav, target_system, MSG_ID_HOME_POSITION)


def request_version(mav: Any, target_system: int) -> None:
    """REQUEST_MESSAGE(AUTOPILOT_VERSION): the firmware version (parameter names depend on it)."""
    request_message(mav, target_system, MSG_ID_AUTOPILOT_VERSION)


def request_message(mav: Any, target_system: int, msg_id: int) -> None:
    """REQUEST_MESSAGE, fire and forget."""
    mav.command_long_send(target_system, 1, MAV_CMD_REQUEST_MESSAGE, 0, msg_id, 0, 0, 0, 0, 0, 0)
