"""Exchanges driven by hand with injected time: retries, results, typed errors (no sockets)."""

from __future__ import annotations

from typing import Any

import pytest

from command.link import CommandRefused, CommandTimeout, MissionUploadError, ModeNotChanged
from command.link.codec import ingest, new_codec
from command.link.commands import CommandExchange, arm_spec, mode_spec
from command.link.exchange import LinkIO
from command.link.mission_transfer import MissionUpload
from command.link.mission_wire import WireItem
from command.link.telemetry import Telemetry


class _Wire:
    """Both ends of a fake link: what the GCS sent, and a vehicle codec to answer."""

    def __init__(self) -> None:
        self.sent = bytearray()
        self.gcs = new_codec(writer=self)
        self.vehicle_out = bytearray()
        self.vehicle = new_codec(writer=_Append(self.vehicle_out))
        self.vehicle.srcSystem, self.vehicle.srcComponent = 1, 1
        self.telemetry = Telemetry("d1")
        self.telemetry.transport_up = True
        self.io = LinkIO(self.gcs, self.telemetry)

    def write(self, data: bytes) -> None:
        self.sent += data

    def taken(self) -> list[Any]:
        """Messages the GCS sent since the last call."""
        parser = new_codec()
        msgs = parser.parse_buffer(bytes(self.sent)) or []
        self.sent.clear()
        return msgs

    def deliver(self, exchange: Any, now: float) -> None:
        """Hand what the vehicle sent to telemetry and the exchange."""
        msgs = ingest(new_codec(), self.telemetry, bytes(self.vehicle_out), now)
        self.vehicle_out.clear()
        for m in msgs:
            exchange.on_message(m, self.io, now)


class _Append:
    def __init__(self, buf: bytearray) -> None:
        self.buf = buf

    def write(self, data: bytes) -> None:
        self.buf += data


def test_command_resent_with_confirmation_then_times_out() -> None:
    w = _Wire()
    ex = CommandExchange(arm_spec())
    ex.start(w.io, 0.0)
    assert [m.confirmation for m in w.taken()] == [0]
    ex.poll(w.io, 0.9)
    assert w.taken() == []
    for i in range(1, 6):
        ex.poll(w.io, float(i))
        assert [m.confirmation for m in w.taken()] == [i]
    ex.poll(w.io, 6.0)
    with pytest.raises(CommandTimeout):
        ex.future.result(0)


def test_in_progress_waits_busy_retries_denied_carries_reason() -> None:
    w = _Wire()
    ex = CommandExchange(arm_spec())
    ex.start(w.io, 0.0)
    w.taken()
    w.vehicle.command_ack_send(400, 5, 0, 0, 255, 190)  # IN_PROGRESS
    w.deliver(ex, 0.5)
    ex.poll(w.io, 3.0)
    assert w.taken() == []  # still waiting, no resend
    w.vehicle.command_ack_send(400, 1, 0, 0, 255, 190)  # TEMPORARILY_REJECTED
    w.deliver(ex, 3.1)
    ex.poll(w.io, 4.2)
    assert len(w.taken()) == 1  # retried later
    w.vehicle.command_ack_send(400, 4, 0, 0, 255, 190)  # FAILED
    w.vehicle.statustext_send(2, b"PreArm: Need Position Estimate")
    w.deliver(ex, 4.3)
    ex.poll(w.io, 4.4)
    assert not ex.done  # waiting briefly for the reason
    ex.poll(w.io, 4.7)
    with pytest.raises(CommandRefused) as err:
        ex.future.result(0)
    assert (err.value.result, err.value.reason) == (4, "PreArm: Need Position Estimate")


def test_mode_acked_but_not_changed() -> None:
    w = _Wire()
    ex = CommandExchange(mode_spec("GUIDED", 4))
    ex.start(w.io, 0.0)
    w.vehicle.command_ack_send(176, 0, 0, 0, 255, 190)
    w.deliver(ex, 0.1)
    w.vehicle.heartbeat_send(2, 3, 1, 0, 3, 3)  # still STABILIZE
    w.deliver(ex, 0.5)
    ex.poll(w.io, 0.6)
    assert not ex.done
    ex.poll(w.io, 3.2)
    with pytest.raises(ModeNotChanged) as err:
        ex.future.result(0)
    assert (err.value.wanted, err.value.actual) == ("GUIDED", "STABILIZE")


def _items(n: int) -> list[WireItem]:
    return [WireItem(i, 3, 16, x=330000000 + i, y=1190000000, z=20.0) for i in range(n)]


def test_upload_answers_legacy_request_and_error_ack_is_final() -> None:
    w = _Wire()
    ex = MissionUpload(_items(3), 0)
    ex.start(w.io, 0.0)
    assert [m.get_type() for m in w.taken()] == ["MISSION_COUNT"]
    w.vehicle.mission_request_send(255, 190, 0, 0)  # legacy MISSION_REQUEST, as ArduPilot
    w.deliver(ex, 0.1)
    (item,) = w.taken()
    assert item.get_type() == "MISSION_ITEM_INT" and item.seq == 0 and item.x == 330000000
    w.vehicle.mission_request_int_send(255, 190, 1, 0)
    w.deliver(ex, 0.2)
    w.taken()
    w.vehicle.mission_ack_send(255, 190, 3, 0)  # UNSUPPORTED
    w.deliver(ex, 0.3)
    with pytest.raises(MissionUploadError) as err:
        ex.future.result(0)
    assert (err.value.result, err.value.mission_type, err.value.seq) == (3, 0, 1)


def test_upload_resends_then_cancels_after_retries() -> None:
    w = _Wire()
    ex = MissionUpload(_items(2), 0)
    ex.start(w.io, 0.0)
    w.taken()
    t = 0.0
    while not ex.done and t < 20:
        t += 0.25
        ex.poll(w.io, t)
    sent = [m.get_type() for m in w.taken()]
    assert sent.count("MISSION_COUNT") >= 5 and sent[-1] == "MISSION_ACK"
    assert 7.5 <= t <= 9.5
    with pytest.raises(MissionUploadError) as err:
        ex.future.result(0)
    assert err.value.result == 15  # OPERATION_CANCELLED


def test_upload_ignores_duplicate_requests() -> None:
    w = _Wire()
    ex = MissionUpload(_items(3), 0)
    ex.start(w.io, 0.0)
    w.taken()
    for _ in range(3):
        w.vehicle.mission_request_int_send(255, 190, 0, 0)
    w.deliver(ex, 0.1)
    assert len(w.taken()) == 1
