"""Exchanges: request/response state machines (mission transfer, commands, parameters) that the
link loop drives on its own thread. Time comes in as `now`; nothing here reads a clock or sleeps.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from command.link.telemetry import Telemetry


@dataclass
class LinkIO:
    """What an exchange may use: the encoder (sends go straight to the transport), the
    vehicle's ids, and its telemetry (snapshot, recent STATUSTEXTs)."""

    mav: Any
    telemetry: Telemetry
    target_component: int = 1

    @property
    def target_system(self) -> int:
        """The vehicle's system id (known once its first heartbeat arrived)."""
        return self.telemetry.system_id or 1

    def for_us(self, msg: Any) -> bool:
        """True when a message is addressed to us (or broadcast)."""
        target = getattr(msg, "target_system", 0)
        return target in (0, self.mav.srcSystem)


class Exchange:
    """Base: subclasses send in start(), react in on_message(), handle timeouts in poll()."""

    label = "exchange"

    def __init__(self) -> None:
        self.future: Future[Any] = Future()

    @property
    def done(self) -> bool:
        """True once finished or failed."""
        return self.future.done()

    def start(self, io: LinkIO, now: float) -> None:
        """Send the first message."""
        raise NotImplementedError

    def on_message(self, msg: Any, io: LinkIO, now: float) -> None:
        """A message from the vehicle arrived."""

    def poll(self, io: LinkIO, now: float) -> None:
        """Called every loop turn: resend or give up when a deadline passed."""

    def finish(self, result: Any = None) -> None:
        """Complete with a result."""
        if not self.future.done():
            self.future.set_result(result)

    def fail(self, error: BaseException) -> None:
        """Complete with an error."""
        if not self.future.done():
            self.future.set_exception(error)
