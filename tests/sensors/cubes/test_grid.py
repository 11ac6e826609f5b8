"""Map grid and gridding: binning, IDW bounds (property), projection round trip."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.cubes.grid import MapGrid, bin_mean, grid_points, idw_fill

GRID = MapGrid.around(36.65, 116.93, 1000.0, 100.0)


def test_grid_is_utm_and_centred():
    assert GRID.crs == "EPSG:32650" and (GRID.nx, GRID.ny) == (20, 20)
    x, y = GRID.project(np.array([36.65]), np.array([116.93]))
    row, col, inside = GRID.cell_of(x, y)
    assert inside.all() and abs(row[0] - 10) <= 1 and abs(col[0] - 10) <= 1


def test_bin_mean_averages_samples_in_a_cell():
    x = np.array([GRID.x[3], GRID.x[3] + 10, GRID.x[7]])
    y = np.array([GRID.y[2], GRID.y[2] - 10, GRID.y[5]])
    mean, count = bin_mean(GRID, x, y, np.array([10.0, 20.0, 5.0]))
    assert mean[2, 3] == 15.0 and count[2, 3] == 2 and mean[5, 7] == 5.0
    assert np.isnan(mean[0, 0]) and count.sum() == 3


def test_idw_fills_only_within_radius():
    binned = np.full((GRID.ny, GRID.nx), np.nan)
    binned[10, 10] = 50.0
    out = idw_fill(GRID, binned, 250.0)
    assert out[10, 12] == 50.0 and np.isnan(out[10, 13]) and np.isnan(out[0, 0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-900, 900), st.floats(-900, 900), st.floats(0, 500)),
        min_size=1,
        max_size=30,
    )
)
def test_idw_stays_within_the_sample_range(points):
    lat0, lon0 = 36.65, 116.93
    k = 1 / 111_320.0
    lat = np.array([lat0 + p[0] * k for p in points])
    lon = np.array([lon0 + p[1] * k / np.cos(np.radians(lat0)) for p in points])
    v = np.array([p[2] for p in points])
    field, count = grid_points(GRID, lat, lon, v, 400.0)
    finite = field[np.isfinite(field)]
    assert finite.size >= 1 and count.sum() == len(points)
    assert finite.min() >= v.min() - 1e-9 and finite.max() <= v.max() + 1e-9
