"""Approving or declining a quick response that waits for approval, over a real CommandCentre
(temp SQLite, the demo zones, no drones): roles, fresh login, CSRF, an explicit confirmation
(nothing queued without it), the approval audited with the person and address, unknown alerts
404, and the alert page's buttons (drawn for those who may use them, shown while awaiting)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from command.alerts import Alert, EngineState, Pattern, Response, ResponseState, Timeline
from command.alerts.store import AlertStore
from command.alerts.timeline import Step
from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.storage import open_database
from command.storage.audit import list_audit
from tests.web.conftest import csrf_of, log_in
from tests.web.inprocess import WAYS_IN, app_by, started_centre, station_alert

NOW = datetime.now(UTC).replace(microsecond=0)


def awaiting(alert_id: int) -> Alert:
    """An open alert whose rule's quick response waits for an officer's approval."""
    return station_alert(
        alert_id,
        NOW,
        rule="so2-spike",
        pollutant="so2",
        value=700.0,
        peak_value=700.0,
        basis_value=700.0,
        reported_value=700.0,
        category=4,
        basis_category=4,
        message="SO2 spike",
        rules=("so2-spike",),
        active_rules=("so2-spike",),
        response=Response.ON_APPROVAL,
        pattern=Pattern.TRANSECTS,
        response_state=ResponseState.AWAITING_APPROVAL,
    )


@pytest.fixture(scope="module", params=WAYS_IN)
def way_in(request: pytest.FixtureRequest) -> str:
    """In the centre's process, or as a web worker (a centre of its own for each)."""
    return request.param


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory, way_in: str) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("approval")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": []}, source="test"
    )
    ids = (1, 2, 3)
    state = EngineState(
        next_alert_id=4,
        started_utc=NOW,
        alerts=[awaiting(i) for i in ids],
        timelines=[Timeline(i, {Step.RAISED: NOW}) for i in ids],
        stations=[],
    )
    db = open_database(config.database)
    AlertStore(db).save(state, NOW, set(ids))
    db.close()
    with started_centre(config) as c:
        yield c


@pytest.fixture(scope="module")
def app(centre: CommandCentre, way_in: str) -> Iterator[Flask]:
    with app_by(way_in, centre) as console:
        yield console


def client_as(app: Flask, role: str) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    return client, {"X-CSRFToken": log_in(client, role)}


def state_of(centre: CommandCentre, alert_id: int) -> str:
    return centre.alert_detail(alert_id).alert.response_state.value


def queued_for(centre: CommandCentre, alert_id: int) -> list[object]:
    tasks = centre.queued_tasks(open_only=False)
    return [t for t in tasks if t.detail.get("alert_id") == alert_id]


@pytest.mark.parametrize(
    ("url", "body"),
    [("/api/alerts/1/approve", {"confirm": True}), ("/api/alerts/1/decline", {"comment": "no"})],
)
def test_anonymous_viewer_and_no_csrf_are_refused(
    app: Flask, centre: CommandCentre, url: str, body: dict[str, object]
) -> None:
    anonymous = app.test_client()
    token = csrf_of(anonymous.get("/login").get_data(as_text=True))
    assert anonymous.post(url, json=body, headers={"X-CSRFToken": token}).status_code == 401
    viewer, h = client_as(app, "viewer")
    assert viewer.post(url, json=body, headers=h).status_code == 403
    pilot, _ = client_as(app, "pilot")
    no_csrf = pilot.post(url, json=body)
    assert no_csrf.status_code == 400 and "CSRF" in no_csrf.get_data(as_text=True)
    assert state_of(centre, 1) == "awaiting_approval"


def test_approval_needs_a_pilot_with_a_fresh_login(app: Flask, centre: CommandCentre) -> None:
    officer, h = client_as(app, "officer")
    assert (
        officer.post("/api/alerts/1/approve", json={"confirm": True}, headers=h).status_code == 403
    )
    pilot, h = client_as(app, "pilot")
    with pilot.session_transaction() as session:
        session["login_utc"] = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    stale = pilot.post("/api/alerts/1/approve", json={"confirm": True}, headers=h)
    assert stale.status_code == 401 and "fresh login" in stale.json["error"]
    assert state_of(centre, 1) == "awaiting_approval"


def test_approval_without_confirm_sends_nothing(app: Flask, centre: CommandCentre) -> None:
    pilot, h = client_as(app, "pilot")
    for body in ({}, {"confirm": False}, {"confirm": "yes"}):
        reply = pilot.post("/api/alerts/1/approve", json=body, headers=h)
        assert reply.status_code == 400 and "confirm" in reply.json["error"], body
    assert state_of(centre, 1) == "awaiting_approval"
    assert queued_for(centre, 1) == []
    assert centre.alert_detail(1).alert.approved_by is None
    assert [a for a in list_audit(centre.db) if a.command == "approve_response"] == []


def test_a_pilot_approves_and_it_is_audited_with_the_person(
    app: Flask, centre: CommandCentre
) -> None:
    pilot, h = client_as(app, "pilot")
    reply = pilot.post("/api/alerts/1/approve", json={"confirm": True}, headers=h)
    assert reply.status_code == 200, reply.json
    assert reply.json["approved_by"] == "pilot"
    # With no drone having a position the centre refuses to plan it, saying why.
    assert reply.json["response_state"] == "refused"
    assert "no drone has a position" in reply.json["response_note"]
    (entry,) = [a for a in list_audit(centre.db) if a.command == "approve_response"]
    assert entry.actor == "web:pilot@127.0.0.1" and entry.params["alert_id"] == 1
    assert entry.result.value == "accepted"
    again = pilot.post("/api/alerts/1/approve", json={"confirm": True}, headers=h)
    assert again.status_code == 409 and "not awaiting approval" in again.json["error"]


def test_an_officer_declines_with_a_comment(app: Flask, centre: CommandCentre) -> None:
    officer, h = client_as(app, "officer")
    blank = officer.post("/api/alerts/2/decline", json={"comment": " "}, headers=h)
    assert blank.status_code == 400 and state_of(centre, 2) == "awaiting_approval"
    reply = officer.post("/api/alerts/2/decline", json={"comment": "known works"}, headers=h)
    assert reply.status_code == 200
    assert reply.json["response_state"] == "declined"
    assert reply.json["response_note"] == "known works"
    assert queued_for(centre, 2) == []
    again = officer.post("/api/alerts/2/decline", json={"comment": "x"}, headers=h)
    assert again.status_code == 409


def test_unknown_alerts_are_404(app: Flask) -> None:
    pilot, h = client_as(app, "pilot")
    assert (
        pilot.post("/api/alerts/99/approve", json={"confirm": True}, headers=h).status_code == 404
    )
    assert pilot.post("/api/alerts/99/decline", json={"comment": "x"}, headers=h).status_code == 404


def test_both_routes_are_documented_with_their_roles(app: Flask) -> None:
    paths = app.test_client().get("/api/openapi.json").json["paths"]
    assert paths["/api/alerts/{alert_id}/approve"]["post"]["x-role"] == "pilot"
    assert paths["/api/alerts/{alert_id}/decline"]["post"]["x-role"] == "officer"


def test_the_alert_page_offers_the_buttons_while_awaiting(app: Flask) -> None:
    pilot, _ = client_as(app, "pilot")
    page = pilot.get("/alerts/3").get_data(as_text=True)
    assert 'id="approve-form"' in page and 'id="decline-form"' in page
    assert '<div id="response-box">' in page  # shown
    assert "/api/alerts/3/approve" in page and 'id="approve-confirm"' in page
    assert "批准响应" in page and "拒绝响应" in page  # zh-CN by default
    officer, _ = client_as(app, "officer")
    page = officer.get("/alerts/3").get_data(as_text=True)
    assert 'id="decline-form"' in page and 'id="approve-form"' not in page
    viewer, _ = client_as(app, "viewer")
    assert 'id="decline-form"' not in viewer.get("/alerts/3").get_data(as_text=True)
    declined = pilot.get("/alerts/2").get_data(as_text=True)
    assert '<div id="response-box" hidden>' in declined  # drawn for the page to show, hidden


def test_the_alert_pages_map_layers_are_served_as_geojson(app: Flask) -> None:
    viewer, _ = client_as(app, "viewer")
    mark = viewer.get("/api/map/alerts/3")
    assert mark.status_code == 200
    (feature,) = mark.json["features"]
    assert feature["id"] == "3" and feature["geometry"]["coordinates"] == [116.94, 36.65]
    assert feature["properties"]["uncertainty_m"] == 0  # not traced: where it was raised
    assert viewer.get("/api/map/alerts/3/zones").json["features"] == []
    for url in ("/api/map/alerts/99", "/api/map/alerts/99/zones"):
        missing = viewer.get(url)
        assert missing.status_code == 404 and "99" in missing.json["error"]
    assert app.test_client().get("/api/map/alerts/3").status_code == 401
