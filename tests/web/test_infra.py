"""The console's shared infrastructure: areas discovered, every API route documented in the
OpenAPI document, the nav and CSRF meta on every page, the event stream's JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from command.events import LinkLost
from tests.web.conftest import log_in
from web import area_blueprints
from web.api.events import event_json
from web.openapi import documentation


def test_area_blueprints_are_discovered_and_registered(app: Flask) -> None:
    names = {bp.name for bp in area_blueprints()}
    assert "api_events" in names
    assert names <= set(app.blueprints)


def test_every_api_route_is_documented(app: Flask) -> None:
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and documentation(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


def test_the_openapi_document_lists_the_api(app: Flask) -> None:
    doc = app.test_client().get("/api/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    assert "/api/events" in doc["paths"]
    events = doc["paths"]["/api/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    assert events["x-role"] == "viewer"


def test_pages_carry_the_nav_and_the_csrf_meta(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "viewer")
    page = client.get("/").get_data(as_text=True)
    assert '<meta name="csrf-token"' in page
    for area in ("dashboard", "zones", "patrols", "sorties", "alerts", "air", "fleet", "video"):
        assert f'id="nav-{area}"' in page


def test_event_json_names_type_and_time() -> None:
    at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert event_json(LinkLost(time_utc=at, vehicle="hy-01")) == {
        "type": "LinkLost",
        "at": "2026-12-02T08:00:00Z",
        "vehicle": "hy-01",
    }


def test_the_event_stream_needs_a_centre_and_a_login(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/api/events").status_code == 401
    log_in(client, "viewer")
    assert client.get("/api/events").status_code == 503  # this app runs without a centre
