"""The console blueprint: the officers' pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session

from web.security import access, safe_referrer
from web.users import Role

bp = Blueprint("console", __name__)


@bp.route("/")
@access(Role.VIEWER)
def dashboard():
    return render_template("dashboard.html")


@bp.route("/language", methods=["POST"])
@access(None)
def language():
    """Switch the console's language (zh_CN or en) for this session."""
    from web import LANGUAGES

    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_referrer())
