"""A pilot CLI killed (SIGKILL) in the air or at the arming prompt: the next CLI that opens the
vehicle closes the sortie from what the vehicle reports, and never sends it RTL once landed.
Only one ground station is connected to the simulator at a time, as on ArduPilot's ports."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pymavlink import mavutil

from command.storage import list_audit, list_sorties, open_database, read_track, sqlite_url
from tests.command.cli.test_cli import SPEEDUP, ecopatrol, fly_args, planned_yard
from tests.helpers.sitl import free_base_port, sitl

pytestmark = pytest.mark.timeout(300)


def start_fly(args: list[str], db: Path, cwd: Path, stdin: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "command", "--db", str(sqlite_url(db)), *args],
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=stdin,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )


def wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout_s} s")


def sortie_of(db: Path):
    database = open_database(sqlite_url(db))
    try:
        (sortie,) = list_sorties(database)
        return sortie, list_audit(database)
    finally:
        database.close()


def test_killed_in_the_air_the_sortie_is_closed_when_it_lands_and_no_rtl_is_sent(
    tmp_path: Path,
) -> None:
    plan = planned_yard(tmp_path)
    db = tmp_path / "e.sqlite"
    with sitl(tmp_path, speedup=SPEEDUP) as s:
        r = ecopatrol(
            "fleet", "--connect", s.url(0), "--name", "d1", "--once", "--heartbeat-hz", "10",
            db=db, cwd=tmp_path,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr  # waited for the first telemetry: battery shown
        assert "%" in r.stdout and "16." in r.stdout  # battery 100% 16.xV
        fly = start_fly(fly_args(s, 0, plan), db, tmp_path, subprocess.DEVNULL)
        assert fly.stdout is not None
        assert "flying" in fly.stdout.readline()
        track = tmp_path / "tracks" / "1.track"
        wait_until(
            lambda: track.exists() and len(read_track(track)) > 0
            and read_track(track).altitude_m.max() > 15,
            60, "climb above 15 m",
        )  # fmt: skip
        fly.kill()  # SIGKILL: no handler runs, nothing is closed
        fly.communicate(timeout=30)
        assert sortie_of(db)[0].outcome == "flying"

        link = ["--connect", s.url(0), "--name", "d1", "--heartbeat-hz", str(SPEEDUP)]
        r = ecopatrol("reconcile", *link, db=db, cwd=tmp_path)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "left open: still flying" in r.stdout
        r = ecopatrol("watch", *link, "--until-landed", db=db, cwd=tmp_path, timeout=200)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "closed as completed" in r.stdout
        r = ecopatrol("rtl", *link, db=db, cwd=tmp_path)
        assert r.returncode == 1 and "disarmed: RTL not sent" in r.stderr
    sortie, audit = sortie_of(db)
    assert sortie.outcome == "completed" and "mission complete, landed" in sortie.reason
    assert sortie.battery_end_pct is not None and sortie.battery_used_pct > 0
    assert [a.command for a in reversed(audit)] == [
        "upload_mission", "set_mode", "arm", "mission_start",
    ]  # fmt: skip
    assert all(a.result == "accepted" for a in audit)


def test_killed_at_the_arming_prompt_the_sortie_is_closed_as_failed_and_nothing_flew(
    tmp_path: Path,
) -> None:
    plan = planned_yard(tmp_path)
    db = tmp_path / "e.sqlite"
    with sitl(tmp_path, speedup=SPEEDUP) as s:
        args = [a for a in fly_args(s, 0, plan) if a != "--yes"]
        terminal, pilot_side = pty.openpty()  # a terminal: the CLI asks before arming
        fly = start_fly(args, db, tmp_path, pilot_side)
        os.close(pilot_side)
        assert fly.stdout is not None
        seen = ""
        while "[y/N]" not in seen:
            chunk = fly.stdout.read(1)
            assert chunk, seen + (fly.stderr.read() if fly.stderr else "")
            seen += chunk
        assert sortie_of(db)[0].outcome == "uploading"
        fly.kill()
        fly.communicate(timeout=30)
        os.close(terminal)

        link = ["--connect", s.url(0), "--name", "d1", "--heartbeat-hz", str(SPEEDUP)]
        r = ecopatrol("reconcile", *link, db=db, cwd=tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "closed as failed" in r.stdout and "while the sortie was uploading" in r.stdout
        r = ecopatrol("abort", *link, db=db, cwd=tmp_path)
        assert r.returncode == 0 and "disarmed: no RTL sent" in r.stdout
    sortie, audit = sortie_of(db)
    assert sortie.outcome == "failed" and sortie.ended_at is not None
    assert [(a.command, a.result) for a in audit] == [("upload_mission", "accepted")]


class HeartbeatOnly:
    """A vehicle that only ever sends heartbeats (no telemetry) on a TCP port of its own."""

    def __init__(self) -> None:
        self.port = free_base_port(1)
        self.stop = threading.Event()
        self.vehicle = mavutil.mavlink_connection(
            f"tcpin:127.0.0.1:{self.port}", source_system=1, source_component=1
        )
        self.thread = threading.Thread(target=self._beat, daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        c = mavutil.mavlink
        while not self.stop.is_set():
            self.vehicle.mav.heartbeat_send(
                c.MAV_TYPE_QUADROTOR, c.MAV_AUTOPILOT_ARDUPILOTMEGA, 1, 0, c.MAV_STATE_STANDBY
            )
            self.vehicle.recv_match(blocking=True, timeout=0.2)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.vehicle.close()


def test_fleet_once_before_any_telemetry_says_so_and_exits_1(tmp_path: Path) -> None:
    vehicle = HeartbeatOnly()
    try:
        r = ecopatrol(
            "fleet", "--connect", f"tcp:127.0.0.1:{vehicle.port}", "--name", "quiet", "--once",
            "--wait", "3", db=tmp_path / "e.sqlite", cwd=tmp_path,
        )  # fmt: skip
    finally:
        vehicle.close()
    assert r.returncode == 1, r.stdout + r.stderr
    assert "quiet: no telemetry within 3 s (only heartbeats)" in r.stderr
