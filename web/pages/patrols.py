"""The patrols page: schedules (pause / resume / revisit), the dispatch queue with waiting
reasons, and compliance per zone over a chosen period."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from web.api.patrols import overview_json
from web.security import access
from web.users import Role

bp = Blueprint("patrols", __name__)


@bp.route("/patrols")
@access(Role.VIEWER)
def page():
    return render_template(
        "patrols.html", view=overview_json(), may_change=current_user.may(Role.OFFICER)
    )
