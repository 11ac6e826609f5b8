"""The ground side of the MAVLink mission protocol for mission, fence and rally lists.

Upload: MISSION_COUNT → (MISSION_REQUEST_INT or legacy MISSION_REQUEST)* → MISSION_ITEM_INT →
MISSION_ACK. Download: MISSION_REQUEST_LIST → MISSION_COUNT → (MISSION_REQUEST_INT →
MISSION_ITEM_INT)* → MISSION_ACK. An error ACK is final.

Timing (TransferTiming): the last message is re-sent when nothing came back within the item
timeout — 4 × the smoothed round-trip time measured during the transfer, kept between
`min_item_timeout_s` and `item_timeout_s` (0.25 s); each `timeout_s` (1.5 s) without progress
counts as one retry, and after `retries` (5) of those the transfer is cancelled. Short resends
keep 200-item transfers alive on a lossy radio; the 1.5 s × 5 budget is the protocol's. A
duplicate request arriving within ~2 round trips (at most `dup_guard_s`) of answering the same
item is ignored, so a resend cannot double the traffic for the rest of the transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from command.link.errors import MissionDownloadError, MissionUploadError
from command.link.exchange import Exchange, LinkIO
from command.link.mission_wire import WireItem

MAV_MISSION_ACCEPTED = 0
MAV_MISSION_OPERATION_CANCELLED = 15


@dataclass(frozen=True)
class TransferTiming:
    """Mission protocol timing, seconds."""

    item_timeout_s: float = 0.25
    min_item_timeout_s: float = 0.04
    timeout_s: float = 1.5
    retries: int = 5
    dup_guard_s: float = 0.05


class _Transfer(Exchange):
    def __init__(self, mission_type: int, timing: TransferTiming) -> None:
        super().__init__()
        self.mission_type = mission_type
        self.timing = timing
        self.progress_at = 0.0
        self.resend_at = 0.0
        self.retries = 0
        self.resends = 0
        self._resends_at_ask = 0
        self.srtt_s: float | None = None
        self.asked_at = 0.0  # when the message now awaiting an answer was first sent

    def item_timeout(self) -> float:
        """Resend after this long without an answer: 4 round trips, within the configured
        bounds (the upper bound until a round trip has been measured)."""
        t = self.timing
        if self.srtt_s is None:
            return t.item_timeout_s
        return min(t.item_timeout_s, max(t.min_item_timeout_s, 4.0 * self.srtt_s))

    def dup_guard(self) -> float:
        """Requests for the item just answered within this long are duplicates."""
        rtt = self.srtt_s if self.srtt_s is not None else self.timing.dup_guard_s
        return min(self.timing.dup_guard_s, 2.0 * rtt + 0.005)

    def _progress(self, now: float, measure: bool = True) -> None:
        rtt = now - self.asked_at
        if measure and self.resends == self._resends_at_ask and rtt < self.item_timeout():
            # only clean exchanges are measured: no resend, answered before the timeout
            self.srtt_s = rtt if self.srtt_s is None else 0.875 * self.srtt_s + 0.125 * rtt
        self.progress_at = now
        self.asked_at = now
        self._resends_at_ask = self.resends
        self.resend_at = now + self.item_timeout()
        self.retries = 0

    def _mine(self, msg: Any, io: LinkIO) -> bool:
        return io.for_us(msg) and getattr(msg, "mission_type", 0) == self.mission_type

    def poll(self, io: LinkIO, now: float) -> None:
        if self.done or now < self.resend_at:
            return
        if now - self.progress_at >= self.timing.timeout_s * (self.retries + 1):
            self.retries += 1
            if self.retries > self.timing.retries:
                io.mav.mission_ack_send(
                    io.target_system,
                    io.target_component,
                    MAV_MISSION_OPERATION_CANCELLED,
                    self.mission_type,
                )
                self._give_up()
                return
        self.resends += 1
        self.resend_at = now + self.item_timeout()
        self._resend(io)

    def _resend(self, io: LinkIO) -> None:
        raise NotImplementedError

    def _give_up(self) -> None:
        raise NotImplementedError


class MissionUpload(_Transfer):
    """Upload one list; the result is the number of items the vehicle accepted."""

    label = "mission upload"

    def __init__(
        self, items: list[WireItem], mission_type: int, timing: TransferTiming | None = None
    ) -> None:
        super().__init__(mission_type, timing or TransferTiming())
        self.items = items
        self.last_seq: int | None = None  # last item sent (None: MISSION_COUNT stage)
        self.sent_at = 0.0
        self.highest_sent = -1

    def start(self, io: LinkIO, now: float) -> None:
        self._progress(now, measure=False)
        self._resend(io)

    def _resend(self, io: LinkIO) -> None:
        if self.last_seq is None:
            io.mav.mission_count_send(
                io.target_system, io.target_component, len(self.items), self.mission_type
            )
        else:
            self._send_item(io, self.last_seq)

    def _send_item(self, io: LinkIO, seq: int) -> None:
        i = self.items[seq]
        io.mav.mission_item_int_send(
            io.target_system, io.target_component, seq, i.frame, i.command, 0, i.autocontinue,
            i.param1, i.param2, i.param3, i.param4, i.x, i.y, i.z, self.mission_type,
        )  # fmt: skip

    def on_message(self, msg: Any, io: LinkIO, now: float) -> None:
        kind = msg.get_type()
        if kind in ("MISSION_REQUEST_INT", "MISSION_REQUEST") and self._mine(msg, io):
            seq = msg.seq
            if not 0 <= seq < len(self.items):
                return
            if seq == self.last_seq and now - self.sent_at < self.dup_guard():
                return  # the answer to a duplicate request is already on its way
            self.last_seq, self.sent_at = seq, now
            self.highest_sent = max(self.highest_sent, seq)
            self._progress(now)
            self._send_item(io, seq)
        elif kind == "MISSION_ACK" and self._mine(msg, io):
            if msg.type != MAV_MISSION_ACCEPTED:
                self.fail(
                    MissionUploadError(
                        msg.type, self.mission_type, self.last_seq, "vehicle refused"
                    )
                )
            elif not self.items or self.highest_sent == len(self.items) - 1:
                self.finish(len(self.items))
            # an ACCEPTED before the last item is a late echo of an earlier upload: ignore

    def _give_up(self) -> None:
        self.fail(
            MissionUploadError(
                MAV_MISSION_OPERATION_CANCELLED,
                self.mission_type,
                self.last_seq,
                f"no answer after {self.timing.retries} retries",
            )
        )


class MissionDownload(_Transfer):
    """Read one list back; the result is the list of WireItems."""

    label = "mission download"

    def __init__(self, mission_type: int, timing: TransferTiming | None = None) -> None:
        super().__init__(mission_type, timing or TransferTiming())
        self.count: int | None = None
        self.got: list[WireItem] = []

    def start(self, io: LinkIO, now: float) -> None:
        self._progress(now, measure=False)
        self._resend(io)

    def _resend(self, io: LinkIO) -> None:
        if self.count is None:
            io.mav.mission_request_list_send(
                io.target_system, io.target_component, self.mission_type
            )
        else:
            io.mav.mission_request_int_send(
                io.target_system, io.target_component, len(self.got), self.mission_type
            )

    def on_message(self, msg: Any, io: LinkIO, now: float) -> None:
        kind = msg.get_type()
        if kind == "MISSION_COUNT" and self._mine(msg, io) and self.count is None:
            self.count = msg.count
            self._progress(now)
            self._next(io)
        elif kind == "MISSION_ITEM_INT" and self._mine(msg, io) and self.count is not None:
            if msg.seq != len(self.got):
                return
            self.got.append(WireItem.from_message(msg))
            self._progress(now)
            self._next(io)
        elif kind == "MISSION_ACK" and self._mine(msg, io) and msg.type != MAV_MISSION_ACCEPTED:
            self.fail(
                MissionDownloadError(msg.type, self.mission_type, len(self.got), "vehicle refused")
            )

    def _next(self, io: LinkIO) -> None:
        assert self.count is not None
        if len(self.got) < self.count:
            self._resend(io)
            return
        io.mav.mission_ack_send(
            io.target_system, io.target_component, MAV_MISSION_ACCEPTED, self.mission_type
        )
        self.finish(list(self.got))

    def _give_up(self) -> None:
        self.fail(
            MissionDownloadError(
                MAV_MISSION_OPERATION_CANCELLED,
                self.mission_type,
                len(self.got) if self.count is not None else None,
                f"no answer after {self.timing.retries} retries",
            )
        )
