"""Every route of the whole console, parametrised: a declared role on each, anonymous and viewer
requests to state-changing routes refused (401/403), POST without CSRF refused, and user-supplied
zone names escaped on the pages (a centre over a real SQLite file and zones document, no links)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from tests.web.conftest import PASSWORD, csrf_of
from tests.web.inprocess import WAYS_IN, app_by
from tests.web.live import add_role_accounts
from web import WebSettings, create_app
from web.security import declared_access
from web.users import Role

EVIL = "<script>alert(1)</script>"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _zones_with_an_evil_name(folder: Path) -> Path:
    doc = json.loads(ZONES.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        if feature["properties"]["name"] == "wetland-park":
            feature["properties"]["name"] = EVIL
    path = folder / "zones.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    folder = tmp_path_factory.mktemp("routes")
    config = config_from_mapping(
        {
            "var_dir": str(folder),
            "zones": str(_zones_with_an_evil_name(folder)),
            "vehicles": [{"name": "hy-01", "connect": "tcp:127.0.0.1:9"}],
            "scheduler": {"enabled": False},
        }
    )
    centre = CommandCentre(config)  # not started: no links, the pages read its state
    add_role_accounts(centre)
    yield centre
    centre.close()


@pytest.fixture(scope="module", params=WAYS_IN)
def console(centre: CommandCentre, request: pytest.FixtureRequest) -> Iterator[Flask]:
    with app_by(request.param, centre) as app:
        yield app


def _routes() -> list[tuple[str, str, str]]:
    settings = WebSettings(secret_key=b"x" * 32)
    from command.storage import open_database

    db = open_database("sqlite+pysqlite:///:memory:")
    app = create_app(settings, db)
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            found.append((rule.endpoint, method, rule.rule))
    db.close()
    return found


STATE_ROUTES = _routes()
GUARDED_ROUTES = [r for r in STATE_ROUTES if r[0] not in {"auth.login", "console.language"}]
"""State changes behind a login (logging in and choosing the language are public)."""


def _url(rule: str) -> str:
    rule = re.sub(r"<int:([a-z_]+)>", "1", rule)
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"hy-01", rule)


def _log_in(client, username: str) -> str:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    reply = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert reply.status_code == 302
    return csrf_of(client.get("/").get_data(as_text=True))


def test_every_route_declares_a_role(console: Flask) -> None:
    undeclared = [
        r.rule for r in console.url_map.iter_rules()
        if declared_access(console.view_functions[r.endpoint]) is None
    ]  # fmt: skip
    assert undeclared == []
    assert len(STATE_ROUTES) >= 4  # login, logout, language, dispatch, vehicle command …


@pytest.mark.parametrize(("endpoint", "method", "rule"), GUARDED_ROUTES)
def test_state_changing_routes_refuse_anonymous_and_viewer(
    console: Flask, endpoint: str, method: str, rule: str
) -> None:
    declared = declared_access(console.view_functions[endpoint])
    assert declared is not None and declared.role is not None, f"{rule} is public"
    client = console.test_client()
    anonymous = csrf_of(client.get("/login").get_data(as_text=True))
    headers = {"Accept": "application/json"}
    reply = client.open(
        _url(rule), method=method, json={}, headers={**headers, "X-CSRFToken": anonymous}
    )
    assert reply.status_code == 401
    if declared.role is Role.VIEWER:
        return  # a viewer may (log out)
    token = _log_in(client, "viewer")
    reply = client.open(
        _url(rule), method=method, json={}, headers={**headers, "X-CSRFToken": token}
    )
    assert reply.status_code == 403


@pytest.mark.parametrize(("endpoint", "method", "rule"), STATE_ROUTES)
def test_state_changing_routes_refuse_a_post_without_csrf(
    console: Flask, endpoint: str, method: str, rule: str
) -> None:
    client = console.test_client()
    _log_in(client, "admin")
    reply = client.open(_url(rule), method=method, json={"confirm": True})
    assert reply.status_code == 400
    assert "CSRF" in reply.get_data(as_text=True)


def test_dispatch_without_confirmation_is_refused_and_nothing_sent(
    console: Flask, centre: CommandCentre
) -> None:
    client = console.test_client()
    token = _log_in(client, "pilot")
    before = centre.sortie_history()
    reply = client.post(
        "/api/sorties",
        json={"zone": "yanshan-construction-site", "vehicle": "hy-01", "confirm": False},
        headers={"X-CSRFToken": token},
    )
    assert reply.status_code == 409 and "confirmation" in reply.json["error"]
    reply = client.post(
        "/api/sorties", json={"zone": "x", "vehicle": "hy-01", "colour": 1},
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert reply.status_code == 400 and "colour" in reply.json["error"]
    assert centre.sortie_history() == before


@pytest.mark.parametrize("path", ["/", "/sorties", "/api/map/zones", "/api/sorties/zones"])
def test_a_script_zone_name_shows_as_text(console: Flask, path: str) -> None:
    client = console.test_client()
    _log_in(client, "officer")
    reply = client.get(path)
    assert reply.status_code == 200
    text = reply.get_data(as_text=True)
    if path.startswith("/api/"):  # data, served as JSON the browser will not sniff as HTML
        assert reply.mimetype == "application/json"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert EVIL in json.dumps(reply.json, ensure_ascii=False)
        return
    assert EVIL not in text
    if path == "/sorties":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    else:  # the map's embedded zone collection: the name is there, but never as a tag
        assert "alert(1)" in text
