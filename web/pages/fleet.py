"""The fleet page: per-drone telemetry, link state and battery (refreshed from /api/fleet)."""

from __future__ import annotations

from flask import Blueprint, render_template

from web import the_centre
from web.security import access
from web.users import Role

bp = Blueprint("fleet", __name__)


@bp.route("/fleet")
@access(Role.VIEWER)
def page():
    return render_template("fleet.html", fleet=the_centre().fleet_status())
