"""The sorties page: dispatch a zone to a drone after a confirmation showing its checks, live
progress, pause / resume / RTL / land / abort, and the sortie history."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from web import the_centre
from web.security import access
from web.users import Role

bp = Blueprint("sorties", __name__)


@bp.route("/sorties")
@access(Role.VIEWER)
def page():
    centre = the_centre()
    return render_template(
        "sorties.html",
        zones=centre.task_zone_names(),
        vehicles=[v.name for v in centre.config.vehicles],
        history=centre.sortie_history(limit=50),
        may_preview=current_user.may(Role.OFFICER),
        may_fly=current_user.may(Role.PILOT),
    )
