"""The edge that reads the real clock: a thread that waits (Event.wait, no sleep loop) until the
next patrol is due or a schedule changes, then calls `advance(now)` and the queue's `pick(now)`
— the same calls the tests make with injected times."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from .queue import DispatchQueue
from .scheduler import PatrolScheduler

_log = logging.getLogger("command.patrols")


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


class PatrolClock:
    """Runs the scheduler (and the queue) by the real clock on a thread of its own. With
    `patrols=False` no scheduled patrol comes due (the scheduler is not running), but the queue
    still gets its rounds: quick responses and re-queued work are picked as they come."""

    def __init__(
        self,
        scheduler: PatrolScheduler,
        queue: DispatchQueue | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        recheck_s: float = 60.0,
        patrols: bool = True,
    ) -> None:
        if recheck_s <= 0:
            raise ValueError("recheck_s must be positive")
        self.scheduler = scheduler
        self.queue = queue
        self.clock = clock
        self.recheck_s = recheck_s
        self.patrols = patrols
        self.rounds = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            raise RuntimeError("the patrol clock is already started")
        self._thread = threading.Thread(target=self._serve, name="patrol-clock", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Run a round now (a drone landed, the wind dropped, a task was added)."""
        self.scheduler.wake.set()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the thread; a round under way finishes first."""
        self._stop.set()
        self.scheduler.wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _serve(self) -> None:
        while not self._stop.is_set():
            self.scheduler.wake.clear()
            now = self.clock()
            try:
                if self.patrols:
                    self.scheduler.advance(now)
                if self.queue is not None:
                    self.queue.pick(now)
            except Exception:  # a failing round must not stop the patrols for good
                _log.exception("patrol round at %s failed", now.isoformat())
            self.rounds += 1
            self.scheduler.wake.wait(self._wait_s())

    def _wait_s(self) -> float:
        due = self.scheduler.next_due() if self.patrols else None
        if due is None:
            return self.recheck_s
        return min(self.recheck_s, max(0.0, (due - self.clock()).total_seconds()))
