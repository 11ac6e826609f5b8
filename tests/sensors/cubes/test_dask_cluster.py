"""The cube functions give the same values on a 2-worker dask.distributed LocalCluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from distributed import Client, LocalCluster

from sensors import cubes
from sensors.analysis.hotspots import exceedances
from sensors.aqi.cube import station_aqi
from sensors.cubes.compute import ENV, scheduler_address, use_scheduler
from sensors.cubes.compute import client as client_in_force
from sensors.cubes.grid import MapGrid
from sensors.cubes.station import StationMeta, StationRows

POLS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
HOUR = 3_600_000


@pytest.fixture(scope="module")
def client():
    # threads in one process: worker processes cost seconds to start on 2 shared cores
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    c = Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def cube_dir(tmp_path_factory) -> Path:
    """Three years hourly, 40 stations (three station chunks), gaps and a polluted spell."""
    root = tmp_path_factory.mktemp("cubes")
    rng = np.random.default_rng(14)
    ids = [f"S{i:02d}" for i in range(40)]
    cubes.register_stations(
        [StationMeta(s, s, 36.6 + i * 0.01, 116.9 + i * 0.01) for i, s in enumerate(ids)], root
    )
    t0 = np.datetime64("2023-01-01T01:00", "ms").astype(np.int64)
    hours = 3 * 8760
    times = t0 + HOUR * np.arange(hours, dtype=np.int64)
    for s in ids:
        n = hours * len(POLS)
        st = np.full(n, s, dtype=object)
        t = np.repeat(times, len(POLS))
        p = np.tile(np.array(POLS, dtype=object), hours)
        top = np.where(p == "co", 4.0, 180.0)
        v = np.round(rng.uniform(0, 1, n) * top, 1)
        keep = rng.random(n) < 0.93
        cubes.append_station_rows(StationRows(st[keep], t[keep], p[keep], v[keep]), root)
    return root


def test_the_cube_spans_years_and_several_station_chunks(cube_dir: Path):
    ds = cubes.open_station_cube(cube_dir)
    assert ds.sizes["time"] == 3 * 8760
    assert len(ds.pm2_5.data.chunks[0]) == 3  # 16 + 16 + 8 stations: three tasks


@pytest.mark.parametrize("mode", ["daily", "hourly"])
def test_cube_aqi_on_the_cluster_equals_local_threads(cube_dir: Path, client, mode: str):
    path = cube_dir / "stations.zarr"
    local = station_aqi(path, "hj633-2026", mode)
    with use_scheduler(client):
        remote = station_aqi(path, "hj633-2026", mode)
    assert client.run(lambda: 1)  # the workers are up
    assert local.sizes["time"] > 1000
    xr.testing.assert_identical(local, remote)
    assert np.isfinite(local.aqi.values).mean() > 0.5


def test_the_cluster_did_the_work(cube_dir: Path, client):
    path = cube_dir / "stations.zarr"
    with use_scheduler(client):
        station_aqi(path, "hj633-2012", "daily")
    done = client.run_on_scheduler(
        lambda dask_scheduler: [k for k in dask_scheduler.task_prefixes if "chunk_aqi" in k]
    )
    assert done  # the per-chunk tasks ran on this cluster's scheduler


def test_hot_spots_on_the_cluster_equal_local(cube_dir: Path, client):
    path = cube_dir / "stations.zarr"
    daily = station_aqi(path, "hj633-2026", "daily")
    lazy = daily.chunk({"station": 16, "time": 365})
    local = exceedances(lazy, min_category=2)
    with use_scheduler(client):
        remote = exceedances(lazy, min_category=2)
    assert len(local) > 10
    pd.testing.assert_frame_equal(local, remote)


def test_map_interpolation_on_the_cluster_equals_local(cube_dir: Path, client, tmp_path: Path):
    import shutil

    grid = MapGrid.around(36.8, 117.1, 8_000.0, 500.0)
    shutil.copytree(cube_dir / "stations.zarr", tmp_path / "a" / "stations.zarr")
    shutil.copytree(cube_dir / "stations.zarr", tmp_path / "b" / "stations.zarr")
    hour = pd.Timestamp("2024-06-01T12:00")
    cubes.create_map_cube(grid, tmp_path / "a")
    cubes.create_map_cube(grid, tmp_path / "b")
    cubes.map_hour(hour, tmp_path / "a")
    with use_scheduler(client):
        cubes.map_hour(hour, tmp_path / "b")
    a = cubes.open_map_cube(tmp_path / "a").load()
    b = cubes.open_map_cube(tmp_path / "b").load()
    xr.testing.assert_identical(a, b)
    assert np.isfinite(a.pm2_5.values).any()


def test_the_environment_names_the_scheduler(monkeypatch, client):
    monkeypatch.setenv(ENV, client.scheduler.address)
    assert scheduler_address() == client.scheduler.address
    with use_scheduler(""):
        assert client_in_force() is None
    monkeypatch.delenv(ENV)
    assert client_in_force() is None
