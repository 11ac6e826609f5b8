"""The officers' web console: `create_app(settings, ...)` builds the Flask app; one blueprint per
area (auth, console, api). No module-level app state: everything hangs off the app object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask_babel import Babel, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from command.storage import Database
from web import security
from web.labels import ROLE_LABELS
from web.users import UserStore

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_CN", "en")


@dataclass(frozen=True)
class WebSettings:
    """How the console serves: the session secret, cookie security, login limits, language."""

    secret_key: bytes
    secure_cookies: bool = False
    login_limit: str = "10 per minute"
    default_language: str = "zh_CN"
    tile_hosts: tuple[str, ...] = field(default_factory=tuple)


def create_app(settings: WebSettings, db: Database) -> Flask:
    """The console's Flask app over the centre's database."""
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
    app.extensions["ecopatrol.settings"] = settings
    app.extensions["ecopatrol.db"] = db
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
    security.install(app, secure_cookies=settings.secure_cookies)

    from web import auth, console

    limiter = Limiter(get_remote_address, app=app, default_limits=[], storage_uri="memory://")
    limiter.limit(settings.login_limit, methods=["POST"])(auth.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    return app


def _locale() -> str:
    from flask import current_app, request, session

    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    settings: WebSettings = current_app.extensions["ecopatrol.settings"]
    return request.accept_languages.best_match(LANGUAGES) or settings.default_language
