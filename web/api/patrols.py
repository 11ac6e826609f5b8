"""`/api/patrols`: each zone's schedule (pause / resume / revisit interval), the dispatch queue
with each waiting task's reason, and revisit compliance per zone over a chosen period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, jsonify

from command.centre.operations import OperationRefused
from command.centre.ops_zones import ZonesRefused
from command.patrols import PatrolSchedule, Task, ZoneCompliance
from web import the_centre
from web.api._common import actor, iso, json_body, refused, utc_arg
from web.api.zones import problems_refusal
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_patrols", __name__, url_prefix="/api/patrols")

DEFAULT_PERIOD = timedelta(days=1)


def schedule_json(s: PatrolSchedule) -> dict[str, Any]:
    """A zone's schedule."""
    return {
        "zone": s.zone,
        "priority": s.priority,
        "revisit_minutes": s.revisit_minutes,
        "next_due": iso(s.next_due),
        "paused": s.paused,
        "work_s": round(s.work_s, 1),
    }


def task_json(t: Task) -> dict[str, Any]:
    """A queued task and why it waits."""
    return {
        "id": t.id,
        "kind": t.kind.value,
        "zone": t.zone,
        "priority": t.priority,
        "due_at": iso(t.due_at),
        "state": t.state.value,
        "cause": t.cause,
        "reason": t.reason,
        "vehicle": t.vehicle,
        "sortie_id": t.sortie_id,
    }


def compliance_json(c: ZoneCompliance) -> dict[str, Any]:
    """A zone's revisit compliance over the period."""
    return {
        "zone": c.zone,
        "priority": c.priority,
        "target_minutes": c.target_minutes,
        "patrols": c.patrols,
        "mean_gap_minutes": None if c.mean_gap_minutes is None else round(c.mean_gap_minutes, 1),
        "max_gap_minutes": None if c.max_gap_minutes is None else round(c.max_gap_minutes, 1),
        "late_gaps": [
            {
                "start": iso(g.start),
                "end": iso(g.end),
                "minutes": round(g.minutes, 1),
                "reasons": [
                    {"cause": r.cause, "minutes": round(r.minutes, 1), "example": r.example}
                    for r in g.reasons
                ],
            }
            for g in c.late_gaps
        ],
    }


def overview_json() -> dict[str, Any]:
    """Schedules, queue and compliance over ?start=&end= (default: the last day)."""
    centre = the_centre()
    end = utc_arg("end") or centre.utcnow()
    start = utc_arg("start") or end - DEFAULT_PERIOD
    try:
        view = centre.patrol_overview(start, end)
    except OperationRefused as exc:
        abort(400, str(exc))
    return {
        "start": iso(view.start),
        "end": iso(view.end),
        "schedules": [schedule_json(s) for s in view.schedules],
        "queue": [task_json(t) for t in view.queue],
        "compliance": [compliance_json(c) for c in view.compliance],
    }


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Schedules, the dispatch queue with waiting reasons, compliance per zone",
    query={"start": "period start (ISO 8601 UTC; default end − 1 day)", "end": "period end"},
)
def overview():
    return jsonify(overview_json())


def _schedule_call(zone: str, pause: bool) -> Any:
    centre = the_centre()
    try:
        if pause:
            centre.pause_schedule(zone, actor())
        else:
            centre.resume_schedule(zone, actor())
    except OperationRefused as exc:
        return refused(exc)
    return jsonify(schedules=[schedule_json(s) for s in centre.schedules()])


@bp.route("/<path:zone>/pause", methods=["POST"])
@access(Role.OFFICER)
@documented(summary="Pause a zone's patrols")
def pause(zone: str):
    return _schedule_call(zone, True)


@bp.route("/<path:zone>/resume", methods=["POST"])
@access(Role.OFFICER)
@documented(summary="Resume a paused zone's patrols")
def resume(zone: str):
    return _schedule_call(zone, False)


@bp.route("/<path:zone>", methods=["PATCH"])
@access(Role.OFFICER)
@documented(
    summary="Change a zone's revisit interval (minutes; null stops its patrols)",
    request={
        "type": "object",
        "properties": {"revisit_minutes": {"type": ["number", "null"], "exclusiveMinimum": 0}},
        "required": ["revisit_minutes"],
    },
)
def edit(zone: str):
    body = json_body()
    if "revisit_minutes" not in body or set(body) != {"revisit_minutes"}:
        abort(400, 'the body must be {"revisit_minutes": minutes or null}')
    centre = the_centre()
    try:
        centre.set_revisit(zone, body["revisit_minutes"], actor())
    except ZonesRefused as exc:
        return problems_refusal(exc)
    return jsonify(schedules=[schedule_json(s) for s in centre.schedules()])
