"""The patrols page follows the event stream in real Chromium over an in-process centre with
its patrol scheduler (no vehicles, so every task waits): a zone put in force while the page is
open comes due and appears in the schedules and the dispatch queue with its waiting reason,
by the stream alone (fallback poll far longer than the test waits); the pause form of a row
the page drew itself still acts."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from tests.web.inprocess import console_app, started_centre
from tests.web.live import Browser, browsing
from tests.web.test_live_pages import NEVER_MS, cell, live_settings, wait_synced

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

NEW_ZONE = "live-test-reach"


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("livepatrols")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": [], "scheduler": {"enabled": True}},
        source="test",
    )
    with started_centre(config) as c:
        yield c


@pytest.fixture
def browser(centre: CommandCentre) -> Iterator[Browser]:
    with browsing(console_app(centre)) as b:
        yield b


def with_new_zone() -> str:
    """The demo zone document plus a copy of its first patrolled zone under a new name."""
    doc = json.loads(ZONES.read_text())
    patrolled = next(f for f in doc["features"] if f["properties"].get("revisit_minutes"))
    copy = json.loads(json.dumps(patrolled))
    copy["properties"]["name"] = NEW_ZONE
    doc["features"].append(copy)
    return json.dumps(doc)


def test_a_zone_put_in_force_shows_in_the_open_page_and_its_form_acts(
    centre: CommandCentre, browser: Browser
) -> None:
    browser.log_in("officer")
    live_settings(browser, NEVER_MS)
    browser.open("/patrols")
    wait_synced(browser)
    assert NEW_ZONE not in (cell(browser, "#queue-table tbody") or "")
    centre.upload_zones(with_new_zone(), "live-test.geojson", "test:officer")
    tasks = browser.wait(
        lambda d: [t for t in centre.queued_tasks() if t.zone == NEW_ZONE], "the task queued"
    )
    task = tasks[0]
    row = f"#queue-table tr[data-task='{task.id}']"
    browser.wait(lambda d: cell(browser, row) is not None, "the new zone's task queued", 20)
    browser.wait(lambda d: (cell(browser, f"{row} .reason") or "–") != "–", "its reason", 20)
    schedule = f"#schedules-table tr[data-zone='{NEW_ZONE}']"
    assert cell(browser, schedule) is not None
    assert browser.js("return document.body.dataset.live") == "open"

    browser.element(f"{schedule} form[data-api$='/pause'] button").click()
    browser.wait(
        lambda d: any(s.zone == NEW_ZONE and s.paused for s in centre.schedules()), "the pause"
    )
    assert browser.console_errors() == []
