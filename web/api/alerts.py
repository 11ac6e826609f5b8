"""`/api/alerts`: alerts listed and filtered, one alert with its timeline, comments and source
estimate, the centre's response figures; acknowledge, comment and close by the logged-in
person (a comment is required); approve a quick response that awaits approval (it sends a drone:
pilot role, fresh login, `"confirm": true`, audited as `web:<user>@<address>`) or decline it
(officer, with a comment)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from flask import Blueprint, abort, jsonify, request

from command.alerts import INTERVALS, Alert, Timeline
from command.centre.operations import OperationRefused
from command.centre.ops_alerts import AlertDetail, AlertFilter, AlertStatus
from web import the_centre
from web.api._common import actor, iso, json_body, person, refused, text_field
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_alerts", __name__, url_prefix="/api/alerts")

COMMENT = {
    "type": "object",
    "properties": {"comment": {"type": "string", "minLength": 1, "maxLength": 2000}},
    "required": ["comment"],
}
CONFIRM = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean", "const": True}},
    "required": ["confirm"],
}
ALERT = {"type": "object", "description": "one alert (see GET /api/alerts/{alert_id})"}
FIGURE = {
    "type": "object",
    "properties": {
        "interval": {"type": "string"},
        "count": {"type": "integer"},
        "missing": {"type": "integer"},
        "median_s": {"type": ["number", "null"]},
        "p95_s": {"type": ["number", "null"]},
    },
}


def status_of(alert: Alert) -> str:
    """open, acknowledged or closed (as the map's alert marks say)."""
    if not alert.is_open:
        return "closed"
    return "acknowledged" if alert.acknowledged else "open"


def source_json(alert: Alert) -> dict[str, Any] | None:
    """The source estimate: position, 95 % radius (m), candidate enterprise zones."""
    found = alert.source
    if found is None:
        return None
    e = found.estimate
    return {
        "latitude_deg": e.lat,
        "longitude_deg": e.lon,
        "uncertainty_m": e.uncertainty_m,
        "pollutant": e.pollutant,
        "samples": e.n_samples,
        "method": e.method,
        "candidates": [
            {"zone": c.name, "distance_m": round(c.distance_m, 1)} for c in found.candidates
        ],
        "message": found.message,
    }


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as the API lists it."""
    return {
        "id": alert.alert_id,
        "status": status_of(alert),
        "rule": alert.rule,
        "place": alert.place,
        "place_label": alert.place_label,
        "pollutant": alert.pollutant,
        "level": alert.level,
        "value": alert.value,
        "peak_value": alert.peak_value,
        "category": alert.category,
        "latitude_deg": alert.latitude_deg,
        "longitude_deg": alert.longitude_deg,
        "raised_at": iso(alert.raised_utc),
        "message": alert.message,
        "response_state": alert.response_state.value,
        "response_note": alert.response_note,
        "approved_by": alert.approved_by,
        "sortie_id": alert.sortie_id,
        "vehicle": alert.vehicle,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_comment": alert.acknowledged_comment,
        "acknowledged_at": iso(alert.acknowledged_utc),
        "closed_by": alert.closed_by,
        "closed_comment": alert.closed_comment,
        "closed_at": iso(alert.closed_utc),
        "source": source_json(alert),
    }


def timeline_json(timeline: Timeline) -> list[dict[str, Any]]:
    """Each timed step, in time order, and seconds since raised."""
    raised = timeline.steps.get(min(timeline.steps, default=None)) if timeline.steps else None
    start = next((t for s, t in timeline.steps.items() if s.value == "raised"), raised)
    return [
        {
            "step": step.value,
            "at": iso(at),
            "after_raised_s": None if start is None else (at - start).total_seconds(),
        }
        for step, at in sorted(timeline.steps.items(), key=lambda kv: kv[1])
    ]


def detail_json(detail: AlertDetail) -> dict[str, Any]:
    """One alert with its timeline and comments."""
    return {
        **alert_json(detail.alert),
        "timeline": timeline_json(detail.timeline),
        "comments": [{**asdict(c), "at": iso(c.at)} for c in detail.comments],
    }


def figures_json() -> list[dict[str, Any]]:
    """The centre's median / p95 of each response interval."""
    return [
        {
            "interval": f.name,
            "count": f.count,
            "missing": f.missing,
            "median_s": None if math.isnan(f.median_s) else round(f.median_s, 1),
            "p95_s": None if math.isnan(f.p95_s) else round(f.p95_s, 1),
        }
        for f in the_centre().response_figures()
    ]


def alert_filter() -> AlertFilter:
    """The list's filter from the query (400 naming a bad status)."""
    status = request.args.get("status", "open")
    try:
        chosen = AlertStatus(status)
    except ValueError:
        known = ", ".join(s.value for s in AlertStatus)
        abort(400, f"status: {status[:20]!r} is not one of {known}")
    return AlertFilter(
        chosen, request.args.get("pollutant") or None, request.args.get("q", "")[:100] or None
    )


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Alerts, newest first, filtered",
    response={"type": "object", "properties": {"alerts": {"type": "array", "items": ALERT}}},
    query={
        "status": "open (default), unacknowledged, closed or all",
        "pollutant": "e.g. pm2_5, so2",
        "q": "text in the rule, place or message",
    },
)
def alerts():
    listed = the_centre().list_alerts(alert_filter())
    return jsonify(alerts=[alert_json(a) for a in listed])


@bp.route("/figures", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Median and p95 of each quick-response interval over every stored alert",
    response={"type": "object", "properties": {"figures": {"type": "array", "items": FIGURE}}},
)
def figures():
    return jsonify(figures=figures_json(), intervals=[f"{a} → {b}" for a, b in INTERVALS])


@bp.route("/<int:alert_id>", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="One alert with its response timeline, comments and source estimate")
def alert(alert_id: int):
    try:
        return jsonify(detail_json(the_centre().alert_detail(alert_id)))
    except OperationRefused as exc:
        return refused(exc, 404)


def _act(alert_id: int, action: str) -> Any:
    comment = text_field(json_body(), "comment")
    centre = the_centre()
    try:
        if action == "acknowledge":
            centre.acknowledge_alert(alert_id, person(), comment)
        elif action == "close":
            centre.close_alert(alert_id, person(), comment)
        else:
            centre.comment_alert(alert_id, person(), comment)
        return jsonify(detail_json(centre.alert_detail(alert_id)))
    except OperationRefused as exc:
        return refused(exc)


@bp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@access(Role.OFFICER)
@documented(summary="Acknowledge an alert (by the logged-in person)", request=COMMENT)
def acknowledge(alert_id: int):
    return _act(alert_id, "acknowledge")


@bp.route("/<int:alert_id>/comments", methods=["POST"])
@access(Role.OFFICER)
@documented(summary="Comment on an alert (by the logged-in person)", request=COMMENT)
def comment(alert_id: int):
    return _act(alert_id, "comment")


@bp.route("/<int:alert_id>/close", methods=["POST"])
@access(Role.OFFICER)
@documented(summary="Close an alert with a comment (by the logged-in person)", request=COMMENT)
def close(alert_id: int):
    return _act(alert_id, "close")


def _known(alert_id: int) -> Any | None:
    """A 404 refusal when the alert is unknown (checked before anything else)."""
    try:
        the_centre().alert_detail(alert_id)
    except OperationRefused as exc:
        return refused(exc, 404)
    return None


@bp.route("/<int:alert_id>/approve", methods=["POST"])
@access(Role.PILOT, fresh=True)
@documented(
    summary="Approve the quick response an alert awaits: a drone flies (needs confirm: true)",
    request=CONFIRM,
    response=ALERT,
)
def approve(alert_id: int):
    data = json_body()
    unknown = _known(alert_id)
    if unknown is not None:
        return unknown
    if data.get("confirm") is not True:
        return refused(
            OperationRefused("approving sends a drone: it needs confirm: true; nothing sent"), 400
        )
    centre = the_centre()
    try:
        centre.approve_response(alert_id, person(), actor=actor())
        return jsonify(detail_json(centre.alert_detail(alert_id)))
    except OperationRefused as exc:
        return refused(exc)


@bp.route("/<int:alert_id>/decline", methods=["POST"])
@access(Role.OFFICER)
@documented(
    summary="Decline the quick response an alert awaits, saying why",
    request=COMMENT,
    response=ALERT,
)
def decline(alert_id: int):
    comment = text_field(json_body(), "comment")
    unknown = _known(alert_id)
    if unknown is not None:
        return unknown
    centre = the_centre()
    try:
        centre.decline_response(alert_id, person(), comment)
        return jsonify(detail_json(centre.alert_detail(alert_id)))
    except OperationRefused as exc:
        return refused(exc)
