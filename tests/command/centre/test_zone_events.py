"""A started centre (real SQLite, the demo zones, no vehicles) publishes ZonesChanged once per
accepted change of the zone set — an upload, an officer's edit — naming the new stored version,
and nothing for a refused upload or edit; the event crosses the control interface's typed JSON
unchanged, as the web workers receive it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.centre.ops_zones import ZonesRefused
from command.control import codec
from command.events import Subscription, ZonesChanged
from tests.web.inprocess import started_centre

ACTOR = "web:officer@127.0.0.1"


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("zone-events")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": []}, source="test"
    )
    with started_centre(config) as c:
        yield c


@pytest.fixture
def said(centre: CommandCentre) -> Iterator[Subscription]:
    """The zone events published from now on (published synchronously: drained, not waited
    for)."""
    subscription = centre.subscribe("test-zones", kinds=(ZonesChanged,))
    try:
        yield subscription
    finally:
        subscription.close()


def demo_document() -> dict:
    return json.loads(ZONES.read_text())


def patrolled(centre: CommandCentre) -> str:
    return next(z.name for z in centre.zones if z.revisit_minutes)


def test_an_accepted_upload_publishes_one_event_naming_its_version(
    centre: CommandCentre, said: Subscription
) -> None:
    doc = demo_document()
    version = centre.upload_zones(json.dumps(doc), "upload zones.geojson", ACTOR)
    events = said.drain()
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, ZonesChanged)
    assert event.version == version.version == centre.zone_version().version
    assert event.source == "upload zones.geojson" and event.actor == ACTOR
    assert event.zones == len(doc["features"]) == len(centre.zones)
    assert codec.loads(codec.dumps(event)) == event  # as the control API streams it


def test_an_edit_publishes_one_event_and_a_refused_one_none(
    centre: CommandCentre, said: Subscription
) -> None:
    name = patrolled(centre)
    before = centre.zone_version().version
    version = centre.change_zone(name, {"priority": 1, "revisit_minutes": 45}, ACTOR)
    events = said.drain()
    assert [type(e) for e in events] == [ZonesChanged]
    assert events[0].version == version.version and version.version != before
    assert "edited" in events[0].source

    with pytest.raises(ZonesRefused):
        centre.change_zone(name, {"priority": 9}, ACTOR)
    with pytest.raises(ZonesRefused):
        centre.change_zone("no-such-zone", {"priority": 2}, ACTOR)
    assert said.drain() == []
    assert centre.zone_version().version == version.version


def test_a_refused_upload_publishes_nothing(centre: CommandCentre, said: Subscription) -> None:
    before = centre.zone_version().version
    bad = demo_document()
    bad["features"][2]["properties"]["priority"] = 9
    for text in (json.dumps(bad), "{not json", b"\xff\xfe"):
        with pytest.raises(ZonesRefused):
            centre.upload_zones(text, "bad.geojson", ACTOR)
    assert said.drain() == []
    assert centre.zone_version().version == before
