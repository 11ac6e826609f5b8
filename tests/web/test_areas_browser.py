"""The zones, alerts and air pages in real Chromium on a live console (simulator, centre):
a bad GeoJSON upload shows each error and changes nothing; an alert is acknowledged and closed
with a comment by the logged-in officer; the air page shows the stations table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from command.centre.demo import ZONES
from command.events import StationReading
from tests.web import live
from tests.web.live import Browser, LiveConsole

browser = live.browser
live_console = live.live_console


def test_a_bad_geojson_upload_shows_each_error_and_changes_nothing(
    browser: Browser, live_console: LiveConsole, tmp_path: Path
) -> None:
    before = live_console.centre.zone_version()
    bad = json.loads(ZONES.read_text())
    bad["features"][2]["properties"]["priority"] = 9
    bad["features"][3]["properties"]["revisit_minutes"] = "often"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad))
    browser.log_in("officer")
    browser.open("/zones")
    browser.element("#zone-file").send_keys(str(path))
    browser.element("#zone-upload-send").click()
    browser.wait(
        lambda d: len(d.find_elements("css selector", "#zone-errors li")) >= 2,
        "the upload's errors",
    )
    shown = [e.text for e in browser.driver.find_elements("css selector", "#zone-errors li")]
    assert any("wetland-park" in t and "priority" in t for t in shown), shown
    assert any("yanshan-construction-site" in t and "revisit_minutes" in t for t in shown), shown
    after = live_console.centre.zone_version()
    assert after.version == before.version and after.document == before.document


def test_an_alert_is_acknowledged_and_closed_with_a_comment(
    browser: Browser, live_console: LiveConsole
) -> None:
    centre = live_console.centre
    now = datetime.now(UTC)
    for hour in range(24, -1, -1):
        centre.alerts.handle(
            StationReading(
                time_utc=now,
                station_id="T-1",
                name="测试站",
                latitude_deg=36.65,
                longitude_deg=116.94,
                values=(
                    ("pm2_5", 30.0),
                    ("pm10", 600.0),
                    ("so2", 5.0),
                    ("no2", 20.0),
                    ("co", 0.5),
                    ("o3", 40.0),
                ),
                period_end_utc=now - timedelta(hours=hour),
            )
        )
    listed = [a for a in centre.list_alerts() if a.place == "station:T-1"]
    assert listed, "the reading raised no alert"
    alert_id = listed[0].alert_id
    browser.log_in("officer")
    browser.open(f"/alerts/{alert_id}")
    browser.element("#ack-comment").send_keys("去现场看看")
    browser.element("#ack-send").click()
    browser.visible("#alert-ack")
    browser.element("#close-comment").send_keys("扬尘已处置")
    browser.element("#close-send").click()
    closed = browser.visible("#alert-closed")
    assert "officer" in closed.text and "扬尘已处置" in closed.text
    detail = centre.alert_detail(alert_id).alert
    assert detail.acknowledged_by == "officer" and detail.closed_by == "officer"
    assert detail.closed_comment == "扬尘已处置"


def test_the_air_page_shows_the_stations_table(browser: Browser) -> None:
    browser.log_in("viewer")
    browser.open("/air")
    table = browser.visible("#stations-table")
    assert "AQI" in table.text
    assert browser.console_errors() == []


def test_the_route_preview_draws_the_map_without_errors(browser: Browser) -> None:
    browser.log_in("viewer")
    browser.open("/zones/wetland-park/preview")
    browser.visible(".leaflet-container")
    assert "wetland-park" in browser.element("#preview-zone").text
    browser.wait(lambda d: d.find_elements("css selector", ".leaflet-interactive"), "the route")
    assert browser.console_errors() == []
