"""A console app over a real SQLite file, with one account per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from command.storage import Database, open_database
from web import WebSettings, create_app
from web.users import Role, UserStore

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite+pysqlite:///{tmp_path / 'console.sqlite'}")
    yield database
    database.close()


@pytest.fixture
def app(db: Database) -> Flask:
    app = create_app(WebSettings(secret_key=b"k" * 32, login_limit="1000 per minute"), db)
    store = UserStore(db)
    now = datetime.now(UTC)
    for role in Role:
        store.create(role.label, PASSWORD, role, now)
    return app


def csrf_of(html: str) -> str:
    """The CSRF token a page carries."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns a CSRF token for later requests."""
    page = client.get("/login")
    token = csrf_of(page.get_data(as_text=True))
    reply = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return csrf_of(client.get("/").get_data(as_text=True))


# The live console (simulator + centre + console on a port) and the Chromium browser, for every
# module under tests/web: module-scoped, so one simulator per test module that asks for them.
from tests.web.live import browser, live_console  # noqa: E402, F401
