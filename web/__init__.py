"""The officers' web console: `create_app(settings, db, centre=...)` builds the Flask app.

Areas are discovered, not listed: every module of `web.api` (JSON, `/api/<area>`) and of
`web.pages` (HTML pages) that defines a Flask `Blueprint` named `bp` is registered, in name
order. The running `CommandCentre` hangs off `app.extensions["ecopatrol.centre"]`; its
operations are the console's only way in. No module-level app state.

`create_app()` with no arguments (for a WSGI server such as granian) reads the centre's config
path from `ECOPATROL_CONFIG` (none: the embedded demo) and starts the centre in this process.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, abort, current_app
from flask_babel import Babel, get_locale
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from command.storage import Database
from web import security
from web.labels import ROLE_LABELS
from web.sessions import CheckedOnceSessions
from web.throttle import SignInThrottle
from web.users import UserStore

if TYPE_CHECKING:
    from command.centre import CommandCentre

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_CN", "en")
CENTRE_KEY = "ecopatrol.centre"
AREA_PACKAGES = ("web.api", "web.pages")
"""Packages whose modules' `bp` blueprints are registered (each module is one area)."""


@dataclass(frozen=True)
class WebSettings:
    """How the console serves: the session secret, cookie security, login limits, language."""

    secret_key: bytes
    secure_cookies: bool = False
    login_limit: str = "10 per minute"
    default_language: str = "zh_CN"
    tile_hosts: tuple[str, ...] = field(default_factory=tuple)
    base_map: str = "none"  # "osm", "tianditu" or "none"
    tile_url: str | None = None
    tianditu_key: str | None = None
    trusted_proxies: int = 0
    """Reverse proxies in front of the console that set X-Forwarded-For/-Proto/-Host (nginx:
    docs/deploying.md); 0 trusts none of those headers, so a client cannot forge its address."""


def create_app(
    settings: WebSettings | None = None,
    db: Database | None = None,
    *,
    centre: CommandCentre | None = None,
) -> Flask:
    """The console's Flask app over the centre (or, for account-only use, just a database)."""
    if settings is None and db is None and centre is None:
        from web.runtime import app_from_environment

        return app_from_environment()
    if settings is None:
        raise TypeError("create_app: settings are needed with a database or a centre")
    if db is None:
        if centre is None:
            raise TypeError("create_app: give a database or a centre")
        db = centre.db
    app = Flask(
        "ecopatrol",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=settings.default_language,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "web" / "translations"),
    )
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = CheckedOnceSessions()
    app.extensions["ecopatrol.settings"] = settings
    app.extensions["ecopatrol.db"] = db
    app.extensions[CENTRE_KEY] = centre
    users = UserStore(db)
    app.extensions["ecopatrol.users"] = users

    login = LoginManager(app)
    login.login_view = "auth.login"
    login.session_protection = "strong"

    @login.user_loader
    def load_user(user_id: str):
        return users.get(int(user_id)) if user_id.isdigit() else None

    CSRFProtect(app)
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["role_label"] = lambda role: str(ROLE_LABELS.get(role, role))
    security.install(app, secure_cookies=settings.secure_cookies, tile_hosts=settings.tile_hosts)

    from web import apiutil, auth, console, openapi

    apiutil.install(app)

    SignInThrottle(settings.login_limit).install(app, auth.bp.name)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(openapi.bp)
    for bp in area_blueprints():
        app.register_blueprint(bp)
    return app


def area_blueprints() -> list[Blueprint]:
    """Every `bp` of the modules of web.api and web.pages, in package then module name order."""
    found = []
    for package_name in AREA_PACKAGES:
        package = importlib.import_module(package_name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package_name}.{info.name}")
            bp = getattr(module, "bp", None)
            if isinstance(bp, Blueprint):
                found.append(bp)
    return found


def the_centre() -> CommandCentre:
    """The running command centre of this app (503 when the console runs without one)."""
    centre = current_app.extensions.get(CENTRE_KEY)
    if centre is None:
        abort(503, "the command centre is not running")
    return centre


def _locale() -> str:
    from flask import request, session

    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    settings: WebSettings = current_app.extensions["ecopatrol.settings"]
    return request.accept_languages.best_match(LANGUAGES) or settings.default_language
