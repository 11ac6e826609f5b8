"""The stop signals of a process that runs the centre (`python -m command daemon`, `python app.py`):
whichever thread the kernel hands one to, the main thread's `wait` returns it.

Blocking the signals and taking them with `sigwait` is not enough: threads that exist before the
mask is set (numpy's BLAS pool starts its own on import) do not block them, and a process-directed
SIGTERM that arrives while the main thread is not in `sigwait` goes to one of those, whose
default action ends the process at once — no fence, no clean close. Here every stop signal has a
handler instead, and the signal module's wakeup file descriptor carries its number to the main
thread, so none is lost and none ends the process unasked.
"""

from __future__ import annotations

import os
import select
import signal
from collections import deque
from types import TracebackType


def _noted(signo: int, frame: object) -> None:
    """The Python-level handler: nothing to do, the wakeup pipe already carries the number."""


class StopSignals:
    """`with StopSignals(SIGINT, SIGTERM) as stops: … stops.wait()` — in the main thread."""

    def __init__(self, *signals: signal.Signals) -> None:
        self.signals = frozenset(signals)
        self._read = self._write = -1
        self._previous: dict[signal.Signals, object] = {}
        self._previous_fd = -1
        self._unread: deque[int] = deque()  # numbers read off the pipe, not yet returned

    def __enter__(self) -> StopSignals:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._previous = {s: signal.signal(s, _noted) for s in self.signals}
        return self

    def next(self) -> signal.Signals:
        """Block until a stop signal comes (or return the one that came meanwhile)."""
        received = self.wait(None)
        assert received is not None  # no timeout
        return received

    def wait(self, timeout_s: float | None) -> signal.Signals | None:
        """The first stop signal received since the last call (at once if one came meanwhile),
        or None once `timeout_s` has passed without one."""
        while not self._unread:
            ready, _, _ = select.select([self._read], [], [], timeout_s)
            if not ready:
                return None
            self._unread.extend(n for n in os.read(self._read, 64) if n in self.signals)
        return signal.Signals(self._unread.popleft())

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)  # type: ignore[arg-type]
        signal.set_wakeup_fd(self._previous_fd)
        os.close(self._read)
        os.close(self._write)
