"""The auth blueprint: log in, log out, confirm the password again before moving an aircraft.

Failed logins are rate-limited per address (web.throttle) and lock the account after five in a
row (web.users); every login and refusal is logged with the address.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from web.security import access, mark_fresh_login
from web.users import PASSWORD_MAX, USERNAME_MAX, LoginRefused, Role, UserStore

log = logging.getLogger("web.auth")
bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=USERNAME_MAX)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ConfirmForm(FlaskForm):
    password = PasswordField("password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])


def users() -> UserStore:
    """The app's account store."""
    return current_app.extensions["ecopatrol.users"]


def safe_next(target: str | None) -> str:
    """A redirect target on this site only (no //host or scheme): else the dashboard."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("console.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@access(None)
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        now = datetime.now(UTC)
        try:
            user = users().authenticate(form.username.data or "", form.password.data or "", now)
        except LoginRefused as exc:
            log.warning(
                "login refused for %r from %s: %s", form.username.data, request.remote_addr, exc
            )
            error = str(exc)
        else:
            session.clear()
            login_user(user)
            mark_fresh_login(now)
            log.info("login %s (%s) from %s", user.username, user.role.label, request.remote_addr)
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        error = _("Fill in both fields.")
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@access(Role.VIEWER)
def logout():
    log.info("logout %s", current_user.username)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@access(Role.VIEWER)
def confirm():
    """Ask for the password again (a fresh login) before a command that moves an aircraft."""
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        now = datetime.now(UTC)
        try:
            users().authenticate(current_user.username, form.password.data or "", now)
        except LoginRefused as exc:
            error = str(exc)
        else:
            mark_fresh_login(now)
            return redirect(safe_next(request.args.get("next")))
    return render_template("confirm.html", form=form, error=error), 401 if error else 200
