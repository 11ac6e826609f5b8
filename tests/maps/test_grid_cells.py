"""A map-cube hour as GeoJSON cells: corners in lon/lat around each cell, NaN cells left out,
IAQI category colours, and the yellow–red ramp for a pollutant without an IAQI (VOC)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from pyproj import Transformer
from shapely.geometry import Point, shape

from maps import SampleGrid
from maps.grid_cells import grid_cells_geojson
from maps.raster import SAMPLE_RAMP
from sensors.aqi.categories import category
from sensors.cubes.grid import MapGrid

GRID = MapGrid.around(36.65, 116.94, half_width_m=200.0, cell_m=100.0)  # 4 × 4


def test_cells_carry_values_iaqi_and_the_category_colour() -> None:
    values = np.full((GRID.ny, GRID.nx), 20.0)
    values[1, 2], values[3, 3] = 300.0, np.nan
    at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    body = grid_cells_geojson(SampleGrid.on(GRID, "pm2_5", values, at))
    assert body["pollutant"] == "pm2_5" and body["time"] == "2026-12-02T09:00:00Z"
    cells = {f["id"]: f for f in body["features"]}
    assert len(cells) == 15 and "cell:3:3" not in cells
    to_wgs84 = Transformer.from_crs(GRID.crs, "EPSG:4326", always_xy=True)
    inside = Point(*to_wgs84.transform(GRID.x[2], GRID.y[1]))
    assert shape(cells["cell:1:2"]["geometry"]).contains(inside)
    assert not shape(cells["cell:0:0"]["geometry"]).contains(inside)
    high, low = cells["cell:1:2"]["properties"], cells["cell:0:0"]["properties"]
    assert high["value"] == 300.0 and high["iaqi"] > low["iaqi"]
    assert high["category"] > low["category"]
    assert high["color"] == category(high["iaqi"]).hex


def test_a_pollutant_without_an_iaqi_uses_the_ramp() -> None:
    values = np.tile(np.linspace(10.0, 400.0, GRID.nx), (GRID.ny, 1))
    cells = grid_cells_geojson(SampleGrid.on(GRID, "voc", values))["features"]
    by_col = {f["properties"]["col"]: f["properties"] for f in cells}
    assert by_col[0]["iaqi"] is None and by_col[0]["category"] is None
    assert by_col[0]["color"] == SAMPLE_RAMP[0] and by_col[GRID.nx - 1]["color"] == SAMPLE_RAMP[-1]
