"""`/api/zones`: the zone document in force, an upload checked whole (each bad feature's
problem returned, nothing changed), an officer's edit of priority / revisit, and the planned
route of a zone with its checks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from command.centre.operations import OperationRefused
from command.centre.ops_zones import ZonesRefused
from web import the_centre
from web.api._common import actor, iso, json_body, refused
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_zones", __name__, url_prefix="/api/zones")

PROBLEM = {
    "type": "object",
    "properties": {
        "feature": {"type": ["string", "null"]},
        "field": {"type": ["string", "null"]},
        "reason": {"type": "string"},
    },
}
ZONE = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "kind": {"type": "string"},
        "priority": {"type": ["integer", "null"]},
        "revisit_minutes": {"type": ["number", "null"]},
    },
}
ZONES = {
    "type": "object",
    "properties": {
        "version": {"type": ["integer", "null"]},
        "source": {"type": "string"},
        "zones": {"type": "array", "items": ZONE},
    },
}
REFUSAL = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "problems": {"type": "array", "items": PROBLEM}},
}
EDIT = {
    "type": "object",
    "properties": {
        "priority": {"type": "integer", "minimum": 1, "maximum": 4},
        "revisit_minutes": {"type": ["number", "null"], "exclusiveMinimum": 0},
    },
    "additionalProperties": False,
}
PREVIEW = {
    "type": "object",
    "properties": {
        "zone": {"type": "string"},
        "may_fly": {"type": "boolean"},
        "route": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
        "findings": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}


def zones_json() -> dict[str, Any]:
    """The zones in force as the API lists them."""
    version = the_centre().zone_version()
    return {
        "version": version.version,
        "source": version.source,
        "zones": [
            {
                "name": z.name,
                "kind": z.kind.value,
                "priority": z.priority,
                "revisit_minutes": z.revisit_minutes,
            }
            for z in version.zones.zones
        ],
    }


def problems_refusal(exc: ZonesRefused) -> Any:
    """A refused document or edit: 400 with each problem."""
    return refused(
        exc,
        400,
        problems=[
            {"feature": p.feature, "field": p.field, "reason": p.reason} for p in exc.problems
        ],
    )


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="The zones in force and their document version", response=ZONES)
def zones():
    return jsonify(zones_json())


@bp.route("/document", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="The zone document in force (GeoJSON FeatureCollection)")
def document():
    return jsonify(the_centre().zone_version().document)


@bp.route("", methods=["POST"])
@access(Role.OFFICER)
@documented(
    summary="Upload a zone document (GeoJSON body, or multipart field 'file'); checked whole: "
    "400 lists every bad feature and nothing changes",
    request={"type": "object", "description": "GeoJSON FeatureCollection (RFC 7946)"},
    response=ZONES,
)
def upload():
    upload = request.files.get("file")
    if upload is not None:
        data, source = upload.read(), f"upload {upload.filename or 'zones.geojson'}"
    else:
        data, source = request.get_data(cache=False), "upload"
    try:
        the_centre().upload_zones(data, source[:200], actor())
    except ZonesRefused as exc:
        return problems_refusal(exc)
    return jsonify(zones_json())


@bp.route("/<path:name>", methods=["PATCH"])
@access(Role.OFFICER)
@documented(
    summary="Change one zone's priority and/or revisit interval", request=EDIT, response=ZONES
)
def edit(name: str):
    try:
        the_centre().change_zone(name, json_body(), actor())
    except ZonesRefused as exc:
        return problems_refusal(exc)
    return jsonify(zones_json())


@bp.route("/history", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="Stored versions of the zone document, newest first")
def history():
    rows = the_centre().zone_history()
    return jsonify(versions=[{**r, "set_at": iso(r["set_at"])} for r in rows])


def preview_json(name: str, vehicle: str | None) -> dict[str, Any]:
    """A zone's planned route (lat, lon) and its checks (OperationRefused when it cannot)."""
    preview = the_centre().preview_zone(name, vehicle)
    mission = preview.planned.mission
    route = [[mission.home.latitude_deg, mission.home.longitude_deg]] + [
        [item.latitude_deg, item.longitude_deg] for _, item in mission.nav_positions()
    ]
    return {
        "zone": preview.zone,
        "vehicle": preview.vehicle,
        "may_fly": preview.may_fly,
        "pattern": preview.planned.pattern,
        "route_length_m": round(preview.planned.route_length_m, 1),
        "route": [[round(a, 7), round(b, 7)] for a, b in route if a or b],
        "findings": [
            {
                "severity": str(f.severity),
                "code": f.code,
                "item": None if f.item_index is None else f.item_index + 1,
                "message": f.message,
            }
            for f in preview.findings
        ],
        "notes": list(preview.planned.notes),
    }


@bp.route("/<path:name>/preview", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="A zone's planned route and its checks (from a drone's position with ?vehicle=)",
    response=PREVIEW,
    query={"vehicle": "plan from this drone's position (default: the zone's centre)"},
)
def preview(name: str):
    try:
        return jsonify(preview_json(name, request.args.get("vehicle") or None))
    except OperationRefused as exc:
        return refused(exc)
