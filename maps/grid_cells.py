"""A map-cube hour (`SampleGrid`) as GeoJSON: one Polygon per cell with a value, in WGS 84.

What the console's grid endpoint serves, so the city brain (or a live layer) reads the drone
sample grid as data: each cell's four corners projected from the grid's CRS to lon/lat, its
concentration, IAQI, AQI category and the colour the map draws it in (the same rule as
`maps.raster.grid_image`: IAQI category colours, a yellow–red ramp where there is no IAQI).
Cells without a value (NaN) are left out. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyproj import Transformer

from maps.features import COORD_DIGITS
from maps.model import SampleGrid
from maps.raster import SAMPLE_RAMP, category_rgba, grid_column, ramp_rgba
from sensors.aqi.categories import category_index_array
from sensors.aqi.vector import iaqi_array
from sensors.units import cf_attrs


def _hex(rgba: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgba[:3]))


def grid_cells_geojson(grid: SampleGrid) -> dict[str, Any]:
    """The grid's cells with a value, as a FeatureCollection (ids `cell:<row>:<col>`, row 0
    north) carrying the pollutant, unit and time of the hour."""
    values = grid.values
    ny, nx = values.shape
    west, south, east, north = grid.bounds
    xs = np.linspace(west, east, nx + 1)
    ys = np.linspace(north, south, ny + 1)  # row edges, north first
    ex, ey = np.meshgrid(xs, ys)
    to_wgs84 = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)
    lon, lat = (np.round(a, COORD_DIGITS) for a in to_wgs84.transform(ex, ey))
    column = grid_column(grid)
    if column is None:
        iaqi = np.full(values.shape, np.nan)
        colours = ramp_rgba(values, SAMPLE_RAMP, None, None)
    else:
        iaqi = iaqi_array(column, values, grid.standard, grid.unit)
        colours = category_rgba(iaqi, grid.standard)
    bands = category_index_array(np.where(np.isfinite(iaqi), np.ceil(iaqi), np.nan))
    features = []
    for row, col in zip(*np.nonzero(np.isfinite(values)), strict=True):
        r, c = int(row), int(col)
        ring = [
            [float(lon[r, c]), float(lat[r, c])],
            [float(lon[r, c + 1]), float(lat[r, c + 1])],
            [float(lon[r + 1, c + 1]), float(lat[r + 1, c + 1])],
            [float(lon[r + 1, c]), float(lat[r + 1, c])],
            [float(lon[r, c]), float(lat[r, c])],
        ]
        cell_iaqi = iaqi[r, c]
        features.append(
            {
                "type": "Feature",
                "id": f"cell:{r}:{c}",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "row": r,
                    "col": c,
                    "value": round(float(values[r, c]), 3),
                    "iaqi": None if np.isnan(cell_iaqi) else int(np.ceil(cell_iaqi)),
                    "category": None if bands[r, c] < 0 else int(bands[r, c]),
                    "color": _hex(colours[r, c]),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "pollutant": grid.pollutant,
        "unit": grid.unit or cf_attrs(grid.pollutant)["units"],
        "time": None if grid.time is None else grid.time.isoformat().replace("+00:00", "Z"),
        "features": features,
    }
