"""Logging in and out, lock-out, rate limits, CSRF, declared access on every route, headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select

from command.storage import Database
from tests.web.conftest import PASSWORD, csrf_of, log_in
from web import WebSettings, create_app
from web.security import access, declared_access
from web.users import AccountError, Role, UserRow, UserStore


def test_every_route_declares_its_access(app: Flask) -> None:
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if declared_access(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_a_route_without_a_declaration_is_refused(app: Flask) -> None:
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert app.test_client().get("/forgotten").status_code == 403


def test_anonymous_pages_go_to_login_and_api_gets_401(app: Flask) -> None:
    app.add_url_rule("/api/ping", "ping", access(Role.VIEWER)(lambda: {"ok": True}))
    client = app.test_client()
    reply = client.get("/")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    reply = client.get("/api/ping")
    assert reply.status_code == 401 and reply.is_json and reply.json["status"] == 401


def test_login_then_logout(app: Flask) -> None:
    client = app.test_client()
    token = log_in(client, "officer")
    page = client.get("/").get_data(as_text=True)
    assert "officer" in page
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(app: Flask) -> None:
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    for name in ("officer", "nobody"):
        reply = client.post(
            "/login", data={"username": name, "password": "wrong password!", "csrf_token": token}
        )
        assert reply.status_code == 401
        assert "wrong user name or password" in reply.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(
    app: Flask, db: Database
) -> None:
    store = UserStore(db)
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    for _ in range(5):
        with pytest.raises(Exception, match="wrong"):
            store.authenticate("pilot", "not the password", now)
    with pytest.raises(Exception, match="locked"):
        store.authenticate("pilot", PASSWORD, now + timedelta(minutes=14))
    assert store.authenticate("pilot", PASSWORD, now + timedelta(minutes=16)).role is Role.PILOT


def test_login_posts_are_rate_limited_per_address(db: Database) -> None:
    app = create_app(WebSettings(secret_key=b"s" * 32, login_limit="3 per minute"), db)
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    replies = [
        client.post("/login", data={"username": "x", "password": "y" * 12, "csrf_token": token})
        for _ in range(5)
    ]
    assert [r.status_code for r in replies] == [401, 401, 401, 429, 429]
    assert 1 <= int(replies[-1].headers["Retry-After"]) <= 60
    assert client.get("/login").status_code == 200  # the pages themselves are not throttled


def test_post_without_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "admin")
    reply = client.post("/logout")
    assert reply.status_code == 400
    assert client.get("/").status_code == 200  # still logged in: nothing changed


def test_login_redirects_only_within_the_site(app: Flask) -> None:
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    reply = client.post(
        "/login?next=//evil.example/x",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": token},
    )
    assert reply.headers["Location"] == "/"


def test_security_headers_and_cookie_flags(app: Flask) -> None:
    client = app.test_client()
    reply = client.get("/login")
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["X-Frame-Options"] == "DENY"
    (cookie,) = [c for c in reply.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_inline_scripts_run_only_with_the_nonce_the_response_rendered(db: Database) -> None:
    osm = "https://tile.openstreetmap.org"
    app = create_app(WebSettings(secret_key=b"c" * 32, tile_hosts=(osm,)), db)
    page = '<script nonce="{{ csp_nonce() }}">start()</script>'
    app.add_url_rule("/scripted", "scripted", access(None)(lambda: render_template_string(page)))
    client = app.test_client()

    def script_src(reply) -> str:
        policy = reply.headers["Content-Security-Policy"]
        assert f"img-src 'self' data: blob: {osm};" in policy  # the base map's tiles load
        return policy.split("script-src ")[1].split(";")[0]

    first, second = client.get("/scripted"), client.get("/scripted")
    nonces = [
        re.search(r'nonce="([^"]+)"', r.get_data(as_text=True)).group(1) for r in (first, second)
    ]
    assert nonces[0] != nonces[1]  # one per response
    assert script_src(first) == f"'self' 'nonce-{nonces[0]}'"
    assert script_src(second) == f"'self' 'nonce-{nonces[1]}'"
    assert script_src(client.get("/login")) == "'self'"  # rendered no nonce: no inline script


def test_errors_never_show_a_traceback(app: Flask) -> None:
    def broken():
        raise RuntimeError("database password is hunter2")

    app.add_url_rule("/broken", "broken", access(None)(broken))
    reply = app.test_client().get("/broken")
    assert reply.status_code == 500
    text = reply.get_data(as_text=True)
    assert "hunter2" not in text and "Traceback" not in text
    assert app.test_client().get("/api/nothing-here").json["status"] == 404


def test_oversized_requests_are_refused(app: Flask) -> None:
    reply = app.test_client().post("/login", data=b"x" * (17 * 1024 * 1024))
    assert reply.status_code == 413


def test_first_admin_is_created_once_with_only_its_hash_stored(db: Database) -> None:
    store = UserStore(db)
    now = datetime.now(UTC)
    password = store.first_admin(now)
    assert password and len(password) >= 12
    assert store.first_admin(now) is None
    with db.reading() as s:
        stored = s.scalar(select(UserRow.password_hash).where(UserRow.username == "admin"))
    assert stored is not None and password not in stored
    assert store.authenticate("admin", password, now).role is Role.ADMIN


@pytest.mark.parametrize(
    ("name", "password"), [("", PASSWORD), ("a b", PASSWORD), ("x" * 65, PASSWORD), ("ok", "short")]
)
def test_bad_accounts_are_refused(db: Database, name: str, password: str) -> None:
    with pytest.raises(AccountError):
        UserStore(db).create(name, password, Role.VIEWER, datetime.now(UTC))


def test_chinese_by_default_and_english_on_request(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    token = csrf_of(page)
    client.post("/language", data={"lang": "en", "csrf_token": token})
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page.replace("中文", "")
