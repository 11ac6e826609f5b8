"""The alerts page: alerts listed and filtered, one alert with its timeline, comments, the
source estimate on the map (its layers read again from `/api/map/alerts/<id>` and its zones),
acknowledge / comment / close by the logged-in person, and approve (pilot) or decline
(officer) a quick response that awaits approval (its forms drawn hidden until it does)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from command.centre.operations import OperationRefused
from maps import LiveSources, MapSnapshot, render_map
from web import the_centre
from web.api.alerts import alert_filter, alert_json, detail_json, figures_json
from web.api.map import alert_mark, candidate_shapes
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
    live = LiveSources(
        alerts_url=url_for("api_map.alert", alert_id=alert_id),
        zones_url=url_for("api_map.alert_zones", alert_id=alert_id),
    )
    page = render_map(
        MapSnapshot(
            alerts=(alert_mark(alert),), zones=tuple(candidate_shapes(alert, centre.zones))
        ),
        base=base_map(),
        lang=map_language(),
        live=live,
        nonce=csp_nonce(),
    )
    return render_template(
        "alert.html",
        alert=detail_json(found),
        map=page,
        may_change=current_user.may(Role.OFFICER),
        may_approve=current_user.may(Role.PILOT),
    )
