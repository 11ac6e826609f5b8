"""`GET /api/events`: the centre's typed events as server-sent events, for the pages' live
updates. Each message is `event: <type>` with `data: {"type": <event class name>, "at": <UTC
ISO 8601>, ...fields}`. `?types=TelemetryUpdated,SortieCompleted` narrows the stream."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_login import current_user

from command.events import types as event_types
from command.events.types import Event, event_record
from web import the_centre
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_events", __name__, url_prefix="/api/events")

KEEPALIVE_S = 15.0
"""A comment line this often keeps proxies from closing a quiet stream."""
MAX_QUEUE = 512


def event_json(event: Event) -> dict[str, Any]:
    """The live stream's JSON of an event: type (class name), at (UTC), then its fields."""
    record = event_record(event)
    record.pop("kind", None)
    at = record.pop("time_utc", None)
    return {"type": type(event).__name__, "at": at, **record}


def _kinds(text: str) -> tuple[type[Event], ...]:
    kinds = []
    for name in filter(None, (part.strip() for part in text.split(","))):
        kind = getattr(event_types, name, None)
        if not (isinstance(kind, type) and issubclass(kind, Event)):
            abort(400, f"types: no event type {name!r}")
        kinds.append(kind)
    return tuple(kinds)


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="The centre's events as server-sent events (type, at, fields)",
    stream="text/event-stream",
    query={"types": "comma-separated event class names, e.g. TelemetryUpdated,ItemReached"},
)
def stream() -> Response:
    kinds = _kinds(request.args.get("types", ""))
    centre = the_centre()
    name = f"web-{current_user.username}-{secrets.token_hex(4)}"
    subscription = centre.subscribe(name, kinds=kinds, maxsize=MAX_QUEUE)

    def messages() -> Iterator[str]:
        try:
            yield "retry: 2000\n\n"
            while not subscription.closed:
                event = subscription.get(timeout_s=KEEPALIVE_S)
                if event is None:
                    yield ": keep-alive\n\n"
                    continue
                data = json.dumps(event_json(event), ensure_ascii=False, default=str)
                yield f"event: {type(event).__name__}\ndata: {data}\n\n"
        finally:
            subscription.close()

    response = Response(stream_with_context(messages()), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response
