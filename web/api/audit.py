"""`/api/audit`: the commands sent to vehicles, filtered by person, vehicle, time range and
action, newest first; and the same as CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from command.centre.operations import OperationRefused
from command.centre.ops_audit import MAX_AUDIT_ROWS, AuditFilter, audit_csv
from command.storage.records import AuditRecord
from web import the_centre
from web.api._common import iso, utc_arg
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_audit", __name__, url_prefix="/api/audit")

QUERY = {
    "person": "part of the actor (e.g. a username)",
    "vehicle": "vehicle name",
    "start": "from (ISO 8601 UTC, inclusive)",
    "end": "to (ISO 8601 UTC, exclusive)",
    "action": "command, e.g. arm, mission_upload",
    "limit": f"at most this many (default 200, at most {MAX_AUDIT_ROWS})",
}


def audit_filter() -> tuple[AuditFilter, int]:
    """The filter and limit from the query (400 naming a bad argument)."""
    args = request.args
    limit_text = args.get("limit", "200")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_AUDIT_ROWS:
        abort(400, f"limit: a whole number 1 … {MAX_AUDIT_ROWS}, got {limit_text[:20]!r}")
    where = AuditFilter(
        person=args.get("person", "").strip()[:120] or None,
        vehicle=args.get("vehicle", "").strip()[:120] or None,
        start=utc_arg("start"),
        end=utc_arg("end"),
        command=args.get("action", "").strip()[:120] or None,
    )
    try:
        where.check()
    except OperationRefused as exc:
        abort(400, str(exc))
    return where, int(limit_text)


def record_json(r: AuditRecord) -> dict[str, Any]:
    """An audit record."""
    return {
        "id": r.id,
        "at": iso(r.at),
        "actor": r.actor,
        "vehicle": r.vehicle_name,
        "command": r.command,
        "params": r.params,
        "result": r.result.value,
        "reason": r.reason,
        "outcome_at": iso(r.outcome_at),
    }


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Audit records of commands to vehicles, newest first, filtered",
    response={"type": "object", "properties": {"records": {"type": "array"}}},
    query=QUERY,
)
def records():
    where, limit = audit_filter()
    return jsonify(records=[record_json(r) for r in the_centre().audit_records(where, limit)])


@bp.route("/export.csv", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="The filtered audit records as CSV", stream="text/csv", query=QUERY)
def export():
    where, limit = audit_filter()
    text = audit_csv(the_centre().audit_records(where, limit))
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
