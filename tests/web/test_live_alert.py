"""One alert's page follows the event stream in real Chromium over an in-process centre (no
vehicles): while a viewer has it open, another officer acknowledges it and comments on it, the
alert engine puts a source estimate on it, and the officer closes it — each shown without a
reload (status, acknowledgement, comment, source estimate, closing, the forms following the
status); the page's map moves the alert's mark to the estimate and draws its uncertainty circle
and candidate zone; and the approve / decline forms appear when a quick response begins to
await approval (and go once another officer declines it, or work when the pilot approves) —
with the page's fallback poll far longer than the test waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from command.alerts.source import CandidateZone, SourceFinding
from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import RULES, ZONES
from command.events import StationReading
from sensors.analysis.tracing import SourceEstimate, WindObs
from tests.web.inprocess import console_app, started_centre
from tests.web.live import Browser, browsing
from tests.web.test_live_pages import NEVER_MS, cell, live_settings, wait_synced

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

PLANT = "huaiyin-thermal-plant"
SOURCE = (36.64321, 116.93456)
"""Where the test's traced source is."""


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("livealert")
    config = config_from_mapping(
        {
            "var_dir": str(var),
            "zones": str(ZONES),
            "vehicles": [],
            "alerts": {"rules": str(RULES), "strict": False},
        },
        source="test",
    )
    with started_centre(config) as c:
        yield c


@pytest.fixture
def browser(centre: CommandCentre) -> Iterator[Browser]:
    with browsing(console_app(centre)) as b:
        yield b


def reading(station: str, hours_ago: int, pm10: float = 30.0, no2: float = 20.0) -> StationReading:
    """One hourly reading of a station near the thermal plant."""
    now = datetime.now(UTC)
    return StationReading(
        time_utc=now,
        station_id=station,
        name="单页站",
        latitude_deg=36.65,
        longitude_deg=116.94,
        values=(("pm2_5", 30.0), ("pm10", pm10), ("so2", 5.0), ("no2", no2)),
        period_end_utc=now - timedelta(hours=hours_ago),
    )


def raise_alert(centre: CommandCentre, station: str = "L-2") -> int:
    """A day of dust at a new station (PM10 far over its limit): the alert it raises."""
    known = {a.alert_id for a in centre.list_alerts()}
    for hour in range(24, -1, -1):
        centre.alerts.handle(reading(station, hour, pm10=600.0))
    raised = [a.alert_id for a in centre.list_alerts() if a.alert_id not in known]
    assert raised, "the readings raised no alert"
    return raised[0]


def attach_source(centre: CommandCentre, alert_id: int) -> None:
    """A traced source put on the alert the way the centre's tracing does it (the alert
    service's `attach_source`: stored, then published)."""
    estimate = SourceEstimate(
        lat=SOURCE[0],
        lon=SOURCE[1],
        uncertainty_m=420.0,
        stack_height_m=30.0,
        rate_g_s=12.0,
        background=20.0,
        pollutant="pm10",
        n_samples=200,
        residual_rms=1.0,
    )
    finding = SourceFinding(estimate, (CandidateZone(PLANT, 0.0),), WindObs(3.0, 90.0), "traced")
    centre.alerts.attach_source(alert_id, finding)


def shown(browser: Browser, element_id: str) -> str | None:
    """The text of the element with that id when it is shown (not hidden), else None."""
    return browser.js(
        "const e = document.getElementById(arguments[0]);"
        "return e && !e.hidden ? e.textContent : null;",
        element_id,
    )


def test_the_alert_page_shows_what_others_do_to_the_alert_from_the_stream(
    centre: CommandCentre, browser: Browser
) -> None:
    alert_id = raise_alert(centre)
    browser.log_in("officer")
    live_settings(browser, NEVER_MS)
    browser.open(f"/alerts/{alert_id}")
    wait_synced(browser)
    browser.js("window.sameDocument = true;")  # gone if the page were loaded again
    assert cell(browser, "#alert-status") == "open"
    assert shown(browser, "alert-ack") is None and shown(browser, "alert-source") is None
    assert shown(browser, "ack-form") is not None

    centre.acknowledge_alert(alert_id, "值班员乙", "去现场看看")
    browser.wait(lambda d: cell(browser, "#alert-status") == "acknowledged", "the new status")
    assert "值班员乙" in shown(browser, "alert-ack") and "去现场看看" in shown(browser, "alert-ack")
    assert shown(browser, "ack-form") is None  # acknowledged: no second acknowledgement

    centre.comment_alert(alert_id, "值班员丙", "现场有扬尘")
    browser.wait(
        lambda d: "值班员丙" in (cell(browser, "#alert-comments") or ""), "the new comment"
    )
    assert "现场有扬尘" in cell(browser, "#alert-comments li:last-child")

    attach_source(centre, alert_id)
    browser.wait(lambda d: shown(browser, "alert-source") is not None, "the source estimate")
    source = shown(browser, "alert-source")
    assert "36.64321, 116.93456" in source and "420 m" in source and PLANT in source

    centre.close_alert(alert_id, "值班员乙", "扬尘已处置")
    browser.wait(lambda d: cell(browser, "#alert-status") == "closed", "the alert closed")
    assert "扬尘已处置" in shown(browser, "alert-closed")
    assert shown(browser, "alert-actions") is None  # closed: nothing more to do
    assert browser.js("return window.sameDocument === true")
    assert browser.js("return document.body.dataset.live") == "open"
    assert browser.console_errors() == []


MAP_MARKS = """
const out = [];
for (const layer of EcoMap.layers("alert")) {
  for (const group of Object.values(layer._featureLayers)) {
    const circle = group.ecoParts.circle, at = circle.getLatLng();
    out.push({id: String(group.feature.id), lat: at.lat, lon: at.lng,
              radius: circle.getRadius(), drawn: Boolean(circle._map)});
  }
}
return out;
"""


def map_marks(browser: Browser) -> list[dict[str, Any]]:
    """The alert marks the page's map draws: id, centre, uncertainty radius (m), on the map."""
    return browser.js(MAP_MARKS)


def map_zones(browser: Browser) -> list[str]:
    """The names of the zones the page's map draws."""
    return browser.js(
        "return EcoMap.layers('zone').flatMap((l) => Object.values(l._featureLayers))"
        ".map((z) => z.feature.properties.name).sort();"
    )


def test_the_alert_map_moves_to_the_source_estimate_and_draws_its_circle_from_the_stream(
    centre: CommandCentre, browser: Browser
) -> None:
    alert_id = raise_alert(centre, "L-5")
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open(f"/alerts/{alert_id}")
    wait_synced(browser)
    browser.js("window.sameDocument = true;")
    (mark,) = map_marks(browser)
    assert mark["id"] == str(alert_id) and mark["radius"] == 0  # where it was raised
    assert (round(mark["lat"], 5), round(mark["lon"], 5)) == (36.65, 116.94)
    assert map_zones(browser) == []

    attach_source(centre, alert_id)
    browser.wait(lambda d: map_marks(browser)[0]["radius"] == 420, "the uncertainty circle")
    (mark,) = map_marks(browser)
    assert (round(mark["lat"], 5), round(mark["lon"], 5)) == SOURCE and mark["drawn"]
    browser.wait(lambda d: map_zones(browser) == [PLANT], "the candidate zone")
    assert browser.js("return window.sameDocument === true")
    assert browser.js("return document.body.dataset.live") == "open"
    assert browser.console_errors() == []


RESPONSE_RULES = """
[rules.no2-high]
kind = "aqi"
pollutants = ["no2"]
iaqi_above = 50
level = "yellow"

[rules.no2-severe]
kind = "aqi"
pollutants = ["no2"]
iaqi_above = 150
level = "red"
response = "on_approval"
"""
"""NO2 over 50 raises an alert with no response; over 150 the same alert asks for one."""


@pytest.fixture(scope="module")
def responding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    """A centre whose rules ask for a quick response only when NO2 gets much worse."""
    var = tmp_path_factory.mktemp("liveapproval")
    rules = Path(var) / "rules.toml"
    rules.write_text(RESPONSE_RULES, encoding="utf-8")
    config = config_from_mapping(
        {
            "var_dir": str(var),
            "zones": str(ZONES),
            "vehicles": [],
            "alerts": {"rules": str(rules), "strict": False},
        },
        source="test",
    )
    with started_centre(config) as c:
        yield c


@pytest.fixture
def pilot_browser(responding: CommandCentre) -> Iterator[Browser]:
    with browsing(console_app(responding)) as b:
        b.log_in("pilot")
        live_settings(b, NEVER_MS)
        yield b


def raise_without_response(centre: CommandCentre, station: str) -> int:
    """NO2 a little high at a new station: an alert that asks for no response (yet)."""
    known = {a.alert_id for a in centre.list_alerts()}
    centre.alerts.handle(reading(station, 1, no2=150.0))
    (alert_id,) = [a.alert_id for a in centre.list_alerts() if a.alert_id not in known]
    assert centre.alert_detail(alert_id).alert.response_state.value == "none"
    return alert_id


def open_alert(browser: Browser, alert_id: int) -> None:
    browser.open(f"/alerts/{alert_id}")
    wait_synced(browser)
    browser.js("window.sameDocument = true;")  # gone if the page were loaded again
    assert shown(browser, "response-box") is None


def test_the_response_forms_appear_when_a_response_begins_to_await_approval(
    responding: CommandCentre, pilot_browser: Browser
) -> None:
    browser = pilot_browser
    declined = raise_without_response(responding, "L-6")
    open_alert(browser, declined)
    responding.alerts.handle(reading("L-6", 0, no2=1500.0))  # much worse: a response asked for
    browser.wait(lambda d: shown(browser, "response-box") is not None, "the response forms")
    assert browser.visible("#approve-form") and browser.visible("#decline-form")
    responding.decline_response(declined, "值班员乙", "已派人")
    browser.wait(lambda d: shown(browser, "response-box") is None, "the forms gone")
    assert browser.js("return window.sameDocument === true")

    approved = raise_without_response(responding, "L-7")
    open_alert(browser, approved)
    responding.alerts.handle(reading("L-7", 0, no2=1500.0))
    browser.wait(lambda d: shown(browser, "response-box") is not None, "the response forms")
    assert browser.js("return window.sameDocument === true")
    browser.visible("#approve-confirm").click()
    browser.visible("#approve-send").click()  # sent with the page's CSRF token
    browser.wait(
        lambda d: responding.alert_detail(approved).alert.approved_by is not None, "the approval"
    )
    assert responding.alert_detail(approved).alert.response_state.value != "awaiting_approval"
    assert browser.console_errors() == []
