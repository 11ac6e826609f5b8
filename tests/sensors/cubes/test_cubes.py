"""Cubes: chunk layout for the reads that follow, lazy opening, map cube, station AQI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sensors import cubes
from sensors.aqi import aqi
from sensors.cubes.grid import MapGrid
from sensors.cubes.station import StationMeta, StationRows
from sensors.cubes.store import CubeError, CubeStore


def _hourly_rows(station: str, hours: int, start: str = "2026-05-01T01:00") -> StationRows:
    t = (
        (np.datetime64(start) + np.arange(hours) * np.timedelta64(1, "h"))
        .astype("datetime64[ms]")
        .astype(np.int64)
    )
    values = 20.0 + np.arange(hours) % 50
    return StationRows(
        np.full(hours, station, dtype=object), t, np.full(hours, "pm2_5", dtype=object), values
    )


def test_station_chunks_hold_a_year_and_survive_small_appends(tmp_path: Path):
    cubes.register_stations(
        [StationMeta("A", "a", 36.6, 116.9, 10.0), StationMeta("B", "b", 36.7, 116.8, 12.0)],
        tmp_path,
    )
    for day in range(3):  # tiny appends must not fix tiny chunks
        rows = _hourly_rows("A", 24, f"2026-05-{day + 1:02d}T01:00")
        assert (cubes.append_station_rows(rows, tmp_path) == 0).all()
    store = CubeStore(tmp_path / "stations.zarr")
    assert store.arrays()["pm2_5"].chunks == (16, 8784)
    ds = cubes.open_station_cube(tmp_path)
    assert ds.pm2_5.chunks is not None  # dask-backed
    assert ds.sizes == {"station": 2, "time": 72}
    assert ds.attrs["featureType"] == "timeSeries"
    assert ds.station_id.attrs["cf_role"] == "timeseries_id"
    assert ds.pm2_5.attrs["units"] == "ug m-3" and ds.co.attrs["units"] == "mg m-3"
    assert float(ds.latitude[1]) == 36.7
    info = {i["cube"]: i for i in cubes.cube_info(tmp_path)}
    assert info["stations.zarr"]["sizes"] == {"station": 2, "time": 72}


def test_new_station_grows_the_station_dimension(tmp_path: Path):
    cubes.register_stations([StationMeta("A", "a", 36.6, 116.9)], tmp_path)
    cubes.append_station_rows(_hourly_rows("A", 5), tmp_path)
    cubes.register_stations([StationMeta("C", "c", 36.5, 116.7)], tmp_path)
    cubes.append_station_rows(_hourly_rows("C", 5), tmp_path)
    ds = cubes.open_station_cube(tmp_path).load()
    assert list(ds.station_id.values) == ["A", "C"]
    assert ds.pm2_5.notnull().sum("time").values.tolist() == [5, 5]


def test_station_aqi_over_the_cube_equals_the_scalar_form(tmp_path: Path):
    cubes.register_stations([StationMeta("A", "a", 36.6, 116.9)], tmp_path)
    cubes.append_station_rows(_hourly_rows("A", 48), tmp_path)
    out = cubes.station_aqi("hj633-2012", "hourly", tmp_path).load()
    ds = cubes.open_station_cube(tmp_path).load()
    pm = ds.pm2_5.isel(station=0).to_series()
    avg24 = pm.rolling(24, min_periods=20).mean()
    for i in (5, 19, 30, 47):
        want = aqi({"pm2_5_24h": avg24.iloc[i]}, "hj633-2012", "hourly")
        got = out.aqi.isel(station=0, time=i).item()
        assert (want.aqi is None and np.isnan(got)) or got == want.aqi
    assert np.isnan(out.aqi.isel(station=0, time=5))  # fewer than 20 hours
    assert out.aqi.attrs["ecopatrol_standard"] == "hj633-2012"


def test_map_cube_one_chunk_per_hour_with_crs(tmp_path: Path):
    grid = MapGrid.around(36.65, 116.93, 1000.0, 100.0)
    cubes.create_map_cube(grid, tmp_path)
    field = np.arange(400, dtype=float).reshape(20, 20)
    cubes.append_map(pd.Timestamp("2026-05-01T01:00Z"), {"pm2_5": field}, tmp_path)
    cubes.append_map(pd.Timestamp("2026-05-01T02:00Z"), {"pm2_5": field + 1}, tmp_path)
    with pytest.raises(CubeError):
        cubes.append_map(pd.Timestamp("2026-05-01T02:00Z"), {"pm2_5": field}, tmp_path)
    ds = cubes.open_map_cube(tmp_path)
    assert ds.pm2_5.data.chunksize == (1, 20, 20)
    assert "32650" in ds.spatial_ref.attrs["crs_wkt"]
    assert ds.pm2_5.encoding["grid_mapping"] == "spatial_ref" and "spatial_ref" in ds.coords
    assert "inverse distance" in ds.attrs["ecopatrol_method"]
    np.testing.assert_array_equal(ds.pm2_5.isel(time=1).values, field + 1)
    assert np.isnan(ds.so2.values).all()


def test_map_hour_grids_station_and_drone_samples(tmp_path: Path):
    cubes.register_stations([StationMeta("A", "a", 36.650, 116.930)], tmp_path)
    cubes.append_station_rows(_hourly_rows("A", 2), tmp_path)
    samples = [
        cubes.DroneSample(
            "u",
            "s",
            int(pd.Timestamp("2026-05-01T01:30Z").value // 10**6),
            36.655,
            116.935,
            60.0,
            {"pm2_5": 80.0},
        )
    ]
    cubes.append_drone_samples(samples, tmp_path)
    cubes.create_map_cube(MapGrid.around(36.652, 116.932, 1000.0, 100.0), tmp_path)
    cubes.map_hour(pd.Timestamp("2026-05-01T02:00Z"), tmp_path)
    ds = cubes.open_map_cube(tmp_path).load()
    pm = ds.pm2_5.isel(time=0).values
    assert np.nanmax(pm) == 80.0 and np.nanmin(pm) == 21.0  # station at 02:00 holds 21
    assert int(ds.sample_count.sum()) == 2
