"""The command centre's event bus: typed events from any thread to subscribers, each served by
its own thread through a bounded queue, so a slow subscriber never delays the publisher (a link
thread sending heartbeats, a web request).

A full queue drops that subscriber's oldest event and counts it: the newest state wins and the
publisher never waits. Pull subscribers (no handler) read with `get()`, e.g. a server-sent-events
stream per browser.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from command.events.types import Event

log = logging.getLogger("command.events")

DEFAULT_QUEUE = 4096
"""Events a subscriber may have waiting before its oldest are dropped."""


@dataclass(frozen=True)
class SubscriberStats:
    """How one subscriber keeps up: events delivered, dropped (queue full), handler errors."""

    name: str
    delivered: int
    dropped: int
    errors: int
    waiting: int


class Subscription:
    """One subscriber's bounded queue (and its thread, when it has a handler)."""

    def __init__(
        self,
        bus: EventBus,
        name: str,
        kinds: tuple[type[Event], ...],
        maxsize: int,
        handler: Callable[[Event], None] | None,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"subscriber {name!r}: queue size must be at least 1")
        self.name = name
        self.kinds = kinds
        self._bus = bus
        self._queue: deque[Event] = deque(maxlen=maxsize)
        self._ready = threading.Condition()
        self._closed = False
        self.delivered = 0
        self.dropped = 0
        self.errors = 0
        self._last_drop_log = -1e9
        self._handler = handler
        self._thread: threading.Thread | None = None
        if handler is not None:
            self._thread = threading.Thread(target=self._serve, name=f"events-{name}", daemon=True)
            self._thread.start()

    def wants(self, event: Event) -> bool:
        """True when this subscriber takes events of that type."""
        return not self.kinds or isinstance(event, self.kinds)

    def offer(self, event: Event) -> None:
        """Queue an event without waiting; when full, the oldest waiting event is dropped."""
        with self._ready:
            if self._closed:
                return
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
                now = time.monotonic()
                if now - self._last_drop_log > 10.0:
                    self._last_drop_log = now
                    log.warning(
                        "subscriber %s is behind: %d events dropped", self.name, self.dropped
                    )
            self._queue.append(event)
            self._ready.notify()

    def get(self, timeout_s: float | None = None) -> Event | None:
        """The next event (pull subscribers); None on timeout or once closed and drained."""
        with self._ready:
            if not self._queue and not self._closed:
                self._ready.wait(timeout_s)
            if not self._queue:
                return None
            self.delivered += 1
            return self._queue.popleft()

    def drain(self) -> list[Event]:
        """Every waiting event at once, without waiting."""
        with self._ready:
            events = list(self._queue)
            self._queue.clear()
            self.delivered += len(events)
            return events

    @property
    def closed(self) -> bool:
        """True once unsubscribed or the bus closed."""
        return self._closed

    def stats(self) -> SubscriberStats:
        """Counters for the console and the benchmark."""
        with self._ready:
            return SubscriberStats(
                self.name, self.delivered, self.dropped, self.errors, len(self._queue)
            )

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop taking events; a handler thread finishes what is queued first."""
        self._bus._remove(self)
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def _serve(self) -> None:
        assert self._handler is not None
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if not self._queue:
                    return
                event = self._queue.popleft()
            try:
                self._handler(event)
            except Exception:  # one bad event must not stop the subscriber
                self.errors += 1
                log.exception("subscriber %s failed on %s", self.name, type(event).__name__)
            else:
                self.delivered += 1


class EventBus:
    """Publish typed events to every subscriber that wants them. Thread-safe; no global state."""

    def __init__(self, default_queue: int = DEFAULT_QUEUE) -> None:
        self.default_queue = default_queue
        self._subs: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()
        self._closed = False
        self.published = 0

    def subscribe(
        self,
        name: str,
        handler: Callable[[Event], None] | None = None,
        *,
        kinds: Iterable[type[Event]] = (),
        maxsize: int | None = None,
    ) -> Subscription:
        """A new subscriber for events of `kinds` (all when empty); with a handler, called on
        the subscriber's own thread in publishing order; without, read with `get()`."""
        size = self.default_queue if maxsize is None else maxsize
        sub = Subscription(self, name, tuple(kinds), size, handler)
        with self._lock:
            if self._closed:
                raise RuntimeError("the event bus is closed")
            self._subs = (*self._subs, sub)
        return sub

    def publish(self, event: Event) -> None:
        """Hand the event to every interested subscriber; never blocks on a subscriber."""
        self.published += 1
        for sub in self._subs:  # a tuple swapped whole under the lock: safe to iterate
            if sub.wants(event):
                sub.offer(event)

    def stats(self) -> list[SubscriberStats]:
        """Each subscriber's counters."""
        return [s.stats() for s in self._subs]

    def close(self, timeout_s: float = 5.0) -> None:
        """Close every subscription (handler threads finish their queues first)."""
        with self._lock:
            self._closed = True
            subs = self._subs
        for sub in subs:
            sub.close(timeout_s)

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs = tuple(s for s in self._subs if s is not sub)
