"""The console in real Chromium over a live centre and simulator: log in, the map's three layer
groups and legend, a drone marker moving as the simulated drone flies, an officer refused and a
pilot dispatching after the checks (flown to completion, in history), English, and no request
to any host but the console's own."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.web.live import Browser, LiveConsole

pytestmark = [pytest.mark.timeout(400), pytest.mark.slow]

ZONE = "huaiyin-thermal-plant"
VEHICLE = "hy-01"


def _drone_marks(b: Browser) -> dict[str, str]:
    return b.js(
        "const out = {};"
        "document.querySelectorAll('.eco-drone').forEach(m => {"
        "  const t = m.querySelector('.eco-drone-label');"
        "  out[t ? t.textContent.split(' ')[0] : '?'] = m.style.transform;"
        "}); return out;"
    )


def test_the_dashboard_map_has_three_layer_groups_and_the_legend(
    live_console: LiveConsole, browser: Browser
) -> None:
    browser.log_in("viewer")
    browser.element(".leaflet-control-layers-overlays label")
    labels = browser.js(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(e => e.textContent.trim())"
    )
    assert [label.split(" ")[0] for label in labels[:3]] == ["天", "地", "空"]
    assert any("告警" in label for label in labels)
    legend = browser.element(".eco-legend")
    assert "优" in legend.text and "严重污染" in legend.text
    browser.wait(lambda d: len(_drone_marks(browser)) == 3, "three drone markers")
    rows = browser.js("return document.querySelectorAll('#fleet-panel tbody tr').length")
    assert rows == 3
    assert browser.console_errors() == []
    own = urlsplit(live_console.url).netloc
    assert browser.requested_hosts() == {own}


def test_an_officer_cannot_dispatch(live_console: LiveConsole, browser: Browser) -> None:
    browser.log_in("officer")
    browser.open("/sorties")
    assert browser.element("#dispatch").get_attribute("disabled") is not None
    status = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.Console.api('POST', '/api/sorties', {zone: arguments[0], vehicle: arguments[1],"
        " confirm: true}).then(r => done(r.status));",
        ZONE,
        VEHICLE,
    )
    assert status == 403
    assert all(e.sortie_id is None for e in live_console.centre.fleet_status())


def test_a_pilot_dispatches_after_the_checks_and_the_sortie_flies_to_completion(
    live_console: LiveConsole, browser: Browser
) -> None:
    browser.log_in("pilot")
    browser.open("/")
    browser.wait(lambda d: VEHICLE in _drone_marks(browser), "the drone marker")
    before = _drone_marks(browser)[VEHICLE]

    browser.open("/sorties")
    browser.element(f"#zone option[value='{ZONE}']").click()
    browser.element(f"#vehicle option[value='{VEHICLE}']").click()
    browser.element("#check").click()
    verdict = browser.visible("#verdict")
    browser.wait(lambda d: verdict.get_attribute("data-may-fly") == "yes", "the checks to pass")
    browser.element("#dispatch").click()  # not confirmed yet: refused in the page
    assert browser.element("#sortie-message").get_attribute("class") == "error"
    assert all(e.sortie_id is None for e in live_console.centre.fleet_status())
    browser.element("#confirm-checks").click()
    browser.element("#dispatch").click()
    message = browser.wait(
        lambda d: (
            "#" in browser.element("#sortie-message").text
            and browser.element("#sortie-message").text
        ),
        "the sortie id",
    )
    sortie_id = int(message.rsplit("#", 1)[1])
    history = live_console.centre.sortie_history(limit=5)
    assert history[0].id == sortie_id and history[0].vehicle_name == VEHICLE
    browser.wait(
        lambda d: f"#{sortie_id}" in browser.element("#progress tbody").text, "live progress"
    )

    geo = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.Console.api('GET', '/api/fleet/geojson').then(r => done(r.data));"
    )
    kinds = {(f["properties"]["kind"], f["properties"].get("drone")) for f in geo["features"]}
    assert ("route", VEHICLE) in kinds  # the planned route drawn while it flies

    browser.open("/")  # the marker moves without reloading the page
    browser.wait(lambda d: VEHICLE in _drone_marks(browser), "the drone marker")
    first = _drone_marks(browser)[VEHICLE]
    browser.wait(
        lambda d: _drone_marks(browser)[VEHICLE] not in (first, before), "the marker to move", 60
    )

    sortie = live_console.centre.dispatcher.sortie(sortie_id)
    assert sortie is not None
    assert sortie.wait(240) is not None
    assert str(sortie.outcome) == "completed", sortie.reason
    browser.open("/sorties")
    # The history rows are rebuilt by the page's refresh: read them afresh each time.
    row = f"#history tr[data-sortie='{sortie_id}']"
    browser.element(row)
    outcome = f'return document.querySelector("{row} .outcome")?.textContent'
    browser.wait(lambda d: d.execute_script(outcome) == "completed", "the sortie in history")
    href = f"return document.querySelector(\"{row} a.sortie-video\")?.getAttribute('href')"
    browser.wait(  # each sortie links to its snapshots and recordings
        lambda d: d.execute_script(href) == f"/video?sortie={sortie_id}", "the video link"
    )
    audit = live_console.centre.sortie_history(limit=1)[0].mission_name
    assert "web:pilot@127.0.0.1" in audit


def test_switching_to_english_changes_the_page(live_console: LiveConsole, browser: Browser) -> None:
    browser.log_in("viewer")
    assert browser.element("#nav-dashboard").text == "总览"
    browser.element("#lang-en").click()
    browser.wait(lambda d: browser.element("#nav-dashboard").text == "Dashboard", "English")
    labels = browser.js(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(e => e.textContent.trim()).join('|')"
    )
    assert "告警" not in labels
    time.sleep(0.1)


def test_the_event_stream_brings_telemetry_to_the_page(
    live_console: LiveConsole, browser: Browser
) -> None:
    browser.log_in("viewer")
    browser.driver.set_script_timeout(20)
    data = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const es = new EventSource('/api/events?types=TelemetryUpdated');"
        "es.addEventListener('TelemetryUpdated', e => { es.close(); done(JSON.parse(e.data)); });"
    )
    assert data["type"] == "TelemetryUpdated"
    assert data["vehicle"] in {"hy-01", "hy-02", "hy-03"} and data["at"].endswith("Z")
    assert data["snapshot"]["link"] == "OK"
