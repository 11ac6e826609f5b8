"""The alerts page: alerts listed and filtered, one alert with its timeline, comments, the
source estimate on the map, acknowledge / comment / close by the logged-in person, and approve
(pilot) or decline (officer) a quick response that awaits approval."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from command.centre.operations import OperationRefused
from maps import AlertMark, MapSnapshot, ZoneShape, render_map
from web import the_centre
from web.api.alerts import alert_filter, alert_json, detail_json, figures_json, status_of
from web.console import base_map, map_language
from web.security import access, csp_nonce
from web.users import Role

bp = Blueprint("alerts", __name__)


@bp.route("/alerts")
@access(Role.VIEWER)
def page():
    where = alert_filter()
    listed = [alert_json(a) for a in the_centre().list_alerts(where)]
    return render_template(
        "alerts.html", alerts=listed, status=where.status.value, figures=figures_json()
    )


@bp.route("/alerts/<int:alert_id>")
@access(Role.VIEWER)
def detail(alert_id: int):
    centre = the_centre()
    try:
        found = centre.alert_detail(alert_id)
    except OperationRefused as exc:
        return render_template("error.html", code=404, message=str(exc)), 404
    alert = found.alert
    marks, shapes = [], []
    if alert.source is not None:
        marks.append(
            AlertMark.at_source(
                str(alert.alert_id), alert.message, alert.source.estimate, status=status_of(alert)
            )
        )
        named = {c.name for c in alert.source.candidates}
        shapes = [
            ZoneShape(f"z{i}", z.name, z.kind.value, z.geometry.__geo_interface__, z.priority)
            for i, z in enumerate(centre.zones)
            if z.name in named
        ]
    else:
        marks.append(
            AlertMark(
                str(alert.alert_id),
                alert.message,
                alert.latitude_deg,
                alert.longitude_deg,
                status=status_of(alert),
            )
        )
    page = render_map(
        MapSnapshot(alerts=tuple(marks), zones=tuple(shapes)),
        base=base_map(),
        lang=map_language(),
        nonce=csp_nonce(),
    )
    return render_template(
        "alert.html",
        alert=detail_json(found),
        map=page,
        may_change=current_user.may(Role.OFFICER),
        may_approve=current_user.may(Role.PILOT),
    )
