"""The vehicle side of the MAVLink mission protocol: upload, download, clear and set-current for
mission, fence and rally lists, with ArduPilot's requests, timeouts and MISSION_ACK results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.mission import (
    MAX_ITEMS,
    MISSION,
    MISSION_TYPES,
    Item,
    store_item,
    validate_list,
    wire_of,
)
from simulator.mission_storage import legacy_xy

if TYPE_CHECKING:
    from simulator.channel import Reply, Sender
    from simulator.vehicle import Copter

C = mavlink
REQUEST_RETRY_S = 1.5
"""Re-request the expected item after this long without it (simulated seconds)."""
UPLOAD_TIMEOUT_S = 8.0
"""Cancel an upload that makes no progress for this long."""


@dataclass
class _Upload:
    sender: Sender
    mission_type: int
    count: int
    items: list[Item] = field(default_factory=list)
    last_progress: float = 0.0
    last_request: float = 0.0


class MissionProtocol:
    """Serves mission transfers for one copter; replies through send(msg, reply) to the sender."""

    def __init__(
        self, copter: Copter, mav: C.MAVLink, send: Callable[[Any, Reply | None], None]
    ) -> None:
        self.copter = copter
        self.mav = mav
        self.send = send
        self.upload: _Upload | None = None
        self._finished: tuple[Sender, int, int, float] | None = None

    def _ack(self, sender: Sender, result: int, mission_type: int) -> None:
        ack = self.mav.mission_ack_encode(sender.sysid, sender.compid, result, mission_type)
        self.send(ack, sender.reply)

    def _request(self, up: _Upload, t: float) -> None:
        seq = len(up.items)
        up.last_request = t
        s = up.sender
        self.send(self.mav.mission_request_encode(s.sysid, s.compid, seq, up.mission_type), s.reply)

    # --- upload ------------------------------------------------------------------------------
    def on_count(self, sender: Sender, msg: Any, t: float) -> None:
        """MISSION_COUNT starts an upload."""
        mtype = getattr(msg, "mission_type", MISSION)
        if mtype not in MISSION_TYPES:
            self._ack(sender, C.MAV_MISSION_UNSUPPORTED, mtype)
            return
        if (
            self.upload is not None
            and self.upload.sender != sender
            and t - self.upload.last_progress < UPLOAD_TIMEOUT_S
        ):
            self._ack(sender, C.MAV_MISSION_DENIED, mtype)
            return
        limit = MAX_ITEMS[mtype] + (1 if mtype == MISSION else 0)
        if msg.count > limit:
            self.upload = None
            self._ack(sender, C.MAV_MISSION_NO_SPACE, mtype)
            return
        if msg.count == 0:
            self.upload = None
            self.copter.store_list(mtype, [])
            self._ack(sender, C.MAV_MISSION_ACCEPTED, mtype)
            return
        self.upload = _Upload(sender, mtype, msg.count, last_progress=t)
        self._request(self.upload, t)

    def on_item(self, sender: Sender, msg: Any, t: float) -> None:
        """MISSION_ITEM_INT or MISSION_ITEM during an upload."""
        mtype = getattr(msg, "mission_type", MISSION)
        up = self.upload
        if up is None or up.sender != sender or up.mission_type != mtype:
            done = self._finished
            if (
                done
                and done[0] == sender
                and done[1] == mtype
                and msg.seq == done[2] - 1
                and t - done[3] < UPLOAD_TIMEOUT_S
            ):
                self._ack(sender, C.MAV_MISSION_ACCEPTED, mtype)  # our ACK was lost: say it again
            else:
                self._ack(sender, C.MAV_MISSION_ERROR, mtype)
            return
        expected = len(up.items)
        if msg.seq < expected:
            self._request(up, t)  # a resend of an item we have: ask again for the next one
            return
        if msg.seq != expected or msg.seq >= up.count:
            self._ack(sender, C.MAV_MISSION_INVALID_SEQUENCE, mtype)
            return
        result, item = store_item(msg.seq, wire_of(msg), mtype)
        if item is None:
            self.upload = None
            self._ack(sender, result, mtype)
            return
        up.items.append(item)
        up.last_progress = t
        if len(up.items) < up.count:
            self._request(up, t)
            return
        self.upload = None
        result = validate_list(up.items, mtype)
        if result == C.MAV_MISSION_ACCEPTED:
            self.copter.store_list(mtype, up.items)
            self._finished = (sender, mtype, up.count, t)
        self._ack(sender, result, mtype)

    def tick(self, t: float) -> None:
        """Re-request a missing item, or cancel a stalled upload."""
        up = self.upload
        if up is None:
            return
        if t - up.last_progress > UPLOAD_TIMEOUT_S:
            self.upload = None
            self._ack(up.sender, C.MAV_MISSION_OPERATION_CANCELLED, up.mission_type)
        elif t - up.last_request > REQUEST_RETRY_S:
            self._request(up, t)

    # --- download, clear ---------------------------------------------------------------------
    def on_request_list(self, sender: Sender, msg: Any) -> None:
        """MISSION_REQUEST_LIST → MISSION_COUNT."""
        mtype = getattr(msg, "mission_type", MISSION)
        if mtype not in MISSION_TYPES:
            self._ack(sender, C.MAV_MISSION_UNSUPPORTED, mtype)
            return
        count = self.copter.missions.count(mtype)
        self.send(
            self.mav.mission_count_encode(sender.sysid, sender.compid, count, mtype), sender.reply
        )

    def on_request(self, sender: Sender, msg: Any) -> None:
        """MISSION_REQUEST_INT → MISSION_ITEM_INT; legacy MISSION_REQUEST → MISSION_ITEM."""
        mtype = getattr(msg, "mission_type", MISSION)
        if mtype not in MISSION_TYPES:
            self._ack(sender, C.MAV_MISSION_UNSUPPORTED, mtype)
            return
        c = self.copter
        item = c.missions.item(mtype, msg.seq, c.home_item())
        if item is None:
            self._ack(sender, C.MAV_MISSION_INVALID_SEQUENCE, mtype)
            return
        current = 1 if mtype == MISSION and item.seq == c.auto.current_seq and item.seq else 0
        if msg.get_type() == "MISSION_REQUEST_INT":  # degE7 integers, as stored
            encode, x, y = self.mav.mission_item_int_encode, item.x, item.y
        elif mtype == MISSION:  # legacy MISSION_ITEM: float32 degrees, as ArduPilot converts
            encode, (x, y) = self.mav.mission_item_encode, legacy_xy(item.command, item.x, item.y)
        else:
            encode, x, y = self.mav.mission_item_encode, item.x * 1e-7, item.y * 1e-7
        out = encode(
            sender.sysid, sender.compid, item.seq, item.frame, item.command, current,
            item.autocontinue, item.param1, item.param2, item.param3, item.param4, x, y, item.z,
            mtype,
        )  # fmt: skip
        self.send(out, sender.reply)

    def on_clear_all(self, sender: Sender, msg: Any) -> None:
        """MISSION_CLEAR_ALL (one type, or all three)."""
        mtype = getattr(msg, "mission_type", MISSION)
        if mtype not in (*MISSION_TYPES, C.MAV_MISSION_TYPE_ALL):
            self._ack(sender, C.MAV_MISSION_UNSUPPORTED, mtype)
            return
        for t in MISSION_TYPES if mtype == C.MAV_MISSION_TYPE_ALL else (mtype,):
            self.copter.store_list(t, [])
        self._ack(sender, C.MAV_MISSION_ACCEPTED, mtype)
