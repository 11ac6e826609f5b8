"""The drone sample grid on the console: a real map cube written under the centre's cubes
folder, read once at start and again on MapCubeRefreshed (never per request, each time saying so
with MapGridRefreshed), served as cells with values at /api/map/grid and drawn in the dashboard
map's air group as a live layer reading that endpoint."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Transformer
from shapely.geometry import Point, shape

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.events import MapCubeRefreshed, MapGridRefreshed
from sensors.aqi.categories import category
from sensors.cubes import MapGrid, append_map, create_map_cube
from tests.web.conftest import log_in
from tests.web.inprocess import console_app, started_centre

HOUR = pd.Timestamp(datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None))
GRID = MapGrid.around(36.65, 116.94, half_width_m=300.0, cell_m=100.0)  # 6 × 6 cells


def first_hour() -> np.ndarray:
    """PM2.5 rising west to east (µg/m³), with the north-west cell empty."""
    values = np.tile(np.linspace(10.0, 260.0, GRID.nx), (GRID.ny, 1))
    values[0, 0] = np.nan
    return values


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("mapgrid")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": []}, source="test"
    )
    config.cubes_path.mkdir(parents=True, exist_ok=True)
    create_map_cube(GRID, config.cubes_path)
    append_map(HOUR - pd.Timedelta(hours=1), {"pm2_5": first_hour()}, config.cubes_path)
    with started_centre(config) as c:
        yield c


@pytest.fixture(scope="module")
def app(centre: CommandCentre) -> Flask:
    return console_app(centre)


@pytest.fixture(scope="module")
def viewer(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "viewer")
    return client


def cell_centre(row: int, col: int) -> Point:
    """The lon/lat of a grid cell's centre."""
    to_wgs84 = Transformer.from_crs(GRID.crs, "EPSG:4326", always_xy=True)
    return Point(*to_wgs84.transform(GRID.x[col], GRID.y[row]))


def test_the_grid_endpoint_serves_the_cells_of_the_latest_hour(viewer: FlaskClient) -> None:
    assert viewer.get("/api/map/grid").status_code == 200
    body = viewer.get("/api/map/grid?pollutant=pm2_5").json
    assert body["pollutant"] == "pm2_5"
    assert body["time"].startswith((HOUR - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    cells = {(f["properties"]["row"], f["properties"]["col"]): f for f in body["features"]}
    assert len(cells) == GRID.nx * GRID.ny - 1 and (0, 0) not in cells
    expected = first_hour()
    for (row, col), cell in cells.items():
        props = cell["properties"]
        assert props["value"] == pytest.approx(expected[row, col], abs=1e-3)
        assert shape(cell["geometry"]).contains(cell_centre(row, col))
        assert props["color"] == category(props["iaqi"]).hex
    west, east = cells[(3, 0)]["properties"], cells[(3, GRID.nx - 1)]["properties"]
    assert west["iaqi"] < east["iaqi"] and west["category"] < east["category"]


def test_a_pollutant_without_values_is_refused_naming_what_there_is(
    viewer: FlaskClient,
) -> None:
    reply = viewer.get("/api/map/grid?pollutant=so2")
    assert reply.status_code == 400 and "pm2_5" in reply.json["error"]
    assert viewer.get("/api/map/grid?pollutant=bogus").status_code == 400


def test_the_dashboard_draws_the_grid_in_the_air_group(viewer: FlaskClient) -> None:
    page = viewer.get("/").get_data(as_text=True)
    # The map's groups in the order the builder makes them: sky, ground, air, alerts.
    groups = re.findall(r"var (feature_group_\w+) = L\.featureGroup\(", page)
    assert len(groups) == 4
    # A live layer reading /api/map/grid (registered as "grid"), drawn first with the kept hour.
    found = re.search(
        r"var (realtime_\w+) = L\.realtime\(\s*"
        r"EcoMap\.source\((\{.*?\}), \"/api/map/grid\", \"grid\"\)",
        page,
    )
    assert found, "the dashboard has no live grid layer"
    layer, cells = found.group(1), json.loads(found.group(2))
    assert re.findall(rf"(feature_group_\w+)\.addLayer\(\s*{layer}\._container", page) == [
        groups[2]
    ]
    assert "image_overlay_" not in page
    assert cells["pollutant"] == "pm2_5" and len(cells["features"]) == GRID.nx * GRID.ny - 1
    lons = [p[0] for f in cells["features"] for p in f["geometry"]["coordinates"][0]]
    lats = [p[1] for f in cells["features"] for p in f["geometry"]["coordinates"][0]]
    assert min(lats) < 36.65 < max(lats) and min(lons) < 116.94 < max(lons)


def test_requests_read_the_kept_hour_until_the_cube_is_refreshed(
    centre: CommandCentre, viewer: FlaskClient
) -> None:
    newer = np.full((GRID.ny, GRID.nx), 75.0)
    append_map(HOUR, {"pm2_5": newer, "no2": newer}, centre.config.cubes_path)
    kept = viewer.get("/api/map/grid").json
    assert kept["time"].startswith((HOUR - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    said = centre.subscribe("test-grid", kinds=(MapGridRefreshed,))
    try:
        centre.bus.publish(
            MapCubeRefreshed(time_utc=datetime.now(UTC), hours=(HOUR.to_pydatetime(),), maps=2)
        )
        event = said.get(timeout_s=10.0)
    finally:
        said.close()
    # said once the kept copy is the new hour: a page reading the grid on it sees that hour
    assert isinstance(event, MapGridRefreshed)
    assert event.hour is not None and event.hour.replace(tzinfo=None) == HOUR.to_pydatetime()
    assert set(event.pollutants) == {"pm2_5", "no2"} and event.cells == GRID.nx * GRID.ny
    body = viewer.get("/api/map/grid").json
    assert body["time"].startswith(HOUR.strftime("%Y-%m-%dT%H:%M"))
    assert {f["properties"]["value"] for f in body["features"]} == {75.0}
    assert len(body["features"]) == GRID.nx * GRID.ny
    no2 = viewer.get("/api/map/grid?pollutant=no2").json
    assert no2["pollutant"] == "no2" and len(no2["features"]) == GRID.nx * GRID.ny
