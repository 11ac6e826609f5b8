"""One alert's page follows the event stream in real Chromium over an in-process centre (no
vehicles): while a viewer has it open, another officer acknowledges it and comments on it, the
alert engine puts a source estimate on it, and the officer closes it — each shown without a
reload (status, acknowledgement, comment, source estimate, closing, the forms following the
status), with the page's fallback poll far longer than the test waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from command.alerts.source import CandidateZone, SourceFinding
from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import RULES, ZONES
from command.events import StationReading
from sensors.analysis.tracing import SourceEstimate, WindObs
from tests.web.inprocess import console_app, started_centre
from tests.web.live import Browser, serve
from tests.web.test_live_pages import NEVER_MS, cell, live_settings, wait_synced

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

PLANT = "huaiyin-thermal-plant"


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
    with serve(console_app(centre)) as url:
        b = Browser(url)
        try:
            yield b
        finally:
            b.close()


def raise_alert(centre: CommandCentre) -> int:
    """A day of dust at a new station (PM10 far over its limit): the alert it raises."""
    known = {a.alert_id for a in centre.list_alerts()}
    now = datetime.now(UTC)
    for hour in range(24, -1, -1):
        centre.alerts.handle(
            StationReading(
                time_utc=now,
                station_id="L-2",
                name="单页站",
                latitude_deg=36.65,
                longitude_deg=116.94,
                values=(("pm2_5", 30.0), ("pm10", 600.0), ("so2", 5.0), ("no2", 20.0)),
                period_end_utc=now - timedelta(hours=hour),
            )
        )
    raised = [a.alert_id for a in centre.list_alerts() if a.alert_id not in known]
    assert raised, "the readings raised no alert"
    return raised[0]


def attach_source(centre: CommandCentre, alert_id: int) -> None:
    """A traced source put on the alert the way the centre's tracing does it: the engine's
    outcome applied by the alert service (stored, then published)."""
    estimate = SourceEstimate(
        lat=36.64321,
        lon=116.93456,
        uncertainty_m=420.0,
        stack_height_m=30.0,
        rate_g_s=12.0,
        background=20.0,
        pollutant="pm10",
        n_samples=200,
        residual_rms=1.0,
    )
    finding = SourceFinding(estimate, (CandidateZone(PLANT, 0.0),), WindObs(3.0, 90.0), "traced")
    service = centre.alerts
    service._act(lambda now: service.engine.attach_source(alert_id, finding, now))


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
