"""What the area APIs share: the JSON body read strictly, the acting person, refusals as JSON
(400 bad input, 409 refused by the centre; nothing changed either way), times parsed in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, jsonify, request
from flask_login import current_user

from command.centre.operations import OperationRefused


def json_body() -> dict[str, Any]:
    """The request's JSON object (400 naming the problem otherwise)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "the request body must be a JSON object")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = True) -> str:
    """A string field of the body (400 naming it when missing or not text)."""
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        abort(400, f"{name}: required, text")
    return value


def person() -> str:
    """The logged-in person's name (as alerts record who acted)."""
    return str(current_user.username)


def actor() -> str:
    """The audit actor of this request: web:<username>@<address>."""
    return f"web:{current_user.username}@{request.remote_addr or '?'}"


def refused(exc: OperationRefused, status: int = 409, **extra: Any) -> Response:
    """A refusal as JSON: the reason (and any details); nothing was changed."""
    response = jsonify(error=str(exc), status=status, **extra)
    response.status_code = status
    return response


def utc_arg(name: str, default: datetime | None = None) -> datetime | None:
    """A query argument as a UTC time (ISO 8601; no zone means UTC); 400 naming it if bad."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        abort(400, f"{name}: not an ISO 8601 time: {text[:40]!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """A UTC time as ISO 8601 with Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
