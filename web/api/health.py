"""`GET /api/health`: is this console process serving, and does it reach the command centre —
for a load balancer's checks and for telling the workers of a deployment apart (`worker` is
the process id). No login: it says nothing about the fleet."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, jsonify

from web import CENTRE_KEY
from web.openapi import documented
from web.security import access

bp = Blueprint("api_health", __name__, url_prefix="/api/health")

HEALTH_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"enum": ["ok", "degraded"]},
        "centre": {
            "enum": ["in process", "reachable", "unreachable", "none"],
            "description": "the command centre: run in this process, or reached through the "
            "active daemon's control API (its event stream connected or not)",
        },
        "worker": {"type": "integer", "description": "this process's id"},
    },
}


@bp.route("", methods=["GET"])
@access(None)
@documented(
    summary="This console process and its reach to the command centre", response=HEALTH_SCHEMA
)
def health():
    centre = current_app.extensions.get(CENTRE_KEY)
    if centre is None:
        state = "none"
    elif hasattr(centre, "connected"):
        state = "reachable" if centre.connected else "unreachable"
    else:
        state = "in process"
    status = "ok" if state in ("in process", "reachable") else "degraded"
    response = jsonify(status=status, centre=state, worker=os.getpid())
    response.headers["Cache-Control"] = "no-store"
    return response
