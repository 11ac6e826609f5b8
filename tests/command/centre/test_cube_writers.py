"""The centre is the cubes' one writer: it holds their leases while it runs; a second centre
or an ingest (another process) is refused naming the holder and changes nothing; a crashed
writer's lease is broken from the command line, and writing works again."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from command.centre import CommandCentre
from command.centre.config import CentreConfig, config_from_mapping
from command.dispatch.owner import this_process
from sensors import cubes
from sensors.cli import main as sensors_main

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "sensors" / "data"


def _config(var_dir: Path, feed: Path) -> CentreConfig:
    return config_from_mapping(
        {
            "var_dir": str(var_dir),
            "scheduler": {"enabled": False},
            "feeds": [{"name": "city", "path": str(feed)}],
        }
    )


def _leases(cubes_dir: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted(cubes_dir.glob("*.zarr.lease"))}


def _ingest_argv(cubes_dir: Path) -> list[str]:
    return [
        "ingest",
        "--no-progress",
        "--cubes",
        str(cubes_dir),
        str(DATA / "junk_feed.csv"),
        str(DATA / "stations_meta.csv"),
    ]


def test_a_second_writer_is_refused_while_the_centre_runs(tmp_path: Path) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    config = _config(tmp_path / "var", feed_dir / "city.csv")
    cubes_dir = config.cubes_path
    first = CommandCentre(config)
    first.start()
    try:
        held = _leases(cubes_dir)
        assert set(held) == {"stations.zarr.lease", "trajectories.zarr.lease", "map.zarr.lease"}
        assert {d["owner"] for d in held.values()} == {f"command centre {this_process()}"}

        second = CommandCentre(config)
        with pytest.raises(cubes.CubeError) as refused:
            second.start()
        second.close()
        message = str(refused.value)
        owner, since = held["stations.zarr.lease"]["owner"], held["stations.zarr.lease"]["since"]
        assert "another writer holds the cube" in message
        assert owner in message and since in message
        assert _leases(cubes_dir) == held  # the refused centre took and removed nothing

        ingest = subprocess.run(  # another process, as an operator runs it
            [sys.executable, "-m", "sensors", *_ingest_argv(cubes_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ingest.returncode == 2, ingest.stderr
        assert f"{owner} since {since}" in ingest.stderr
        assert "break-lease" in ingest.stderr
        assert not (cubes_dir / "stations.zarr").exists()  # nothing was written
        assert _leases(cubes_dir) == held
    finally:
        first.close()
    assert _leases(cubes_dir) == {}  # released at close
    assert sensors_main(_ingest_argv(cubes_dir)) == 1  # now it writes (a row is quarantined)
    assert cubes.open_station_cube(cubes_dir).sizes["time"] == 4


def test_a_crashed_writers_lease_is_broken_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cubes_dir = tmp_path / "cubes"
    cubes_dir.mkdir()
    stale = {"owner": "command centre gone-host:4242", "since": "2026-12-01T03:00:00+00:00"}
    (cubes_dir / "stations.zarr.lease").write_text(json.dumps(stale))
    assert sensors_main(_ingest_argv(cubes_dir)) == 2
    err = capsys.readouterr().err
    assert "gone-host:4242 since 2026-12-01T03:00:00+00:00" in err
    assert not (cubes_dir / "stations.zarr").exists()

    cube = cubes_dir / "stations.zarr"
    assert sensors_main(["cube", "break-lease", str(cube)]) == 0
    out = capsys.readouterr().out
    assert "removed the lease of command centre gone-host:4242" in out
    assert "2026-12-01T03:00:00+00:00" in out
    assert not (cubes_dir / "stations.zarr.lease").exists()
    assert sensors_main(["cube", "break-lease", str(cube)]) == 0
    assert "no lease to break" in capsys.readouterr().out

    assert sensors_main(_ingest_argv(cubes_dir)) == 1
    assert cubes.open_station_cube(cubes_dir).sizes["time"] == 4
    assert not (cubes_dir / "stations.zarr.lease").exists()  # the run's lease is gone


def test_a_centre_takes_over_after_a_stale_lease_is_broken(tmp_path: Path) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    config = _config(tmp_path / "var", feed_dir / "city.csv")
    config.cubes_path.mkdir(parents=True)
    stale = {"owner": "python -m sensors ingest old:1", "since": "2026-12-01T03:00:00+00:00"}
    (config.cubes_path / "map.zarr.lease").write_text(json.dumps(stale))
    centre = CommandCentre(config)
    with pytest.raises(cubes.CubeError, match="ingest old:1 since 2026-12-01T03:00"):
        centre.start()
    centre.close()
    assert _leases(config.cubes_path) == {"map.zarr.lease": stale}  # none taken, none lost
    assert sensors_main(["cube", "break-lease", str(config.cubes_path / "map.zarr")]) == 0
    centre = CommandCentre(config)
    centre.start()
    try:
        assert len(_leases(config.cubes_path)) == 3
    finally:
        centre.close()
    assert _leases(config.cubes_path) == {}


def test_a_gone_centres_lease_is_taken_over_and_a_live_ones_is_not(tmp_path: Path) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    config = _config(tmp_path / "var", feed_dir / "city.csv")
    config.cubes_path.mkdir(parents=True)
    dead = subprocess.Popen(["true"])  # a process of this host that has ended
    dead.wait()
    since = "2026-12-01T03:00:00+00:00"
    leases = {
        "stations.zarr.lease": f"command centre {socket.gethostname()} pid {dead.pid} start 7",
        "map.zarr.lease": "command centre standby-b pid 41 start 9",  # replaced by this one
        "trajectories.zarr.lease": "command centre standby-b pid 4 start 2",  # not replaced
    }
    for name, owner in leases.items():
        (config.cubes_path / name).write_text(json.dumps({"owner": owner, "since": since}))
    other = {"owner": "command centre standby-b pid 4 start 2", "since": since}

    refused = CommandCentre(config, replaces=("standby-b pid 41 start 9",))
    with pytest.raises(cubes.CubeError, match="standby-b pid 4 start 2 since 2026-12-01"):
        refused.start()  # a centre on another host, not replaced: it may still be writing
    refused.close()
    assert _leases(config.cubes_path)["trajectories.zarr.lease"] == other

    (config.cubes_path / "trajectories.zarr.lease").unlink()
    centre = CommandCentre(config, replaces=("standby-b pid 41 start 9",))
    centre.start()
    try:
        mine = f"command centre {this_process()}"
        assert {d["owner"] for d in _leases(config.cubes_path).values()} == {mine}
    finally:
        centre.close()
    assert _leases(config.cubes_path) == {}
