"""`python -m command daemon` killed with SIGKILL while its patrols fly, and started again on
the same SQLite file and the same simulator: the schedules and queued work come back, the
sorties it left open are adopted (still in the air) or reconciled (landed) from what the drones
report, and no patrol runs twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from command.patrols.tables import PatrolTaskRow
from command.storage import list_open_sorties, list_sorties, open_database
from tests.command.centre.conftest import EXAMPLE_RULES
from tests.command.centre.plant import HOME, plant_world, zones_document
from tests.helpers.sitl import ROOT, Sitl, sitl

pytestmark = [pytest.mark.timeout(420), pytest.mark.slow]

SPEEDUP = 10


def write_config(tmp_path: Path, sim: Sitl) -> Path:
    """A centre TOML for the test's simulator (two drones, its station feed)."""
    text = f"""
var_dir = "var"
zones = "zones.geojson"
heartbeat_hz = {SPEEDUP}
telemetry_hz = {5 * SPEEDUP}
link_wait_s = 20

[[vehicles]]
name = "copter-1"
connect = "{sim.url(0)}"

[[vehicles]]
name = "copter-2"
connect = "{sim.url(1)}"

[[feeds]]
name = "sim"
path = "stations.csv"
metadata = "stations_meta.csv"

[limits]
fly_at_night = true

[alerts]
rules = "{EXAMPLE_RULES}"
"""
    path = tmp_path / "centre.toml"
    path.write_text(text, encoding="utf-8")
    return path


def daemon(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "command", "daemon", "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def wait(check, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {timeout_s} s")


def tasks(db) -> list[tuple[int, str, str, str | None]]:
    with db.reading() as session:
        rows = session.execute(
            select(PatrolTaskRow.id, PatrolTaskRow.zone, PatrolTaskRow.state, PatrolTaskRow.run_key)
        ).all()
    return [tuple(r) for r in rows]


def test_the_daemon_killed_mid_patrol_comes_back_with_its_work_and_reconciles(
    tmp_path: Path,
) -> None:
    world, _ = plant_world(tmp_path, on_s=1e9)  # no alerts: patrols only
    zones_document(tmp_path)
    home = ",".join(str(v) for v in HOME)
    with sitl(tmp_path, drones=2, speedup=SPEEDUP, world=world, extra=["--home", home]) as sim:
        config = write_config(tmp_path, sim)
        first = daemon(config)
        db = None
        try:
            url = f"sqlite+pysqlite:///{tmp_path / 'var' / 'ecopatrol.sqlite'}"
            wait(lambda: (tmp_path / "var" / "ecopatrol.sqlite").exists(), 30, "database")
            db = open_database(url)
            flying = wait(lambda: len(list_open_sorties(db)) == 2, 90, "two patrols in the air")
            assert flying
            before_tasks = tasks(db)
            left_open = {s.id for s in list_open_sorties(db)}

            def left_tasks(db) -> set[int]:
                return {
                    s.task_id
                    for s in list_sorties(db, limit=100)
                    if s.id in left_open and s.task_id is not None
                }

            first.send_signal(signal.SIGKILL)
            first.wait(10)
            assert first.returncode == -signal.SIGKILL

            second = daemon(config)
            try:
                # the drones flew on under their own failsafes; the restarted centre closes what
                # the killed one left open from what they report
                wait(
                    lambda: not left_open & {s.id for s in list_open_sorties(db)},
                    200,
                    "the killed centre's sorties reconciled",
                )
                # A sortie the restarted centre adopted in the air is closed by its tracker;
                # its task ends from the close's event a moment later (asserted below).
                wait(
                    lambda: all(t[2] != "flying" for t in tasks(db) if t[0] in left_tasks(db)),
                    30,
                    "the tasks of those sorties ended",
                )
                after_tasks = tasks(db)
                reconciled = [s for s in list_sorties(db, limit=100) if s.id in left_open]
            finally:
                second.send_signal(signal.SIGTERM)
                out, _ = second.communicate(timeout=30)
            assert second.returncode == 0, out
        finally:
            if first.poll() is None:
                first.kill()
            if db is not None:
                db.close()

    assert "command centre running" in out
    assert all(s.ended_at is not None and s.reason for s in reconciled)
    # schedules and queued work came back: every task of before is still there, none doubled
    assert {t[0] for t in before_tasks} <= {t[0] for t in after_tasks}
    keys = [t[3] for t in after_tasks if t[3] is not None]
    assert len(keys) == len(set(keys))  # one task per scheduled run
    zones = Counter(t[1] for t in before_tasks)
    assert set(zones) >= {"depot-yard", "huaiyin-thermal-plant"}
    flown = Counter(s.task_id for s in list_sorties_of(url) if s.task_id is not None)
    assert max(flown.values()) == 1  # no patrol flown twice
    by_id = {t[0]: t for t in after_tasks}
    for sortie in reconciled:  # the killed centre's tasks end with their sorties
        assert by_id[sortie.task_id][2] in ("done", "interrupted"), by_id[sortie.task_id]


def list_sorties_of(url: str):
    db = open_database(url)
    try:
        return list_sorties(db, limit=1000)
    finally:
        db.close()
