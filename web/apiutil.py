"""What every API area shares: the actor string of the person calling, JSON bodies checked by a
pydantic model (a bad body is refused naming the field, nothing changed), and the centre's
refusals as 409 JSON answers."""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, Response, abort, current_app, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def actor() -> str:
    """Who is asking, for the audit: `web:<username>@<remote address>`."""
    return f"web:{current_user.username}@{request.remote_addr or 'unknown'}"


def body(model: type[M]) -> M:
    """The request's JSON body as `model`; 400 naming the field when it does not fit."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(body)"
        message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        abort(400, f"{where}: {message}")


def install(app: Flask) -> None:
    """The centre's OperationRefused becomes 409 with its reason (nothing was sent); a command
    daemon out of reach, 503."""
    from command.centre import OperationRefused

    def refused(exc: OperationRefused) -> Response:
        response = jsonify(error=str(exc), status=409)
        response.status_code = 409
        return response

    app.register_error_handler(OperationRefused, refused)

    from command.control.client import CentreUnavailable

    def unavailable(exc: CentreUnavailable) -> Response:
        """A web worker whose daemon does not answer (a standby may be taking over): 503 with
        Retry-After; the page tries again."""
        from web.security import error_response

        current_app.logger.warning("%s %s: %s", request.method, request.path, exc)
        response = error_response(503, f"the command centre is not reachable just now: {exc}")
        response.headers["Retry-After"] = "2"
        return response

    app.register_error_handler(CentreUnavailable, unavailable)
