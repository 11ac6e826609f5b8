"""The audit page: commands sent to vehicles, filtered by person, vehicle, time range and
action, with a CSV export of the same filter."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from web import the_centre
from web.api.audit import audit_filter, record_json
from web.security import access
from web.users import Role

bp = Blueprint("audit", __name__)


@bp.route("/audit")
@access(Role.VIEWER)
def page():
    where, limit = audit_filter()
    centre = the_centre()
    records = [record_json(r) for r in centre.audit_records(where, limit)]
    return render_template(
        "audit.html", records=records, args=request.args, actions=centre.audit_actions()
    )
