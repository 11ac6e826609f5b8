"""The command daemon's side of the control interface (see interface.py): a small threaded HTTP
server in the daemon process that calls the running centre's operations for the web workers,
streams its events and the drones' live video to them. It holds no state of its own; each call
returns at once as the operations do (slow work runs on the centre's threads)."""

from __future__ import annotations

import hmac
import inspect
import logging
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from command.centre.operations import OperationRefused
from command.control import codec
from command.control.interface import (
    DAMAGED,
    EVENTS_KEEPALIVE_S,
    FRAME_HEADER,
    KEYFRAME,
    MAX_CALL_BYTES,
    SCHEME,
    VIDEO_KEEPALIVE_S,
    operation_names,
)
from command.events import types as event_types
from command.events.types import Event

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

log = logging.getLogger(__name__)
JSON = "application/json"


class ControlServer:
    """Serves `centre` on `host:port` (0: a free port) to whoever presents `secret`."""

    def __init__(
        self, centre: CommandCentre, secret: str, host: str, port: int, advertise: str | None
    ) -> None:
        self.centre = centre
        self._secret = f"{SCHEME} {secret}".encode()
        self._operations = operation_names()
        self._signatures = {
            name: inspect.signature(getattr(centre, name)) for name in self._operations
        }
        self._server: BaseWSGIServer = make_server(
            host, port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._open: set[Any] = set()  # the event subscriptions and live feeds being streamed
        bound_host, bound_port = self._server.server_address[:2]
        if advertise is None:
            shown = socket.getfqdn() if bound_host in ("0.0.0.0", "::") else bound_host
            advertise = f"http://{shown}:{bound_port}"
        self.url = advertise

    def start(self) -> None:
        """Serve on a thread of its own."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="control-api", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving; the open event and video streams end."""
        if self._closing.is_set():
            return
        self._closing.set()
        for stream in list(self._open):
            stream.close()  # each stream's loop sees it closed and ends its response
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    # --- requests ---------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_CALL_BYTES
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, self._secret):
            response = _json({"error": "the control secret is missing or wrong"}, 401)
        else:
            response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if parts[:1] != ["v1"]:
            return _json({"error": f"no path {request.path}"}, 404)
        if parts[1:] == ["health"] and request.method == "GET":
            return self._health()
        if len(parts) == 3 and parts[1] == "call" and request.method == "POST":
            return self._call(parts[2], request)
        if parts[1:] == ["events"] and request.method == "GET":
            return self._events(request.args.get("types", ""))
        if len(parts) == 4 and parts[1] == "video" and parts[3] == "live":
            return self._live(parts[2])
        return _json({"error": f"no {request.method} {request.path}"}, 404)

    def _health(self) -> Response:
        centre = self.centre
        body = {
            "active": not self._closing.is_set(),
            "owner": centre.dispatcher.owner,
            "vehicles": [v.name for v in centre.config.vehicles],
        }
        return Response(codec.dumps(body), mimetype=JSON)

    def _call(self, name: str, request: Request) -> Response:
        if name not in self._operations:
            return _json({"error": f"no operation {name!r}"}, 404)
        try:
            body = codec.loads(request.get_data())
            args, kwargs = body.get("args", []), body.get("kwargs", {})
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise codec.CodecError("args must be a list and kwargs an object")
            self._signatures[name].bind(*args, **kwargs)
        except (codec.CodecError, AttributeError, TypeError) as exc:
            return _json({"error": f"{name}: bad call: {exc}"}, 400)
        try:
            result = getattr(self.centre, name)(*args, **kwargs)
        except Exception as exc:
            if isinstance(exc, OperationRefused) or type(exc).__module__.startswith(codec.ROOMS):
                return _error(exc, 409 if isinstance(exc, OperationRefused) else 422)
            log.exception("control: %s failed", name)
            return _json({"error": f"{name} failed in the daemon: {type(exc).__name__}"}, 500)
        try:
            return Response(codec.dumps({"result": result}), mimetype=JSON)
        except codec.CodecError as exc:
            log.error("control: %s: %s", name, exc)
            return _json({"error": f"{name}: {exc}"}, 500)

    def _events(self, types: str) -> Response:
        kinds: list[type[Event]] = []
        for name in filter(None, (t.strip() for t in types.split(","))):
            kind = getattr(event_types, name, None)
            if not (isinstance(kind, type) and issubclass(kind, Event)):
                return _json({"error": f"types: no event type {name!r}"}, 400)
            kinds.append(kind)
        subscription = self.centre.subscribe("control-events", kinds=kinds, maxsize=8192)
        self._open.add(subscription)

        def lines() -> Iterator[bytes]:
            try:
                yield b"\n"
                while not subscription.closed and not self._closing.is_set():
                    event = subscription.get(timeout_s=EVENTS_KEEPALIVE_S)
                    if event is None:
                        yield b"\n"
                        continue
                    try:
                        yield codec.dumps(event) + b"\n"
                    except codec.CodecError as exc:
                        log.error("control: event %s not sent: %s", type(event).__name__, exc)
            finally:
                self._open.discard(subscription)
                subscription.close()

        return Response(lines(), mimetype="application/x-ndjson", direct_passthrough=True)

    def _live(self, vehicle: str) -> Response:
        try:
            feed = self.centre.open_live_feed(vehicle)
        except OperationRefused as exc:
            return _error(exc, 409)
        self._open.add(feed)

        def frames() -> Iterator[bytes]:
            try:
                yield FRAME_HEADER.pack(0, 0, 0)
                while not feed.closed and not self._closing.is_set():
                    unit = feed.get(VIDEO_KEEPALIVE_S)
                    if unit is None:
                        yield FRAME_HEADER.pack(0, 0, 0)
                        continue
                    flags = (KEYFRAME if unit.keyframe else 0) | (DAMAGED if unit.damaged else 0)
                    yield FRAME_HEADER.pack(len(unit.data), unit.timestamp, flags) + unit.data
            finally:
                self._open.discard(feed)
                feed.close()

        return Response(frames(), mimetype="application/octet-stream", direct_passthrough=True)


class _QuietHandler(WSGIRequestHandler):
    """No log line per request (the workers call often); errors are logged by the server."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _error(exc: Exception, status: int) -> Response:
    """A refusal (409) or another error of the project's (422): its class, message and
    attributes, so that the worker raises the same exception."""
    body = {"error": codec.class_name(type(exc)), "message": str(exc), "state": vars(exc)}
    try:
        return Response(codec.dumps(body), status=status, mimetype=JSON)
    except codec.CodecError:
        return _json({**body, "state": {}}, status)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(codec.dumps(body), status=status, mimetype=JSON)
