"""Cube paths given as file:// URLs work wherever a path does; other fsspec schemes are refused
with an error saying only local or shared file systems are supported, and nothing is made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from command.centre.config import ConfigError, load_config
from command.sensing import LiveSensing
from sensors import cubes
from sensors.aqi.cube import station_aqi
from sensors.cli import main as sensors_main
from sensors.cubes.station import StationMeta, StationRows
from sensors.cubes.store import CubeError, break_lease, local_path, writer_lease

DATA = Path(__file__).resolve().parents[1] / "data"


def test_file_urls_become_local_paths(tmp_path: Path) -> None:
    assert local_path(tmp_path.as_uri()) == tmp_path
    assert local_path("file://localhost/srv/cubes") == Path("/srv/cubes")
    assert local_path("file:///srv/my%20cubes") == Path("/srv/my cubes")
    assert local_path("var/cubes") == Path("var/cubes")
    for bad, why in [
        ("s3://bucket/cubes", r"s3:// is not supported: .*local or shared file systems only"),
        ("memory://cubes", r"memory:// is not supported"),
        ("file://nas01/cubes", r"mount nas01's share"),
        ("file:///srv/cubes?x=1", r"no query"),
    ]:
        with pytest.raises(CubeError, match=why):
            local_path(bad)


def test_the_cube_api_takes_file_urls(tmp_path: Path) -> None:
    url = (tmp_path / "cubes").as_uri()
    cubes.register_stations([StationMeta("A", "A", 36.6, 116.9)], url)
    t = np.datetime64("2026-05-01T01:00", "ms").astype(np.int64) + 3_600_000 * np.arange(30)
    rows = StationRows(np.full(30, "A", object), t, np.full(30, "pm2_5", object), np.full(30, 40.0))
    cube_url = url + "/stations.zarr"
    with writer_lease(cube_url, "me"):
        assert (tmp_path / "cubes" / "stations.zarr.lease").exists()
        cubes.append_station_rows(rows, url)
    assert cubes.open_station_cube(url).sizes["time"] == 30
    by_url = station_aqi(cube_url, "hj633-2026", "hourly")
    xr.testing.assert_identical(
        by_url, station_aqi(tmp_path / "cubes" / "stations.zarr", "hj633-2026", "hourly")
    )
    assert (by_url.iaqi_pm2_5_1h.values == 60).all()  # 40 µg/m³ of PM2.5
    assert break_lease(cube_url) is None


def test_other_schemes_are_refused_and_nothing_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CubeError, match="s3:// is not supported"):
        cubes.register_stations([StationMeta("A", "A", 36.6, 116.9)], "s3://bureau/cubes")
    with pytest.raises(CubeError, match="memory:// is not supported"):
        LiveSensing("memory://cubes")
    with pytest.raises(SystemExit):
        sensors_main(["ingest", "--cubes", "s3://bureau/cubes", str(DATA / "stations_meta.csv")])
    assert "s3:// is not supported" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_ingest_command_and_the_centre_config_take_file_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = (tmp_path / "shared" / "cubes").as_uri()
    argv = ["ingest", "--no-progress", "--cubes", url, str(DATA / "junk_feed.csv")]
    assert sensors_main([*argv, str(DATA / "stations_meta.csv")]) == 1
    assert cubes.open_station_cube(tmp_path / "shared" / "cubes").sizes["time"] == 4
    assert sensors_main(["cube", "info", "--cubes", url]) == 0
    assert "stations.zarr" in capsys.readouterr().out

    good = tmp_path / "centre.toml"
    good.write_text(f'cubes_dir = "{url}"\n', encoding="utf-8")
    assert load_config(good).cubes_path == tmp_path / "shared" / "cubes"
    bad = tmp_path / "bad.toml"
    bad.write_text('cubes_dir = "s3://bureau/cubes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: cubes_dir: .*s3:// is not supported"):
        load_config(bad)
