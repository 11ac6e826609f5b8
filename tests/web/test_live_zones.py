"""The zones page and the dashboard map's zone layer follow the event stream (ZonesChanged) in
real Chromium over an in-process centre (demo zones, no vehicles): a zone uploaded and then
edited by another officer while the page is open appears in the table, with its new priority,
and on the map, without a reload — the zones page served by a web worker that reaches the centre
through the control interface, so the event crosses its NDJSON stream too — each with its
fallback poll far longer than the test waits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from tests.web.inprocess import console_app, started_centre, worker_app
from tests.web.live import Browser, browsing
from tests.web.test_live_pages import NEVER_MS, cell, live_settings, wait_synced

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

OFFICER = "test:officer"


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("livezones")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": []}, source="test"
    )
    with started_centre(config) as c:
        yield c


def with_new_zone(centre: CommandCentre, name: str) -> str:
    """The zone document in force plus a copy of its first patrolled zone named `name`."""
    doc = json.loads(json.dumps(centre.zone_version().document))
    patrolled = next(f for f in doc["features"] if f["properties"].get("revisit_minutes"))
    copy = json.loads(json.dumps(patrolled))
    copy["properties"]["name"] = name
    copy["properties"]["priority"] = 3
    doc["features"].append(copy)
    return json.dumps(doc)


def open_page(browser: Browser, path: str) -> None:
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open(path)
    wait_synced(browser)
    browser.js("window.sameDocument = true;")  # gone if the page were loaded again


def test_the_zones_page_shows_an_uploaded_and_an_edited_zone_from_the_stream(
    centre: CommandCentre,
) -> None:
    name = "live-zones-page"
    with worker_app(centre) as app, browsing(app) as browser:
        open_page(browser, "/zones")
        before = cell(browser, "#zones-version .version")
        row = f"#zones-table tr[data-zone='{name}']"
        assert cell(browser, row) is None
        version = centre.upload_zones(with_new_zone(centre, name), "live.geojson", OFFICER)
        browser.wait(lambda d: cell(browser, row) is not None, "the uploaded zone listed")
        assert cell(browser, f"{row} .priority") == "3"
        assert cell(browser, "#zones-version .version") == str(version.version) != before
        assert cell(browser, "#zones-version .source") == "live.geojson"

        centre.change_zone(name, {"priority": 1}, OFFICER)
        browser.wait(lambda d: cell(browser, f"{row} .priority") == "1", "the new priority")
        assert browser.js("return window.sameDocument === true")
        assert browser.js("return document.body.dataset.live") == "open"
        assert browser.console_errors() == []


ZONE_PROPS = (
    "const out = {};"
    "for (const layer of EcoMap.layers('zone')) {"
    "  for (const f of Object.values(layer._features)) {"
    "    out[f.properties.name] = f.properties.priority; } }"
    "return out;"
)


ZONE_READS = (
    "return performance.getEntriesByType('resource')"
    ".filter((e) => new URL(e.name).pathname === '/api/map/zones').length;"
)


def test_the_map_zone_layer_draws_an_uploaded_and_an_edited_zone_from_the_stream(
    centre: CommandCentre,
) -> None:
    name = "live-zones-map"
    with browsing(console_app(centre)) as browser:
        open_page(browser, "/")
        browser.element(".leaflet-control-layers-overlays label")
        drawn = browser.js(ZONE_PROPS)
        assert name not in drawn and len(drawn) == len(centre.zones)
        reads = browser.js(ZONE_READS)
        centre.upload_zones(with_new_zone(centre, name), "live-map.geojson", OFFICER)
        browser.wait(lambda d: browser.js(ZONE_PROPS).get(name) == 3, "the new zone drawn")
        assert len(browser.js(ZONE_PROPS)) == len(centre.zones)
        assert browser.js(ZONE_READS) == reads + 1  # one read for both zone layers (ground, air)

        centre.change_zone(name, {"priority": 1}, OFFICER)
        browser.wait(lambda d: browser.js(ZONE_PROPS).get(name) == 1, "its new priority")
        assert browser.js("return window.sameDocument === true")
        assert browser.js("return document.body.dataset.live") == "open"
        assert browser.console_errors() == []
