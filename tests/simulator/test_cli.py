"""The simulator's command line, and determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from simulator.channel import Reply
from simulator.link import VehicleLink
from simulator.params import ParamStore
from simulator.payload import Payload
from simulator.vehicle import Copter
from simulator.world import load_world
from tests.helpers.sitl import ROOT, C


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """python -m simulator ARGS in a scratch folder (its default station feed lands there)."""
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run(
            [sys.executable, "-m", "simulator", *args],
            cwd=scratch,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )


def test_bad_home_is_a_usage_error() -> None:
    r = _run("--home", "north,east")
    assert r.returncode == 2
    assert "not a number" in r.stderr


def test_bad_world_file_names_the_field(tmp_path) -> None:
    p = tmp_path / "w.json"
    p.write_text(json.dumps({"origin": {"lat": 36.6, "lon": 116.9}, "wind": {"from_deg": 400}}))
    r = _run("--world", str(p), "--duration", "1")
    assert r.returncode == 2
    assert "wind.from_deg" in r.stderr and "w.json" in r.stderr


def _script(seed: int) -> bytes:
    world = load_world()
    copter = Copter(1, world, world.origin_lat, world.origin_lon, ParamStore(), start_unix_s=1.8e9)
    link = VehicleLink(copter, Payload(world, seed))
    link.attach(0, "gcs")
    link.channels[0].schedule.set_group_rate(C.MAV_DATA_STREAM_ALL, 4)
    gcs = Reply(0, "gcs")
    out = bytearray()
    for step in range(1, 1500):
        t = step * 0.04
        if step == 300:
            link.command(gcs, C.MAV_CMD_DO_SET_MODE, [1, 4, 0, 0, 0, 0, 0], 3)
            link.command(gcs, C.MAV_CMD_COMPONENT_ARM_DISARM, [1, 0, 0, 0, 0, 0, 0], 3)
            link.command(gcs, C.MAV_CMD_NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 25], 3)
        copter.step(t, 0.04)
        link.tick(t)
        for _, _, data in link.drain():
            out += data
    assert copter.kin.up > 20
    return bytes(out)


def test_same_seed_same_bytes_other_seed_other_samples() -> None:
    assert _script(3) == _script(3)
    assert _script(3) != _script(4)
