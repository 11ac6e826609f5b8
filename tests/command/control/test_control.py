"""The control interface between a running CommandCentre (the daemon's side, a real HTTP
server on loopback) and a web worker's RemoteCentre: the same answers as the centre's own, the
same refusals, events into the worker's bus, a wrong secret or a bad call refused, and a worker
that follows the daemon advertised after the one before went away."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from command.centre import CommandCentre, OperationRefused
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.centre.ops_zones import ZonesRefused
from command.control import codec
from command.control.client import CACHE_S, RemoteCentre
from command.control.endpoint import active_endpoint, advertise
from command.control.interface import operation_names
from command.control.server import ControlServer
from command.events import LinkLost, VideoSnapshotSaved
from tests.web.inprocess import started_centre

SECRET = "ab" * 32
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("control")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": [], "scheduler": {"enabled": True}},
        source="test",
    )
    with started_centre(config) as c:
        yield c


def serve(centre: CommandCentre, owner: str = "test daemon") -> ControlServer:
    server = ControlServer(centre, SECRET, "127.0.0.1", 0, None)
    server.start()
    advertise(centre.db, server.url, owner, NOW)
    return server


@pytest.fixture(scope="module")
def server(centre: CommandCentre) -> Iterator[ControlServer]:
    served = serve(centre)
    yield served
    served.close()


@pytest.fixture
def remote(centre: CommandCentre, server: ControlServer) -> Iterator[RemoteCentre]:
    worker = RemoteCentre(centre.config, centre.db, SECRET)
    worker.start()
    assert worker.wait_connected(10)
    yield worker
    worker.close()


READS = [
    ("zone_version", ()),
    ("task_zone_names", ()),
    ("schedules", ()),
    ("queued_tasks", ()),
    ("fleet_status", ()),
    ("map_zones", ()),
    ("map_stations", ()),
    ("map_alerts", ()),
    ("station_table", ()),
    ("audit_actions", ()),
    ("list_alerts", ()),
    ("response_figures", ()),
    ("sortie_history", ()),
    ("video_vehicles", ()),
    ("zone_history", ()),
    ("preview_zone", ("wetland-park",)),
    ("compliance", (datetime(2026, 12, 1, tzinfo=UTC), NOW)),
]


@pytest.mark.parametrize(("operation", "args"), READS, ids=[r[0] for r in READS])
def test_a_worker_gets_what_the_centre_answers(
    centre: CommandCentre, remote: RemoteCentre, operation: str, args: tuple
) -> None:
    assert operation in operation_names()
    before = getattr(centre, operation)(*args)
    mine = getattr(remote, operation)(*args)
    after = getattr(centre, operation)(*args)  # (the patrol clock may queue a task meanwhile)
    assert any(mine == theirs or repr(mine) == repr(theirs) for theirs in (before, after))
    assert type(mine) is type(after)  # (NaN figures are not == themselves: repr then)


def test_the_zones_in_force_are_the_centres(centre: CommandCentre, remote: RemoteCentre) -> None:
    mine = remote.zones
    assert [z.name for z in mine] == [z.name for z in centre.zones]
    assert [z.geometry.equals(c.geometry) for z, c in zip(mine, centre.zones, strict=True)]


def test_a_refusal_comes_back_as_the_same_exception_and_nothing_changes(
    centre: CommandCentre, remote: RemoteCentre
) -> None:
    with pytest.raises(OperationRefused) as theirs:
        centre.preview_zone("nowhere")
    with pytest.raises(OperationRefused) as mine:
        remote.preview_zone("nowhere")
    assert str(mine.value) == str(theirs.value) and "nowhere" in str(mine.value)

    before = centre.zone_version()
    bad = json.loads(ZONES.read_text())
    bad["features"][2]["properties"]["priority"] = 9
    with pytest.raises(ZonesRefused) as refused:
        remote.upload_zones(json.dumps(bad), "bad.geojson", "web:officer@127.0.0.1")
    assert refused.value.source == "bad.geojson"
    assert [p.field for p in refused.value.problems] == ["priority"]
    assert centre.zone_version().version == before.version


def test_events_reach_the_worker_and_clear_its_cached_answers(
    centre: CommandCentre, remote: RemoteCentre
) -> None:
    seen = remote.subscribe("test", kinds=(LinkLost,))
    try:
        names = remote.task_zone_names()
        assert remote.task_zone_names() is names  # answered from memory: nothing happened
        centre.bus.publish(LinkLost(time_utc=NOW, vehicle="hy-09"))
        event = seen.get(timeout_s=10)
        assert event == LinkLost(time_utc=NOW, vehicle="hy-09")
        again = remote.task_zone_names()
        assert again == names and again is not names  # asked again after the event
    finally:
        seen.close()


def test_a_snapshot_saved_reaches_the_worker_as_the_same_event(
    centre: CommandCentre, remote: RemoteCentre
) -> None:
    seen = remote.subscribe("test-snapshots", kinds=(VideoSnapshotSaved,))
    saved = VideoSnapshotSaved(
        time_utc=NOW, vehicle="hy-01", sortie_id=None, token="ab" * 16, actor="web:officer"
    )
    try:
        centre.bus.publish(saved)
        assert seen.get(timeout_s=10) == saved
    finally:
        seen.close()


def test_a_call_that_changes_something_clears_the_cache(
    centre: CommandCentre, remote: RemoteCentre
) -> None:
    before = remote.schedules()
    assert remote.schedules() is before
    with pytest.raises(OperationRefused):  # refused: nothing changed, the answer stands
        remote.pause_schedule("nowhere", "web:officer@127.0.0.1")
    assert remote.schedules() is before
    remote.pause_schedule("wetland-park", "web:officer@127.0.0.1")
    try:
        paused = remote.schedules()
        assert paused is not before
        assert paused == centre.schedules() != before
    finally:
        remote.resume_schedule("wetland-park", "web:officer@127.0.0.1")


def test_a_wrong_secret_or_a_bad_call_is_refused(
    centre: CommandCentre, server: ControlServer
) -> None:
    stranger = requests.post(
        f"{server.url}/v1/call/task_zone_names",
        data=b"{}",
        headers={"Authorization": "Bearer " + "cd" * 32},
        timeout=5,
    )
    assert stranger.status_code == 401
    auth = {"Authorization": f"Bearer {SECRET}"}
    for name in ("fence", "close", "start", "__init__", "_task_zone"):
        reply = requests.post(f"{server.url}/v1/call/{name}", data=b"{}", headers=auth, timeout=5)
        assert reply.status_code == 404, name  # only the centre's operations are called
    junk = requests.post(
        f"{server.url}/v1/call/preview_zone", data=b"\xff\x00{", headers=auth, timeout=5
    )
    assert junk.status_code == 400 and "bad call" in junk.json()["error"]
    wrong_args = requests.post(
        f"{server.url}/v1/call/preview_zone",
        data=codec.dumps({"args": [], "kwargs": {"nope": 1}}),
        headers=auth,
        timeout=5,
    )
    assert wrong_args.status_code == 400
    forged = requests.post(
        f"{server.url}/v1/call/preview_zone",
        data=json.dumps({"args": [{"$": "dc", "c": "subprocess:Popen", "f": {}}]}),
        headers=auth,
        timeout=5,
    )
    assert forged.status_code == 400 and "not a class of the project" in forged.json()["error"]


def test_a_worker_follows_the_daemon_advertised_after_the_one_before_stopped(
    centre: CommandCentre, server: ControlServer
) -> None:
    first = serve(centre, "first daemon")
    worker = RemoteCentre(centre.config, centre.db, SECRET)
    worker.start()
    try:
        assert worker.wait_connected(10)
        assert worker.task_zone_names() == centre.task_zone_names()
        first.close()
        with pytest.raises(Exception) as gone:
            worker.preview_zone("wetland-park")
        assert "does not answer" in str(gone.value) or "no command daemon" in str(gone.value)
        second = serve(centre, "second daemon")
        try:
            assert active_endpoint(centre.db).owner == "second daemon"
            assert worker.preview_zone("wetland-park") == centre.preview_zone("wetland-park")
            assert worker.wait_connected(10)
            seen = worker.subscribe("test", kinds=(LinkLost,))
            centre.bus.publish(LinkLost(time_utc=NOW, vehicle="hy-07"))
            assert seen.get(timeout_s=10).vehicle == "hy-07"
            seen.close()
        finally:
            second.close()
    finally:
        worker.close()
    advertise(centre.db, server.url, "test daemon", NOW)  # the module's server again


def test_the_codec_keeps_types_and_refuses_what_is_not_the_projects() -> None:
    from missions.items import Position

    value = {
        "when": NOW,
        "where": (Position(36.6, 116.9, 10.0), [1, 2.5, float("nan")]),
        ("a", 1): b"\x00\x01",
    }
    back = codec.loads(codec.dumps(value))
    assert back["when"] == NOW and back["where"][0] == Position(36.6, 116.9, 10.0)
    assert back[("a", 1)] == b"\x00\x01" and back["where"][1][2] != back["where"][1][2]
    for forged in (
        {"$": "enum", "c": "os:system", "v": 1},
        {"$": "dc", "c": "missions.items:Position", "f": {"nope": 1}},
        {"$": "what"},
    ):
        with pytest.raises(codec.CodecError):
            codec.decode(forged)


def test_the_health_route_says_whether_a_worker_reaches_the_daemon(
    centre: CommandCentre, server: ControlServer
) -> None:
    import os
    import time

    from tests.web.inprocess import console_app
    from web import WebSettings, create_app

    assert console_app(centre).test_client().get("/api/health").json == {
        "status": "ok",
        "centre": "in process",
        "worker": os.getpid(),
    }
    own = serve(centre, "a daemon that goes away")
    worker = RemoteCentre(centre.config, centre.db, SECRET)
    worker.start()
    try:
        assert worker.wait_connected(10)
        client = create_app(WebSettings(secret_key=b"h" * 32), centre=worker).test_client()
        assert client.get("/api/health").json["centre"] == "reachable"
        own.close()
        deadline = time.monotonic() + 10
        while worker.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        down = client.get("/api/health").json
        assert down["status"] == "degraded" and down["centre"] == "unreachable"
    finally:
        worker.close()
        own.close()
        advertise(centre.db, server.url, "test daemon", NOW)  # the module's server again


def test_a_hot_read_past_half_its_age_is_fetched_ahead_and_none_outlives_its_age(
    centre: CommandCentre, server: ControlServer
) -> None:
    now = [1000.0]
    worker = RemoteCentre(centre.config, centre.db, SECRET, monotonic=lambda: now[0])
    worker.start()
    try:
        assert worker.wait_connected(10)
        names = worker.task_zone_names()
        now[0] += CACHE_S * 0.4
        assert worker.task_zone_names() is names  # young: from memory, nothing asked
        worker.join_refreshes(10)
        assert worker.task_zone_names() is names
        now[0] += CACHE_S * 0.2  # past half its age: still answered from memory at once ...
        assert worker.task_zone_names() is names
        worker.join_refreshes(10)  # ... while it is fetched again on a thread
        ahead = worker.task_zone_names()
        assert ahead == names and ahead is not names
        now[0] += CACHE_S * 1.01  # nothing read meanwhile: too old to be used at all
        late = worker.task_zone_names()
        assert late == names and late is not ahead
    finally:
        worker.close()
