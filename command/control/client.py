"""The web workers' side of the control interface: `RemoteCentre` stands where the console
would hold the running centre, with the same operations, and holds no link, scheduler or relay.

- An operation is a POST to the active daemon (found through the database, endpoint.py); a
  refusal comes back as `OperationRefused`, a daemon that cannot be reached as
  `CentreUnavailable` (the console answers 503 and the page retries).
- One event stream per worker feeds a local bus, from which the worker's browsers get their
  live updates (`subscribe`), and which keeps the hot reads (`CACHED`) honest: a cached answer
  is used only while no event has arrived since it was fetched and for at most `CACHE_S`, and
  only while the stream is connected; any call that may change something clears them all. An
  answer read when older than half `CACHE_S` is fetched again on a thread of its own (one at a
  time per read), so under steady use the pages' reads do not wait for the daemon.
- The live view is a stream of frames from the daemon into a `LiveFeed` of this worker.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3.exceptions

from command.centre.operations import OperationRefused
from command.control import codec
from command.control.endpoint import active_endpoint
from command.control.interface import (
    DAMAGED,
    EVENTS_KEEPALIVE_S,
    FRAME_HEADER,
    KEYFRAME,
    SCHEME,
    VIDEO_KEEPALIVE_S,
    operation_names,
)
from command.events import EventBus, Subscription
from command.events.types import Event
from command.storage import Database
from command.video.live import LiveFeed
from command.video.rtp import AccessUnit

log = logging.getLogger(__name__)

CACHED = frozenset(
    {
        "fleet_status",
        "snapshots",
        "map_drones",
        "map_stations",
        "map_zones",
        "map_alerts",
        "task_zone_names",
        "zone_version",
        "schedules",
        "station_table",
        "video_streams",
        "video_vehicles",
        "audit_actions",
    }
)
"""Reads answered from memory while nothing has happened since (see the module's doc)."""
CACHE_S = 1.0
CALL_TIMEOUT_S = (3.0, 30.0)
"""Connect and read timeouts of an operation (s)."""
RECONNECT_S = 0.5
LIVE_QUEUE_FRAMES = 90


class CentreUnavailable(RuntimeError):
    """The active command daemon cannot be reached (none advertised, or it does not answer)."""


class RemoteCentre:
    """The centre as a web worker sees it: its operations over the control interface."""

    def __init__(
        self,
        config: Any,
        db: Database,
        secret: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.db = db
        self.bus = EventBus()
        self._clock = clock
        self._monotonic = monotonic
        self._operations = operation_names()
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["Authorization"] = f"{SCHEME} {secret}"
        self._url_lock = threading.Lock()
        self._url: str | None = None
        self._cache_lock = threading.Lock()
        self._cache: dict[tuple[str, bytes], tuple[int, float, Any]] = {}
        self._refreshing: dict[tuple[str, bytes], threading.Thread] = {}
        self._generation = itertools.count()
        self._current = next(self._generation)
        self._connected = threading.Event()
        self._closing = threading.Event()
        self._relay: threading.Thread | None = None
        self._stream: requests.Response | None = None
        self._numbers = itertools.count(1)
        self.live_feeds: set[LiveFeed] = set()
        """The live-view clients of this worker's browsers, open now."""

    # --- running ----------------------------------------------------------------------------
    def start(self) -> None:
        """Follow the daemon's events on a thread of this worker."""
        self._relay = threading.Thread(target=self._follow, name="control-events", daemon=True)
        self._relay.start()

    def close(self) -> None:
        """Stop following; close the local bus and the connections."""
        self._closing.set()
        stream = self._stream
        if stream is not None:
            _cut(stream)
        self.join_refreshes(CALL_TIMEOUT_S[0])
        self._session.close()
        self.bus.close()
        if self._relay is not None:
            self._relay.join(EVENTS_KEEPALIVE_S + 1)

    @property
    def connected(self) -> bool:
        """The worker follows the active daemon's events now."""
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        """Block until the event stream is connected (True) or the timeout passes."""
        return self._connected.wait(timeout_s)

    def utcnow(self) -> datetime:
        """Now, in UTC."""
        return self._clock()

    # --- the centre's interface -------------------------------------------------------------
    @property
    def zones(self) -> Any:
        """The zones in force."""
        return self.zone_version().zones.zones

    def subscribe(
        self, name: str, kinds: Iterable[type[Event]] = (), maxsize: int = 1024
    ) -> Subscription:
        """A pull subscription to the daemon's events as this worker receives them."""
        return self.bus.subscribe(name, kinds=kinds, maxsize=maxsize)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self._operations:
            raise AttributeError(f"the command centre has no operation {name!r}")

        def operation(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs)

        operation.__name__ = name
        return operation

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Carry out one operation in the active daemon and return its result."""
        body = codec.dumps({"args": list(args), "kwargs": kwargs}) if args or kwargs else b"{}"
        cached = name in CACHED
        if not cached:
            result = self._result(name, self._post(f"/v1/call/{name}", body))
            self._changed()
            return result
        hit = self._cached(name, body)
        if hit is not None:
            result, age = hit
            if age > CACHE_S / 2:
                self._refresh_ahead(name, body)
            return result
        return self._fetch(name, body)

    def join_refreshes(self, timeout_s: float) -> None:
        """Wait for the hot reads being fetched ahead (a close waits for them)."""
        with self._cache_lock:
            threads = list(self._refreshing.values())
        for thread in threads:
            thread.join(timeout_s)

    def open_live_feed(self, vehicle: str) -> LiveFeed:
        """A live-view client of vehicle's stream, fed from the daemon; the caller closes it."""
        url = self._endpoint()
        try:
            reply = self._session.get(
                f"{url}/v1/video/{requests.utils.quote(vehicle, safe='')}/live",
                stream=True,
                timeout=(CALL_TIMEOUT_S[0], VIDEO_KEEPALIVE_S * 10),
            )
        except requests.RequestException as exc:
            self._forget(url)
            raise CentreUnavailable(f"the command daemon at {url} does not answer: {exc}") from None
        if reply.status_code != 200:
            with contextlib.closing(reply):
                self._result("open_live_feed", reply)

        def closed(feed: LiveFeed) -> None:
            self.live_feeds.discard(feed)
            _cut(reply)

        feed = LiveFeed(vehicle, next(self._numbers), LIVE_QUEUE_FRAMES, closed)
        self.live_feeds.add(feed)
        threading.Thread(
            target=_read_frames, args=(reply, feed), name=f"live-{vehicle}", daemon=True
        ).start()
        return feed

    # --- calls --------------------------------------------------------------------------------
    def _post(self, path: str, body: bytes) -> requests.Response:
        for attempt in (1, 2):
            url = self._endpoint()
            try:
                return self._session.post(
                    url + path,
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=CALL_TIMEOUT_S,
                )
            except requests.ConnectionError as exc:
                self._forget(url)
                # Only a connection never made is tried again (at the daemon now recorded):
                # a request that may have reached the daemon is not sent twice.
                if attempt == 1 and _not_connected(exc):
                    continue
                raise CentreUnavailable(
                    f"the command daemon at {url} does not answer: {_reason(exc)}"
                ) from None
            except requests.Timeout as exc:
                raise CentreUnavailable(f"the command daemon at {url}: {exc}") from None
        raise AssertionError("unreachable")

    def _result(self, name: str, reply: requests.Response) -> Any:
        try:
            body = codec.loads(reply.content)
        except codec.CodecError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if reply.status_code == 200 and "result" in body:
            return body["result"]
        if reply.status_code in (409, 422):
            raise _project_error(body, refused=reply.status_code == 409)
        if reply.status_code == 401:
            raise CentreUnavailable("the command daemon refused this worker's control secret")
        raise CentreUnavailable(
            f"{name}: the command daemon answered {reply.status_code}: "
            f"{body.get('error', reply.reason)}"
        )

    # --- the active daemon's address --------------------------------------------------------
    def _endpoint(self) -> str:
        with self._url_lock:
            if self._url is not None:
                return self._url
        try:
            found = active_endpoint(self.db)
        except Exception as exc:
            raise CentreUnavailable(f"the database cannot say where the daemon is: {exc}") from None
        if found is None:
            raise CentreUnavailable("no command daemon is active (none has advertised itself)")
        with self._url_lock:
            self._url = found.url
        return found.url

    def _forget(self, url: str) -> None:
        with self._url_lock:
            if self._url == url:
                self._url = None

    # --- events and the cache ---------------------------------------------------------------
    def _cached(self, name: str, body: bytes) -> tuple[Any, float] | None:
        """The cached answer and its age (s), while it may still be used."""
        if not self._connected.is_set():
            return None
        with self._cache_lock:
            entry = self._cache.get((name, body))
        if entry is None:
            return None
        generation, at, result = entry
        age = self._monotonic() - at
        if generation != self._current or age > CACHE_S:
            return None
        return result, age

    def _fetch(self, name: str, body: bytes) -> Any:
        """Ask the daemon for a hot read and keep the answer (unless an event came meanwhile:
        then it counts from that event's generation, which is already gone)."""
        generation, asked = self._current, self._monotonic()
        result = self._result(name, self._post(f"/v1/call/{name}", body))
        with self._cache_lock:
            self._cache[(name, body)] = (generation, asked, result)
        return result

    def _refresh_ahead(self, name: str, body: bytes) -> None:
        key = (name, body)
        with self._cache_lock:
            if key in self._refreshing or self._closing.is_set():
                return
            thread = threading.Thread(
                target=self._refresh, args=key, name=f"control-refresh-{name}", daemon=True
            )
            self._refreshing[key] = thread
        thread.start()

    def _refresh(self, name: str, body: bytes) -> None:
        try:
            self._fetch(name, body)
        except (CentreUnavailable, OperationRefused, codec.CodecError) as exc:
            log.debug("fetching %s ahead: %s (the next read asks again)", name, exc)
        except Exception:
            log.exception("fetching %s ahead failed", name)
        finally:
            with self._cache_lock:
                self._refreshing.pop((name, body), None)

    def _changed(self) -> None:
        with self._cache_lock:
            self._current = next(self._generation)
            self._cache.clear()

    def _follow(self) -> None:
        """Read the active daemon's event stream into the local bus; on a break, find the
        active daemon again (a standby may have taken over) and go on."""
        while not self._closing.is_set():
            url = None
            try:
                url = self._endpoint()
                with self._session.get(
                    f"{url}/v1/events",
                    stream=True,
                    timeout=(CALL_TIMEOUT_S[0], EVENTS_KEEPALIVE_S * 3),
                ) as reply:
                    if reply.status_code != 200:
                        raise CentreUnavailable(f"events: the daemon answered {reply.status_code}")
                    self._stream = reply
                    self._changed()
                    self._connected.set()
                    log.info("following the command daemon's events at %s", url)
                    for line in reply.iter_lines(chunk_size=None):
                        if self._closing.is_set():
                            return
                        if line:
                            self._take(line)
            except (CentreUnavailable, requests.RequestException, codec.CodecError) as exc:
                if self._connected.is_set() and not self._closing.is_set():
                    log.warning("the command daemon's event stream broke: %s", exc)
            except Exception:
                if self._closing.is_set():
                    return
                log.exception("the command daemon's event stream failed")
            self._connected.clear()
            self._changed()
            if url is not None:
                self._forget(url)
            self._closing.wait(RECONNECT_S)

    def _take(self, line: bytes) -> None:
        event = codec.loads(line)
        if not isinstance(event, Event):
            raise codec.CodecError(f"not an event: {str(event)[:60]}")
        with self._cache_lock:
            self._current = next(self._generation)
        self.bus.publish(event)


def _read_frames(reply: requests.Response, feed: LiveFeed) -> None:
    """Feed `feed` the daemon's frames until either side closes."""
    raw = reply.raw
    try:
        while not feed.closed:
            header = raw.read(FRAME_HEADER.size)
            if len(header) < FRAME_HEADER.size:
                break
            length, timestamp, flags = FRAME_HEADER.unpack(header)
            if length == 0:
                continue
            data = raw.read(length)
            if len(data) < length:
                break
            feed.offer(
                AccessUnit(
                    data,
                    timestamp,
                    bool(flags & KEYFRAME),
                    time.monotonic(),
                    bool(flags & DAMAGED),
                )
            )
    except (OSError, ValueError, AttributeError, urllib3.exceptions.HTTPError):
        pass  # the stream was cut (the browser left, or the daemon went away)
    finally:
        feed.close()


def _cut(reply: requests.Response) -> None:
    """End a stream being read on another thread (its blocked read returns)."""
    with contextlib.suppress(OSError, AttributeError):  # the socket under http.client's reader
        reply.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
    reply.close()


def _not_connected(exc: requests.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def _reason(exc: Exception) -> str:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return str(reason or exc)


def _project_error(body: dict[str, Any], *, refused: bool) -> Exception:
    """The daemon's exception again: its class (one of the project's), message, attributes."""
    message = str(body.get("message", ""))
    try:
        cls = codec.project_class(body.get("error"))
    except codec.CodecError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        if refused:
            return OperationRefused(message or "refused by the command daemon")
        return CentreUnavailable(f"the command daemon failed: {body.get('error')}: {message}")
    made = cls.__new__(cls)
    Exception.__init__(made, message)
    state = body.get("state")
    if isinstance(state, dict):
        made.__dict__.update(state)
    return made
