"""Who may call which route, and the protections every response gets.

Every view declares its access with `@access(...)`; a route without a declaration is refused
(fail closed) and a test walks `app.url_map` to find any. Aircraft-moving routes need the pilot
role, a login younger than `FRESH_LOGIN` and an explicit confirmation in the request.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask import url_for as flask_url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from web.users import Role

log = logging.getLogger("web")

FRESH_LOGIN = timedelta(minutes=5)
"""How recent a login must be for a command that moves an aircraft."""
MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""Largest request body accepted (a zones GeoJSON upload)."""
_ATTR = "ecopatrol_access"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """A route's declared access: the least role (None = anyone, e.g. the login page) and
    whether it needs a fresh login (commands that move an aircraft)."""

    role: Role | None
    fresh: bool = False


def access(role: Role | None, *, fresh: bool = False) -> Callable[[F], F]:
    """Declare who may call a view. `access(None)` marks a public route explicitly."""

    def mark(view: F) -> F:
        setattr(view, _ATTR, Access(role, fresh))
        return view

    return mark


def declared_access(view: Callable[..., Any] | None) -> Access | None:
    """The access a view declared, or None when it declared none."""
    return getattr(view, _ATTR, None)


def wants_json() -> bool:
    """API requests (and fetches asking for JSON) get JSON errors instead of pages."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def login_time_utc() -> datetime | None:
    """When the current session logged in (or last confirmed its password)."""
    stamp = session.get("login_utc")
    try:
        return datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None


def mark_fresh_login(now: datetime) -> None:
    """Record that the user just proved their password."""
    session["login_utc"] = now.isoformat()


def is_fresh(now: datetime) -> bool:
    """True when the session's login is younger than FRESH_LOGIN."""
    stamp = login_time_utc()
    return stamp is not None and now - stamp <= FRESH_LOGIN


def enforce_access() -> Response | None:
    """before_request: refuse what the route's declaration does not allow."""
    if request.endpoint is None:  # 404/405: let the router answer
        return None
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint)
    rule = declared_access(view)
    if rule is None:
        log.error("route %s declares no access: refused", request.endpoint)
        abort(403)
    if rule.role is None:
        return None
    if not current_user.is_authenticated:
        if wants_json():
            abort(401)
        return redirect(flask_url_for("auth.login", next=request.full_path))
    if not current_user.may(rule.role):
        abort(403)
    if rule.fresh and not is_fresh(datetime.now(UTC)):
        if wants_json():
            return error_response(
                401, "confirm your password again: this command needs a fresh login"
            )
        return redirect(flask_url_for("auth.confirm", next=request.full_path))
    return None


def safe_referrer() -> str:
    """Where to go back to after a form: the referring page on this site, else the dashboard."""
    from urllib.parse import urlsplit

    parts = urlsplit(request.referrer or "")
    if parts.netloc == request.host and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return flask_url_for("console.dashboard")


def csp_nonce() -> str:
    """This response's script nonce (templates put it on every <script>)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
"""The headers every response carries as they are (the CSP carries the response's nonce)."""
POLICY_KEY = "ecopatrol.content_policy"
_CSP = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:{tiles}; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class ContentPolicy:
    """The Content-Security-Policy of this console: its own origin, plus the base map's tile
    hosts for images; inline scripts only with the nonce the response rendered."""

    tile_hosts: tuple[str, ...] = ()

    def header(self, nonce: str | None) -> str:
        if nonce is None:  # an API answer, a page with no script of its own
            return self.without_nonce
        return _CSP.format(nonce=f" 'nonce-{nonce}'", tiles=self._tiles)

    @property
    def _tiles(self) -> str:
        return "".join(" " + t for t in self.tile_hosts)

    @cached_property
    def without_nonce(self) -> str:
        return _CSP.format(nonce="", tiles=self._tiles)


def security_headers(response: Response) -> Response:
    """after_request: CSP, no framing, no sniffing, HSTS on TLS, no caching of signed-in pages."""
    headers = response.headers
    policy: ContentPolicy = current_app.extensions[POLICY_KEY]
    headers["Content-Security-Policy"] = policy.header(g.get("csp_nonce"))
    headers.extend(FIXED_HEADERS)
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


def error_response(code: int, message: str) -> Response:
    if wants_json():
        response = jsonify(error=message, status=code)
    else:
        try:
            page = render_template("error.html", code=code, message=message)
        except Exception:  # the error page itself failed: plain text, still no traceback
            log.exception("error page failed")
            page = f"{code}: {message}"
        response = Response(page, mimetype="text/html")
    response.status_code = code
    return response


def handle_http_error(exc: HTTPException) -> Response:
    """Every HTTP error as a short page or JSON: the reason, never a traceback."""
    return error_response(exc.code or 500, exc.description or exc.name)


def handle_unexpected(exc: Exception) -> Response:
    """A bug: logged with its traceback on the server, a plain 500 for the browser."""
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal error: it has been logged")


def install(app: Flask, *, secure_cookies: bool, tile_hosts: tuple[str, ...] = ()) -> None:
    """Wire the checks, headers, limits and error handlers into the app."""
    app.extensions[POLICY_KEY] = ContentPolicy(tile_hosts)
    app.config.update(
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    app.before_request(enforce_access)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    static = app.view_functions.get("static")
    if static is not None:
        access(None)(static)
