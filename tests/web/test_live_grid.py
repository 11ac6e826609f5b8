"""The dashboard's drone sample grid is live in real Chromium: a centre with no map yet (no
vehicles, live sensing refreshing the map cube after every batch), the console on a loopback
port; drone samples handed to live sensing as the fleet link would hand them over are stored,
mapped, kept (MapGridRefreshed) and drawn as cells in the open page without a reload, in the
colours /api/map/grid gives, with the page's fallback poll far longer than the test waits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.events import MapGridRefreshed
from command.link.snapshot import PayloadSample
from tests.web.inprocess import console_app, started_centre
from tests.web.live import Browser, serve
from tests.web.test_live_pages import NEVER_MS, live_settings, wait_synced

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

CENTRE = (36.65, 116.94)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("livegrid")
    sensing = {
        "batch_s": 0.2,
        "map_refresh_s": 0,
        "map_centre": list(CENTRE),
        "map_half_width_m": 300.0,
        "map_cell_m": 100.0,
    }
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": [], "sensing": sensing},
        source="test",
    )
    with started_centre(config) as c:
        yield c


@pytest.fixture(scope="module")
def console_url(centre: CommandCentre) -> Iterator[str]:
    with serve(console_app(centre)) as url:
        yield url


@pytest.fixture
def browser(console_url: str) -> Iterator[Browser]:
    b = Browser(console_url)
    try:
        yield b
    finally:
        b.close()


def readings(vehicle: str, k: int, boot_utc_ms: int, pm2_5: float) -> list[PayloadSample]:
    """The PM2.5 and PM10 readings a drone sends at second k of its flight, heading north."""
    boot = 1000 * k + 5
    return [
        PayloadSample(
            vehicle=vehicle,
            system_id=1,
            quantity=name,
            value=value,
            time_s=time.monotonic(),
            time_boot_ms=boot,
            latitude_deg=CENTRE[0] + 0.0009 * (k - 2),
            longitude_deg=CENTRE[1],
            altitude_amsl_m=80.0,
            altitude_relative_m=50.0,
            position_boot_ms=boot - 5,
            utc_offset_ms=boot_utc_ms,
        )
        for name, value in (("PM2_5", pm2_5), ("PM10", 1.5 * pm2_5))
    ]


def drawn_cells(browser: Browser) -> int:
    return browser.js("return window.EcoMap ? window.EcoMap.features('grid') : -1")


def test_the_grid_layer_gains_cells_after_samples_arrive(
    centre: CommandCentre, console_url: str, browser: Browser
) -> None:
    assert centre.map_grid_hour() is None  # no map yet: the page opens on an empty grid
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open("/")
    browser.element(".leaflet-control-layers-overlays label")
    wait_synced(browser)
    assert drawn_cells(browser) == 0
    browser.js("window.sameDocument = true;")  # gone if the page were loaded again
    said = centre.subscribe("test-grid", kinds=(MapGridRefreshed,))
    try:
        boot_utc_ms = int(datetime.now(UTC).timestamp() * 1000) - 10_000
        for k in range(5):
            for reading in readings("hy-01", k, boot_utc_ms, 60.0 + 20.0 * k):
                centre.sensing.offer(reading)
        event = said.get(timeout_s=30.0)
        assert isinstance(event, MapGridRefreshed) and event.cells > 0
        while (later := said.get(timeout_s=3.0)) is not None:  # the samples' last batch mapped
            event = later
    finally:
        said.close()
    browser.wait(lambda d: drawn_cells(browser) == event.cells, "the new cells drawn", 20)
    served = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.Console.api('GET', '/api/map/grid').then(r => done(r.data));"
    )
    expected = {f["id"]: f["properties"]["color"] for f in served["features"]}
    assert len(expected) == event.cells
    colours = (
        "const out = {};"
        "for (const layer of Object.values(EcoMap.layers('grid')[0]._featureLayers)) {"
        "  out[layer.feature.id] = layer.options.fillColor; } return out;"
    )
    browser.wait(lambda d: browser.js(colours) == expected, "the cells in the served colours")
    assert browser.js("return window.sameDocument === true")
    assert browser.js("return document.body.dataset.live") == "open"
    assert browser.console_errors() == []
    assert browser.requested_hosts() == {urlsplit(console_url).netloc}
