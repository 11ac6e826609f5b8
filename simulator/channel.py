"""One MAVLink channel of a simulated autopilot, as each serial port is on ArduPilot: its own
encoder (so its own sequence numbers), SRn_* stream rates, per-client parsers and queues; and
the addresses an answer goes back to."""

from __future__ import annotations

import time
from collections import deque
from typing import Any, NamedTuple

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.telemetry import STREAM_GROUPS, StreamSchedule
from simulator.vehicle import Copter

C = mavlink
COMPONENT_ID = C.MAV_COMP_ID_AUTOPILOT1
SIGNING_EPOCH = 1420070400
"""MAVLink 2 signing timestamps count 10 µs units from 2015-01-01 UTC."""


class Reply(NamedTuple):
    """Where an answer goes: a channel and one of its clients."""

    channel: int
    client: Any


class Sender(NamedTuple):
    """Who sent a message: where to answer, and its system/component ids."""

    reply: Reply
    sysid: int
    compid: int


class _Sink:
    """File-like target for pymavlink's encoder: collects packed bytes."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.buf += data


class Channel:
    """One MAVLink channel: encoder (own sequence numbers), stream rates, parsers, queues."""

    def __init__(self, index: int, copter: Copter, signing_key: bytes | None) -> None:
        self.index = index
        self._sink = _Sink()
        self.mav = C.MAVLink(self._sink, srcSystem=copter.sysid, srcComponent=COMPONENT_ID)
        if signing_key is not None:
            self.mav.signing.secret_key = signing_key
            self.mav.signing.sign_outgoing = True
            self.mav.signing.link_id = index
            self.mav.signing.timestamp = int((time.time() - SIGNING_EPOCH) * 1e5)
        self.signing_key = signing_key
        self.schedule = StreamSchedule()
        for gid, (suffix, _) in STREAM_GROUPS.items():
            self.schedule.set_group_rate(gid, copter.params[f"SR{index}_{suffix}"])
        self.parsers: dict[Any, C.MAVLink] = {}
        self.param_queue: deque[tuple[Any, int]] = deque()
        self.listeners = 0
        self.out: list[tuple[Any, bytes]] = []

    def parser(self, client: Any) -> C.MAVLink:
        """The parser of one client (created on first bytes)."""
        parser = self.parsers.get(client)
        if parser is None:
            parser = C.MAVLink(None)
            parser.robust_parsing = True
            if self.signing_key is not None:
                parser.signing.secret_key = self.signing_key  # unsigned frames are rejected
            self.parsers[client] = parser
        return parser
