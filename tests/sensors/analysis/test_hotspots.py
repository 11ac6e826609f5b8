"""Hot spots: exceedances by category and limit, anomalies against neighbours."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sensors.analysis.hotspots import exceedances, grid_anomalies, point_anomalies
from sensors.aqi.vector import aqi_dataset


def test_exceedances_list_category_and_over_limit_columns():
    ds = xr.Dataset(
        {
            "pm2_5_24h": ("station", np.array([30.0, 80.0, 160.0])),
            "so2_24h": ("station", np.array([10.0, 10.0, 200.0])),
        },
        coords={"station": ["A", "B", "C"]},
    )
    table = exceedances(aqi_dataset(ds, "hj633-2012", "daily"))
    assert list(table["station"]) == ["B", "C"]
    assert list(table["category_zh"]) == ["轻度污染", "重度污染"]
    assert list(table["over_limit"]) == ["pm2_5_24h", "so2_24h;pm2_5_24h"]


def test_grid_anomaly_finds_the_bump():
    rng = np.random.default_rng(3)
    field = 40 + rng.normal(0, 1.0, (30, 30))
    field[12, 17] = 70
    found = grid_anomalies(field)
    assert found and found[0].index == (12, 17) and found[0].z > 10
    assert all(a.index == (12, 17) for a in found)


def test_point_anomalies_against_neighbours():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 3000, 40), rng.uniform(0, 3000, 40)
    v = 50 + rng.normal(0, 2, 40)
    v[7] = 120
    found = point_anomalies(x, y, v, radius_m=1500)
    assert [a.index for a in found] == [(7,)]
