"""The zones, patrols, alerts, air and audit API over a real CommandCentre (temp SQLite and
cubes, the demo zones, no drones): roles, CSRF, bad input refused with nothing changed, and
user-supplied text kept as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from command.alerts import Alert, EngineState
from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.storage import record_audit
from command.storage.kinds import CommandResult
from sensors.aqi import category
from sensors.cubes import append_station_rows, register_stations
from sensors.cubes.station import StationMeta, StationRows
from tests.web.conftest import csrf_of, log_in
from tests.web.inprocess import WAYS_IN, app_by, started_centre, station_alert

XSS = "<script>alert(1)</script>"
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def seed_station_cube(cubes: Path) -> None:
    """Two stations with 30 hours of hourly values (µg/m³; CO mg/m³)."""
    register_stations(
        [StationMeta("S1", "淮阴站", 36.65, 116.94), StationMeta("S2", XSS, 36.66, 116.95)], cubes
    )
    ids, times, pols, vals = [], [], [], []
    for h in range(30):
        t = int((NOW - timedelta(hours=29 - h)).timestamp() * 1000)
        for sid, pm in (("S1", 40.0), ("S2", 160.0)):
            for pol, v in (
                ("pm2_5", pm),
                ("pm10", 60.0),
                ("so2", 8.0),
                ("no2", 30.0),
                ("co", 0.6),
                ("o3", 50.0),
            ):
                ids.append(sid), times.append(t), pols.append(pol), vals.append(v)
    rows = StationRows(
        np.array(ids, dtype=object),
        np.array(times, dtype=np.int64),
        np.array(pols, dtype=object),
        np.array(vals, dtype=np.float64),
    )
    assert (append_station_rows(rows, cubes) == 0).all()


def an_alert(alert_id: int) -> Alert:
    return station_alert(alert_id, NOW)


@pytest.fixture(scope="module", params=WAYS_IN)
def way_in(request: pytest.FixtureRequest) -> str:
    """In the centre's process, or as a web worker (a centre of its own for each)."""
    return request.param


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory, way_in: str) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("areas")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": [], "scheduler": {"enabled": True}},
        source="test",
    )
    seed_station_cube(config.cubes_path)
    state = EngineState(
        next_alert_id=3,
        started_utc=NOW,
        alerts=[an_alert(1), an_alert(2)],
        timelines=[],
        stations=[],
    )
    from command.alerts import Timeline
    from command.alerts.timeline import Step

    state.timelines = [Timeline(i, {Step.RAISED: NOW}) for i in (1, 2)]
    from command.alerts.store import AlertStore
    from command.storage import open_database

    db = open_database(config.database)
    AlertStore(db).save(state, NOW, {1, 2})
    record_audit(
        db,
        actor="web:pilot@127.0.0.1",
        vehicle_name="hy-01",
        command="arm",
        params={"force": False},
        result=CommandResult.ACCEPTED,
        now=NOW,
    )
    record_audit(
        db,
        actor="cli:ops",
        vehicle_name="hy-02",
        command="=cmd|calc",
        params={},
        result=CommandResult.ACCEPTED,
        now=NOW - timedelta(hours=2),
    )
    db.close()
    with started_centre(config) as c:
        yield c


@pytest.fixture(scope="module")
def app(centre: CommandCentre, way_in: str) -> Iterator[Flask]:
    with app_by(way_in, centre) as console:
        yield console


def client_as(app: Flask, role: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, log_in(client, role)


STATE_CHANGES = [
    ("POST", "/api/zones", b"{}"),
    ("PATCH", "/api/zones/wetland-park", {"priority": 3}),
    ("POST", "/api/patrols/wetland-park/pause", None),
    ("POST", "/api/patrols/wetland-park/resume", None),
    ("PATCH", "/api/patrols/wetland-park", {"revisit_minutes": 300}),
    ("POST", "/api/alerts/2/acknowledge", {"comment": "on it"}),
    ("POST", "/api/alerts/2/comments", {"comment": "note"}),
    ("POST", "/api/alerts/2/close", {"comment": "done"}),
]


def _send(client: FlaskClient, method: str, url: str, body, token: str | None):
    headers = {"X-CSRFToken": token} if token else {}
    if isinstance(body, dict):
        return client.open(url, method=method, json=body, headers=headers)
    return client.open(url, method=method, data=body, headers=headers)


@pytest.mark.parametrize(("method", "url", "body"), STATE_CHANGES)
def test_state_changes_refuse_anonymous_viewer_and_no_csrf(
    app: Flask, centre: CommandCentre, method: str, url: str, body
) -> None:
    version = centre.zone_version().version
    anonymous = app.test_client()
    anon_token = csrf_of(anonymous.get("/login").get_data(as_text=True))
    assert _send(anonymous, method, url, body, anon_token).status_code == 401
    viewer, token = client_as(app, "viewer")
    assert _send(viewer, method, url, body, token).status_code == 403
    officer, _ = client_as(app, "officer")
    refused = _send(officer, method, url, body, None)
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    assert centre.zone_version().version == version
    assert centre.alert_detail(2).alert.acknowledged_by is None


def test_every_area_route_is_documented_with_a_role(app: Flask) -> None:
    doc = app.test_client().get("/api/openapi.json").json
    for path in (
        "/api/zones",
        "/api/zones/{name}/preview",
        "/api/alerts/{alert_id}/close",
        "/api/air/stations",
        "/api/audit",
        "/api/patrols",
    ):
        assert path in doc["paths"], path
    assert doc["paths"]["/api/alerts/{alert_id}/close"]["post"]["x-role"] == "officer"


def test_a_bad_zone_document_lists_each_bad_feature_and_changes_nothing(
    app: Flask, centre: CommandCentre
) -> None:
    before = centre.zone_version()
    bad = json.loads(ZONES.read_text())
    bad["features"][2]["properties"]["priority"] = 9
    bad["features"][3]["geometry"]["coordinates"] = [[[116.9, 36.6]]]
    officer, token = client_as(app, "officer")
    reply = officer.post("/api/zones", data=json.dumps(bad), headers={"X-CSRFToken": token})
    assert reply.status_code == 400
    problems = reply.json["problems"]
    features = " ".join(p["feature"] for p in problems)
    assert len(problems) == 2
    assert "wetland-park" in features and "yanshan-construction-site" in features
    assert any(p["field"] == "priority" for p in problems)
    after = centre.zone_version()
    assert after.version == before.version and after.document == before.document
    broken = officer.post("/api/zones", data=b'{"type": ', headers={"X-CSRFToken": token})
    assert broken.status_code == 400 and "line 1" in broken.json["problems"][0]["reason"]


def test_upload_and_edit_make_new_versions(app: Flask, centre: CommandCentre) -> None:
    officer, token = client_as(app, "officer")
    doc = json.loads(ZONES.read_text())
    doc["features"][2]["properties"]["name"] = XSS
    reply = officer.post("/api/zones", data=json.dumps(doc), headers={"X-CSRFToken": token})
    assert reply.status_code == 200, reply.json
    assert XSS in [z["name"] for z in reply.json["zones"]]
    edit = officer.patch(
        "/api/zones/yanshan-construction-site", json={"priority": 2}, headers={"X-CSRFToken": token}
    )
    assert edit.status_code == 200
    zone = next(z for z in centre.zones if z.name == "yanshan-construction-site")
    assert zone.priority == 2
    version = centre.zone_version().version
    bad = officer.patch(
        "/api/zones/yanshan-construction-site",
        json={"priority": 7, "altitude_m": 500},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 400
    assert {p["field"] for p in bad.json["problems"]} == {"priority", "altitude_m"}
    assert centre.zone_version().version == version
    history = officer.get("/api/zones/history").json["versions"]
    assert history[0]["actor"].startswith("web:officer@")
    officer.post("/api/zones", data=ZONES.read_bytes(), headers={"X-CSRFToken": token})


def test_zone_preview_gives_the_route_and_checks(app: Flask) -> None:
    viewer, _ = client_as(app, "viewer")
    reply = viewer.get("/api/zones/wetland-park/preview")
    assert reply.status_code == 200
    assert reply.json["may_fly"] is True and len(reply.json["route"]) > 3
    for lat, lon in reply.json["route"]:
        assert 36.6 < lat < 36.7 and 116.9 < lon < 117.0
    assert viewer.get("/api/zones/no-such/preview").status_code == 409


def test_patrols_pause_resume_and_revisit(app: Flask, centre: CommandCentre) -> None:
    officer, token = client_as(app, "officer")
    h = {"X-CSRFToken": token}
    assert officer.post("/api/patrols/wetland-park/pause", headers=h).status_code == 200
    held = {s["zone"]: s for s in officer.get("/api/patrols").json["schedules"]}
    assert held["wetland-park"]["paused"] is True
    assert officer.post("/api/patrols/wetland-park/resume", headers=h).status_code == 200
    reply = officer.patch("/api/patrols/wetland-park", json={"revisit_minutes": 90}, headers=h)
    assert reply.status_code == 200
    held = {s["zone"]: s for s in reply.json["schedules"]}
    assert held["wetland-park"]["revisit_minutes"] == 90
    bad = officer.patch("/api/patrols/wetland-park", json={"revisit_minutes": -5}, headers=h)
    assert bad.status_code == 400 and bad.json["problems"][0]["field"] == "revisit_minutes"
    assert officer.get("/api/patrols?start=yesterday").status_code == 400
    period = officer.get("/api/patrols?start=2026-01-02T00:00Z&end=2026-01-01T00:00Z")
    assert period.status_code == 400 and "not before" in period.json["error"]
    assert {c["zone"] for c in officer.get("/api/patrols").json["compliance"]} >= {"wetland-park"}


def test_alert_acknowledge_comment_close_by_the_person(app: Flask, centre: CommandCentre) -> None:
    officer, token = client_as(app, "officer")
    h = {"X-CSRFToken": token}
    assert (
        officer.post("/api/alerts/1/acknowledge", json={"comment": " "}, headers=h).status_code
        == 400
    )
    assert centre.alert_detail(1).alert.acknowledged_by is None
    ack = officer.post("/api/alerts/1/acknowledge", json={"comment": "going"}, headers=h)
    assert ack.status_code == 200 and ack.json["acknowledged_by"] == "officer"
    again = officer.post("/api/alerts/1/acknowledge", json={"comment": "x"}, headers=h)
    assert again.status_code == 409 and "already acknowledged" in again.json["error"]
    note = officer.post("/api/alerts/1/comments", json={"comment": XSS}, headers=h)
    assert note.json["comments"][-1]["comment"] == XSS
    closed = officer.post("/api/alerts/1/close", json={"comment": "source fixed"}, headers=h)
    assert closed.status_code == 200 and closed.json["closed_by"] == "officer"
    assert closed.json["status"] == "closed"
    assert [s["step"] for s in closed.json["timeline"]] == ["raised", "acknowledged", "closed"]
    assert 1 not in [a["id"] for a in officer.get("/api/alerts").json["alerts"]]
    assert 1 in [a["id"] for a in officer.get("/api/alerts?status=closed").json["alerts"]]
    assert officer.get("/api/alerts?status=bogus").status_code == 400
    assert officer.post("/api/alerts/99/close", json={"comment": "x"}, headers=h).status_code == 409
    figures = {f["interval"]: f for f in officer.get("/api/alerts/figures").json["figures"]}
    assert figures["raised → closed"]["count"] >= 1


def test_air_stations_series_and_csv(app: Flask) -> None:
    viewer, _ = client_as(app, "viewer")
    stations = {s["station_id"]: s for s in viewer.get("/api/air/stations").json["stations"]}
    assert stations["S1"]["aqi"] is not None and stations["S2"]["aqi"] > stations["S1"]["aqi"]
    s2 = stations["S2"]
    expected = category(s2["aqi"])
    assert s2["primary"] == ["PM2.5"] and s2["category"] == expected.index >= 3
    assert s2["colour"] == expected.hex and s2["category_zh"] == expected.zh
    assert s2["iaqi"]["pm2_5_24h"] == s2["aqi"]
    series = viewer.get("/api/air/stations/S1/series?hours=12").json
    assert len(series["times"]) == 12 and series["values"]["pm2_5"][-1] == 40.0
    csv_text = viewer.get("/api/air/stations/S1/series.csv?hours=12").get_data(as_text=True)
    assert len(csv_text.strip().splitlines()) == 13
    assert viewer.get("/api/air/stations/NOPE/series").status_code == 404
    assert viewer.get("/api/air/stations/S1/series?hours=x").status_code == 400
    table = viewer.get("/api/air/stations.csv").get_data(as_text=True)
    assert "S2" in table and "PM2.5" in table


def test_audit_filters_and_csv(app: Flask) -> None:
    viewer, _ = client_as(app, "viewer")
    every = viewer.get("/api/audit").json["records"]
    assert {r["command"] for r in every} >= {"arm", "=cmd|calc"}
    pilot = viewer.get("/api/audit?person=pilot").json["records"]
    assert [r["command"] for r in pilot] == ["arm"]
    since = (NOW - timedelta(minutes=30)).isoformat()
    recent = viewer.get("/api/audit", query_string={"start": since}).json["records"]
    assert all(r["vehicle"] == "hy-01" for r in recent) and recent
    assert viewer.get("/api/audit?action=arm&vehicle=hy-02").json["records"] == []
    assert viewer.get("/api/audit?start=soon").status_code == 400
    text = viewer.get("/api/audit/export.csv?vehicle=hy-02").get_data(as_text=True)
    assert "'=cmd|calc" in text and "hy-01" not in text


@pytest.mark.parametrize(
    "path",
    ["/zones", "/patrols", "/alerts", "/alerts/2", "/air", "/audit", "/zones/wetland-park/preview"],
)
def test_pages_need_a_login_and_show_for_a_viewer(app: Flask, path: str) -> None:
    assert app.test_client().get(path).status_code == 302
    viewer, _ = client_as(app, "viewer")
    reply = viewer.get(path)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    assert "Traceback" not in reply.get_data(as_text=True)


def test_user_text_is_escaped_in_pages_and_map_popups(app: Flask, centre: CommandCentre) -> None:
    officer, token = client_as(app, "officer")
    doc = json.loads(ZONES.read_text())
    doc["features"][2]["properties"]["name"] = XSS
    assert (
        officer.post("/api/zones", data=json.dumps(doc), headers={"X-CSRFToken": token}).status_code
        == 200
    )
    try:
        zones = officer.get("/zones").get_data(as_text=True)
        assert XSS not in zones and "&lt;script&gt;alert(1)&lt;/script&gt;" in zones
        preview = officer.get("/zones/yanshan-construction-site/preview").get_data(as_text=True)
        assert XSS not in preview and "alert(1)" in preview  # the zone is drawn, as text
        officer.post(
            "/api/alerts/2/comments", json={"comment": XSS}, headers={"X-CSRFToken": token}
        )
        page = officer.get("/alerts/2").get_data(as_text=True)
        assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        air = officer.get("/air").get_data(as_text=True)
        assert XSS not in air and 'id="stations-table"' in air and "PM2.5" in air
    finally:
        officer.post("/api/zones", data=ZONES.read_bytes(), headers={"X-CSRFToken": token})


def test_pages_speak_chinese_by_default_and_english_when_chosen(app: Flask) -> None:
    viewer, token = client_as(app, "viewer")
    assert "首要污染物" in viewer.get("/air").get_data(as_text=True)
    assert "响应时效" in viewer.get("/alerts").get_data(as_text=True)
    viewer.post("/language", data={"lang": "en", "csrf_token": token})
    assert "Primary pollutant" in viewer.get("/air").get_data(as_text=True)
    assert "Response times" in viewer.get("/alerts").get_data(as_text=True)
