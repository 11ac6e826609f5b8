"""``python -m command ingest FILE.tlog``: as a user runs it, on logs written with pymavlink."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.cubes import open_trajectory_cube
from tests.helpers.sitl import ROOT
from tests.helpers.tlogs import flight_messages, interleave, write_tlog


def _run(*args: str, module: str = "command") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_log_ingests_with_counts_in_values_and_its_skipped_names(tmp_path: Path):
    log = write_tlog(tmp_path / "flight.tlog", flight_messages(extra_names=("RPM",)))
    with log.open("ab") as f:
        f.write(b"\x00" * 8 + b"\xfd\x09garbage-not-a-packet")  # a torn write at the end
    cubes = tmp_path / "cubes"
    done = _run("ingest", str(log), "--vehicle", "uav-1", "--sortie", "s-7", "--cubes", str(cubes))
    assert done.returncode == 1, done.stderr  # the first seconds had no time or fix
    out = " ".join(done.stdout.split())
    assert "140 payload readings, 119 values accepted, 21 quarantined" in out
    assert "no_position 14" in out and "no_time 7" in out
    assert "RPM x20" in out and "unreadable packets (BAD_DATA)" in out
    assert "Traceback" not in done.stderr
    ds = open_trajectory_cube(cubes).load()
    assert ds.sizes["obs"] == 17 and list(ds.trajectory_id.values) == ["s-7"]
    assert str(ds.time.values[0]).startswith("2026-05-01T00:00:13.005")


def test_fleet_log_needs_a_system_id_and_pairs_only_its_own_positions(tmp_path: Path):
    log = write_tlog(
        tmp_path / "fleet.tlog",
        interleave(flight_messages(system_id=1), flight_messages(system_id=2, lat0=36.66)),
    )
    cubes = tmp_path / "cubes"
    base = ["ingest", str(log), "--vehicle", "uav-2", "--sortie", "s-2", "--cubes", str(cubes)]
    refused = _run(*base)
    assert refused.returncode == 2 and "--system-id" in refused.stderr
    assert "1 (140 readings), 2 (140 readings)" in " ".join(refused.stderr.split())
    assert not (cubes / "trajectories.zarr").exists()
    done = _run(*base, "--system-id", "2")
    assert done.returncode == 1, done.stderr
    assert "payload readings of other vehicles not ingested (system 1: 140)" in " ".join(
        done.stdout.split()
    )
    ds = open_trajectory_cube(cubes).load()
    assert ds.sizes["obs"] == 17
    assert np.all(np.abs(ds.latitude.values - 36.66) < 1e-3)  # none at the other drone's 36.65


def test_random_bytes_and_logs_without_payload_say_so(tmp_path: Path):
    noise = tmp_path / "noise.tlog"
    noise.write_bytes(np.random.default_rng(5).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    args = ["--vehicle", "v", "--sortie", "s", "--cubes", str(tmp_path / "cubes")]
    done = _run("ingest", str(noise), *args)
    assert done.returncode == 2 and "not a telemetry log" in done.stderr
    quiet = [(m, e) for m, e in flight_messages() if m.get_type() != "NAMED_VALUE_FLOAT"]
    empty = write_tlog(tmp_path / "positions.tlog", quiet)
    done = _run("ingest", str(empty), *args)
    assert done.returncode == 1 and "no payload readings" in done.stdout
    assert not (tmp_path / "cubes").exists()


def test_sensors_cli_points_tlogs_to_the_command_centre(tmp_path: Path):
    log = write_tlog(tmp_path / "flight.tlog", flight_messages(seconds=2))
    done = _run("ingest", str(log), module="sensors")
    assert done.returncode == 2
    assert "python -m command ingest" in done.stderr and "Traceback" not in done.stderr


@settings(max_examples=40, deadline=None)
@given(
    cut=st.integers(0, 4000),
    noise=st.binary(max_size=64),
    system_id=st.sampled_from(["1", "2", "0", "256", "x", "-1", "1e3"]),
    vehicle=st.sampled_from(["uav-1", "", " ", "a\x00b", "v" * 300]),
)
def test_fuzzed_logs_and_arguments_end_in_an_exit_code(cut, noise, system_id, vehicle):
    """Torn logs, noise and odd argument values: a message and 0, 1 or 2, never a traceback."""
    import contextlib
    import io
    import tempfile

    from command.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        log = write_tlog(Path(tmp) / "f.tlog", flight_messages(seconds=4))
        data = log.read_bytes()
        log.write_bytes(data[:cut] + noise + data[cut:])
        argv = ["ingest", str(log), "--vehicle", vehicle, "--sortie", "s", "--cubes", f"{tmp}/c"]
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main([*argv, "--system-id", system_id])
            except SystemExit as exc:
                code = int(exc.code or 0)
        assert code in (0, 1, 2), err.getvalue()
        assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()


def test_a_log_is_not_ingested_while_another_writer_holds_the_cube(tmp_path: Path):
    import json

    log = write_tlog(tmp_path / "flight.tlog", flight_messages())
    cubes = tmp_path / "cubes"
    cubes.mkdir()
    lease = cubes / "trajectories.zarr.lease"
    holder = {"owner": "command centre ops-1 pid 77 start 5", "since": "2026-12-02T08:00:00+00:00"}
    lease.write_text(json.dumps(holder))
    args = ("ingest", str(log), "--vehicle", "uav-1", "--sortie", "s-7", "--cubes", cubes.as_uri())
    refused = _run(*args)
    assert refused.returncode == 2, refused.stdout
    err = " ".join(refused.stderr.split())
    assert "another writer holds the cube: command centre ops-1 pid 77 start 5 since 2026-12" in err
    assert not (cubes / "trajectories.zarr").exists()
    assert json.loads(lease.read_text()) == holder
    lease.unlink()
    assert _run(*args).returncode == 1  # written (its first seconds had no fix)
    assert open_trajectory_cube(cubes).sizes["obs"] == 17
    assert not lease.exists()
