"""`[cubes] dask_scheduler`: checked in the config, put in force by the centre at start (the
cube AQI then runs on that cluster), released at close; the key wins over the environment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from distributed import LocalCluster

from command.centre import CommandCentre, ConfigError
from command.centre.config import CentreConfig, config_from_mapping
from sensors import cubes
from sensors.aqi.cube import station_aqi
from sensors.cubes.compute import ENV, _clients, client, release, scheduler_address
from sensors.cubes.station import StationMeta, StationRows

POLS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
HOUR = 3_600_000


@pytest.fixture(scope="module")
def cluster():
    c = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    yield c
    c.close()


def _centre_config(var_dir: Path, cubes_section: dict | None) -> CentreConfig:
    raw: dict = {"var_dir": str(var_dir), "scheduler": {"enabled": False}}
    if cubes_section is not None:
        raw["cubes"] = cubes_section
    return config_from_mapping(raw)


def _station_cube(cubes_dir: Path) -> Path:
    """Two stations, ten days hourly."""
    rng = np.random.default_rng(8)
    cubes.register_stations([StationMeta(s, s, 36.6, 116.9) for s in ("A", "B")], cubes_dir)
    t0 = np.datetime64("2026-03-01T01:00", "ms").astype(np.int64)
    times = t0 + HOUR * np.arange(240, dtype=np.int64)
    for s in ("A", "B"):
        n = len(times) * len(POLS)
        p = np.tile(np.array(POLS, dtype=object), len(times))
        v = np.round(rng.uniform(0, 1, n) * np.where(p == "co", 4.0, 150.0), 1)
        cubes.append_station_rows(
            StationRows(np.full(n, s, dtype=object), np.repeat(times, len(POLS)), p, v), cubes_dir
        )
    return cubes_dir / "stations.zarr"


def test_the_key_is_checked(tmp_path: Path) -> None:
    ok = _centre_config(tmp_path, {"dask_scheduler": "tcp://10.0.0.5:8786"})
    assert ok.cubes.dask_scheduler == "tcp://10.0.0.5:8786"
    assert _centre_config(tmp_path, {"dask_scheduler": ""}).cubes.dask_scheduler == ""
    assert _centre_config(tmp_path, None).cubes.dask_scheduler is None
    with pytest.raises(ConfigError, match=r"cubes\.workers: unknown key"):
        _centre_config(tmp_path, {"workers": 2})
    with pytest.raises(ConfigError, match=r"cubes\.dask_scheduler: .*not a Dask scheduler"):
        _centre_config(tmp_path, {"dask_scheduler": "10.0.0.5:8786"})


def test_the_centre_runs_the_cube_aqi_on_the_configured_cluster(
    tmp_path: Path, cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    path = _station_cube(tmp_path / "cubes")
    local = station_aqi(path, "hj633-2026", "daily")
    address = cluster.scheduler_address
    centre = CommandCentre(_centre_config(tmp_path, {"dask_scheduler": address}))
    assert client() is None  # nothing in force before the centre starts
    centre.start()
    try:
        c = client()
        assert c is not None and c.scheduler.address == address
        remote = station_aqi(path, "hj633-2026", "daily")
        ran = c.run_on_scheduler(
            lambda dask_scheduler: [k for k in dask_scheduler.task_prefixes if "chunk_aqi" in k]
        )
    finally:
        centre.close()
    assert ran  # the per-chunk AQI tasks went through this cluster's scheduler
    xr.testing.assert_identical(local, remote)
    assert np.isfinite(local.aqi.values).any()
    assert client() is None  # released at close: local threads again
    assert address not in _clients  # and the Client closed


def test_the_key_wins_over_the_environment(
    tmp_path: Path, cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, cluster.scheduler_address)
    threads = CommandCentre(_centre_config(tmp_path / "a", {"dask_scheduler": ""}))
    threads.start()
    try:
        assert scheduler_address() is None and client() is None
    finally:
        threads.close()
    absent = CommandCentre(_centre_config(tmp_path / "b", None))
    absent.start()
    try:  # no key: the environment names the cluster
        assert scheduler_address() == cluster.scheduler_address
    finally:
        absent.close()
    release(cluster.scheduler_address)
