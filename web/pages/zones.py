"""The zones page: the zones in force (drawn again by static/js/zones.js when the event stream
says the zone set changed), an upload whose every bad feature is shown (nothing changes),
priority / revisit edits, and a zone's planned route and checks on the map."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from command.centre.operations import OperationRefused
from maps import FlightPath, MapSnapshot, ZoneShape, render_map
from web import the_centre
from web.api.zones import preview_json, zones_json
from web.console import base_map, map_language
from web.security import access, csp_nonce
from web.users import Role

bp = Blueprint("zones", __name__)

PLANNABLE = ("area", "enterprise", "corridor")
"""Zone kinds a route is planned for (their rows get a preview link and the edit form)."""


@bp.route("/zones")
@access(Role.VIEWER)
def page():
    return render_template(
        "zones.html",
        zones=zones_json(),
        may_change=current_user.may(Role.OFFICER),
        plannable=PLANNABLE,
    )


@bp.route("/zones/<path:name>/preview")
@access(Role.VIEWER)
def preview(name: str):
    centre = the_centre()
    try:
        planned = preview_json(name, request.args.get("vehicle") or None)
    except OperationRefused as exc:
        return render_template("zone_preview.html", name=name, error=str(exc), map=None), 409
    shapes = [
        ZoneShape(
            f"z{i}",
            z.name,
            z.kind.value,
            z.geometry.__geo_interface__,
            z.priority,
            z.revisit_minutes,
        )
        for i, z in enumerate(centre.zones)
    ]
    route = FlightPath("preview", "route", tuple(tuple(p) for p in planned["route"]))
    page = render_map(
        MapSnapshot(zones=tuple(shapes), paths=(route,)),
        base=base_map(),
        lang=map_language(),
        nonce=csp_nonce(),
    )
    return render_template("zone_preview.html", name=name, plan=planned, map=page, error=None)
