"""The area pages follow the event stream in real Chromium over a live centre and simulator: the
fleet page shows a drone's new mode, the sorties page a new sortie and its end, the alerts page
a raised alert — each with its fallback poll set far longer than the test waits, so only the
stream can have brought the change — and a page whose stream is blocked still refreshes by
its slow poll (a short period injected before the page's scripts run)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from command.centre.operations import VehicleAction
from command.events import StationReading
from tests.web.live import Browser, LiveConsole

pytestmark = [pytest.mark.timeout(400), pytest.mark.slow]

ZONE = "huaiyin-thermal-plant"
NEVER_MS = 600_000
"""A fallback poll period no test waits for: a change seen sooner came by the stream."""


def live_settings(browser: Browser, poll_ms: int) -> None:
    """Every page this browser opens from now on gets `window.EcoLive = {pollMs}` before its
    own scripts run (static/js/live.js reads it)."""
    browser.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": f"window.EcoLive = {{pollMs: {int(poll_ms)}}};"},
    )


def cell(browser: Browser, css: str) -> str | None:
    """The text of the element matching css, read afresh (the pages rebuild their rows)."""
    return browser.js("return document.querySelector(arguments[0])?.textContent ?? null", css)


def live_state(browser: Browser) -> str | None:
    """What the page's live module says of its stream: connecting, open or down."""
    return browser.js("return document.body.dataset.live ?? null")


def wait_synced(browser: Browser) -> None:
    """Until the page's stream is open and a read begun after it opened is done: from then on
    the page learns of a change only by an event."""
    browser.wait(
        lambda d: browser.js("return document.body.dataset.liveSynced") == "yes",
        "the stream to open and the page to catch up",
    )


@pytest.fixture
def other_mode(live_console: LiveConsole) -> Iterator[tuple[str, str, str]]:
    """(vehicle, its mode now, another mode it accepts on the ground); put back afterwards."""
    vehicle = "hy-03"
    before = live_console.centre.snapshots()[vehicle].mode_name
    after = "GUIDED" if before != "GUIDED" else "STABILIZE"
    yield vehicle, before, after
    live_console.centre.fleet.set_mode(vehicle, before)


def test_the_fleet_page_shows_a_new_mode_from_the_stream(
    live_console: LiveConsole, browser: Browser, other_mode: tuple[str, str, str]
) -> None:
    vehicle, before, after = other_mode
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open("/fleet")
    mode = f"#fleet-table tr[data-drone='{vehicle}'] .mode"
    browser.wait(lambda d: cell(browser, mode) == before, "the drone's mode")
    wait_synced(browser)
    live_console.centre.fleet.set_mode(vehicle, after)
    browser.wait(lambda d: cell(browser, mode) == after, "the new mode", 20)
    assert live_state(browser) == "open"
    assert browser.console_errors() == []


def test_a_page_whose_stream_is_down_refreshes_by_the_slow_poll(
    live_console: LiveConsole, browser: Browser, other_mode: tuple[str, str, str]
) -> None:
    vehicle, before, after = other_mode
    browser.log_in("viewer")
    live_settings(browser, 1_000)
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/events*"]})
    browser.open("/fleet")
    mode = f"#fleet-table tr[data-drone='{vehicle}'] .mode"
    browser.wait(lambda d: cell(browser, mode) == before, "the drone's mode")
    browser.wait(lambda d: live_state(browser) == "down", "the page to see its stream down")
    live_console.centre.fleet.set_mode(vehicle, after)
    browser.wait(lambda d: cell(browser, mode) == after, "the new mode by the poll", 20)
    assert live_state(browser) == "down"  # never opened: the poll brought it
    reads = [u for u in browser.requested_urls() if u.endswith("/api/fleet")]
    assert len(reads) >= 2


def test_the_sorties_page_shows_a_new_sortie_and_its_end_from_the_stream(
    live_console: LiveConsole, browser: Browser
) -> None:
    centre = live_console.centre
    vehicle = "hy-01"
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open("/sorties")
    wait_synced(browser)
    browser.element(f"#progress tr[data-drone='{vehicle}']")
    sortie_id = centre.dispatch_zone(ZONE, vehicle, actor="test:pilot", confirmed=True)
    row = f"#history tr[data-sortie='{sortie_id}']"
    browser.wait(lambda d: cell(browser, row) is not None, "the new sortie in the history", 30)
    progress = f"#progress tr[data-drone='{vehicle}'] .sortie"
    browser.wait(
        lambda d: (cell(browser, progress) or "").startswith(f"#{sortie_id} "), "its progress", 30
    )
    centre.command_vehicle(vehicle, VehicleAction.ABORT, actor="test:pilot", reason="test")
    sortie = centre.dispatcher.sortie(sortie_id)
    assert sortie is not None and sortie.wait(180) is not None
    outcome = str(sortie.outcome)
    browser.wait(lambda d: cell(browser, f"{row} .outcome") == outcome, "its outcome", 30)
    assert live_state(browser) == "open"
    assert browser.console_errors() == []


def test_the_alerts_page_lists_a_raised_alert_from_the_stream(
    live_console: LiveConsole, browser: Browser
) -> None:
    centre = live_console.centre
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open("/alerts?status=all")
    wait_synced(browser)
    known = {a.alert_id for a in centre.list_alerts()}
    now = datetime.now(UTC)
    for hour in range(24, -1, -1):  # a day of dust at a new station: PM10 far over its limit
        centre.alerts.handle(
            StationReading(
                time_utc=now,
                station_id="L-1",
                name="直播站",
                latitude_deg=36.65,
                longitude_deg=116.94,
                values=(("pm2_5", 30.0), ("pm10", 600.0), ("so2", 5.0), ("no2", 20.0)),
                period_end_utc=now - timedelta(hours=hour),
            )
        )
    raised = [a for a in centre.list_alerts() if a.alert_id not in known]
    assert raised, "the readings raised no alert"
    row = f"#alerts-table tr[data-alert='{raised[0].alert_id}']"
    browser.wait(lambda d: cell(browser, row) is not None, "the raised alert listed", 20)
    assert "直播站" in cell(browser, row)
    assert browser.console_errors() == []
