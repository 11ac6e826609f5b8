"""`python app.py` as a subprocess from the checkout, data in a temp folder: the console answers,
the printed one-time admin password logs in, three drones show within 30 s; SIGTERM stops it all
(the simulator included); a bad config is refused with the key named (exit 2)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.helpers.http import free_port, log_in

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(120)


def test_app_runs_everything_and_logs_in_with_the_printed_password(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--var", str(tmp_path / "var"), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url_line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in url_line, url_line
        password = re.search(r"admin password .*: (\S+)", proc.stdout.readline()).group(1)
        started = time.monotonic()
        s = requests.Session()
        log_in(s, f"http://127.0.0.1:{port}", "admin", password)
        drones: list[dict] = []
        while time.monotonic() - started < 30:
            drones = s.get(f"http://127.0.0.1:{port}/api/fleet", timeout=5).json()["drones"]
            if len(drones) == 3 and all(d["link"] == "OK" and d["latitude_deg"] for d in drones):
                break
            time.sleep(0.5)
        assert [d["link"] for d in drones] == ["OK", "OK", "OK"], drones
        db = (tmp_path / "var" / "ecopatrol.sqlite").read_bytes()
        assert password.encode() not in db  # only the hash is stored
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=40)
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping" in out
    simulators = subprocess.run(
        ["pgrep", "-f", f"simulator.*{tmp_path}"], capture_output=True, text=True
    )
    assert simulators.stdout.strip() == ""  # the simulator stopped with it
    # a second start says how to reset, and prints no password
    again = subprocess.run(
        [sys.executable, "app.py", "--var", str(tmp_path / "var"), "--reset-admin"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0 and "new admin password" in again.stdout


def test_a_bad_config_is_refused_with_the_key_named(tmp_path: Path) -> None:
    config = tmp_path / "centre.toml"
    config.write_text('[[vehicles]]\nname = "hy-01"\nconnect = "carrier-pigeon"\n')
    result = subprocess.run(
        [sys.executable, "app.py", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "vehicles[0].connect" in result.stderr
    config.write_text('[console]\nbase_map = "google"\n')
    result = subprocess.run(
        [sys.executable, "app.py", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "console.base_map" in result.stderr
    config.write_text('[console]\nlogin_limit = "often"\n')
    result = subprocess.run(
        [sys.executable, "app.py", "--config", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "console.login_limit" in result.stderr


def test_a_second_centre_on_the_same_database_is_refused(tmp_path: Path) -> None:
    """While a command daemon is active on the database, app.py starts nothing (exit 3) and
    names the holder: two centres would both dispatch."""
    from command.centre.leadership import Leadership

    config = tmp_path / "centre.toml"
    config.write_text(f'var_dir = "{tmp_path / "var"}"\n')
    (tmp_path / "var").mkdir()
    active = Leadership.for_database(
        f"sqlite:///{tmp_path / 'var' / 'ecopatrol.sqlite'}", "daemon elsewhere pid 1"
    )
    assert active.try_acquire()
    try:
        result = subprocess.run(
            [sys.executable, "app.py", "--config", str(config), "--port", "0"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        active.release()
    assert result.returncode == 3, result.stderr
    assert "already active" in result.stderr and "daemon elsewhere pid 1" in result.stderr
    assert "EcoPatrol console" not in result.stdout
