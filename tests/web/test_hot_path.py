"""The console's per-request savings keep every security property: the cached account record
is dropped by every account change (a demoted or disabled user is refused on the very next
request), a change made behind the store's back is seen within USER_CACHE_S, and the fleet
JSON encoded once is re-encoded as soon as any drone's snapshot changes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from flask import Flask, jsonify
from sqlalchemy import update

from command.centre.ops_console import FleetEntry
from command.link.snapshot import LinkState, VehicleSnapshot
from command.storage import Database, open_database
from tests.web.conftest import log_in
from web.api.fleet import _fleet_body, drone_json
from web.users import USER_CACHE_S, Role, UserRow, UserStore

OFFICERS_ROUTE = "/api/sorties/preview"  # GET, officer and above (503 here: no centre)


def test_a_demoted_user_is_refused_on_the_next_request(app: Flask, db: Database) -> None:
    client = app.test_client()
    log_in(client, "admin")
    for _ in range(2):  # the second request reads the cached record
        assert client.get(OFFICERS_ROUTE).status_code not in (401, 403)
    UserStore(db).set_role("admin", Role.VIEWER)  # another store over the same database
    assert client.get(OFFICERS_ROUTE).status_code == 403
    assert client.get("/api/audit").status_code not in (401, 403)  # still a viewer


def test_a_disabled_user_is_refused_on_the_next_request(app: Flask, db: Database) -> None:
    client = app.test_client()
    log_in(client, "officer")
    assert client.get(OFFICERS_ROUTE).status_code not in (401, 403)
    app.extensions["ecopatrol.users"].set_active("officer", False)
    assert client.get(OFFICERS_ROUTE).status_code == 403
    assert client.get("/api/audit").status_code == 403
    assert UserStore(db).set_active("officer", True).active


def test_a_change_behind_the_store_is_seen_within_the_cache_age(
    db: Database, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    clock = [100.0]
    store = UserStore(db, clock=lambda: clock[0])
    user = store.create("pilot1", "correct horse battery", Role.PILOT, datetime.now(UTC))
    assert store.get(user.id).role is Role.PILOT
    other = open_database(f"sqlite+pysqlite:///{tmp_path / 'console.sqlite'}")  # "another process"
    try:
        with other.transaction() as s:
            s.execute(update(UserRow).where(UserRow.id == user.id).values(role="viewer"))
    finally:
        other.close()
    clock[0] += USER_CACHE_S / 2
    assert store.get(user.id).role is Role.PILOT  # still the cached record
    clock[0] += USER_CACHE_S
    assert store.get(user.id).role is Role.VIEWER  # aged out: read again


def test_unknown_names_are_refused_by_the_account_changes(db: Database) -> None:
    import pytest

    from web.users import AccountError

    with pytest.raises(AccountError, match="no user 'nobody'"):
        UserStore(db).set_role("nobody", Role.ADMIN)


def test_the_fleet_json_is_encoded_again_only_when_a_snapshot_changes(app: Flask) -> None:
    one = VehicleSnapshot(name="hy-01")
    two = VehicleSnapshot(name="hy-02", link=LinkState.OK, latitude_deg=33.6, longitude_deg=119.0)
    entries = (FleetEntry("hy-01", one), FleetEntry("hy-02", two))
    with app.test_request_context("/api/fleet"):
        first = _fleet_body(entries)
        assert first == jsonify(drones=[drone_json(e) for e in entries]).get_data()
        assert _fleet_body(tuple(entries)) is first  # unchanged fleet: the stored bytes
        moved = (entries[0], FleetEntry("hy-02", replace(two, latitude_deg=33.7)))
        body = json.loads(_fleet_body(moved))
        assert body["drones"][1]["latitude_deg"] == 33.7
        assert [d["link"] for d in body["drones"]] == ["CONNECTING", "OK"]


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_checked_session_cookie_is_kept_but_a_forged_one_never_matches(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "officer")
    assert client.get(OFFICERS_ROUTE).status_code not in (401, 403)  # checked, then kept
    genuine = _session_cookie(client)
    payload, _, signature = genuine.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    stranger = app.test_client()
    stranger.set_cookie("session", forged)
    assert stranger.get(OFFICERS_ROUTE).status_code == 401
    stranger.set_cookie("session", genuine + "x")
    assert stranger.get(OFFICERS_ROUTE).status_code == 401
    assert client.get(OFFICERS_ROUTE).status_code not in (401, 403)  # the kept one still works


def test_a_kept_session_is_refused_once_older_than_the_session_lifetime(app: Flask) -> None:
    sessions = app.session_interface
    client = app.test_client()
    log_in(client, "officer")
    assert client.get(OFFICERS_ROUTE).status_code not in (401, 403)
    assert _session_cookie(client) in sessions._kept
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = sessions.clock
    sessions.clock = lambda: real() + lifetime + 5
    try:
        assert client.get(OFFICERS_ROUTE).status_code == 401
    finally:
        sessions.clock = real
