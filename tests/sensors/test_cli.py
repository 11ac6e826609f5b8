"""The command line, run as a user runs it."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).with_name("data")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sensors", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_aqi_command_adds_columns(tmp_path: Path):
    src = tmp_path / "obs.csv"
    src.write_text(
        "site,pm2_5_24h,so2_24h,o3_8h,note\nA,75,100,120,x\nB,,10,,y\n", encoding="utf-8"
    )
    done = _run("aqi", "--standard", "hj633-2012", "--mode", "daily", str(src))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows[0]["iaqi_pm2_5_24h"] == "100" and rows[0]["iaqi_so2_24h"] == "75"
    assert rows[0]["iaqi_o3_8h"] == "67" and rows[0]["aqi"] == "100"
    assert rows[0]["primary_pollutant"] == "PM2.5" and rows[0]["category"] == "良"
    assert rows[0]["note"] == "x" and rows[1]["iaqi_pm2_5_24h"] == ""
    assert rows[1]["aqi"] == "10" and rows[1]["category"] == "优"
    done = _run("aqi", str(src))  # default hj633-2026 hourly: daily columns missing → NA
    assert next(iter(csv.DictReader(io.StringIO(done.stdout))))["aqi"] == "NA"


def test_aqi_command_names_the_bad_cell(tmp_path: Path):
    src = tmp_path / "bad.csv"
    src.write_text("pm2_5_24h\n12\nlots\n", encoding="utf-8")
    done = _run("aqi", str(src))
    assert done.returncode == 2 and "bad.csv:3: pm2_5_24h" in done.stderr


def test_aqi_command_refuses_impossible_concentrations(tmp_path: Path):
    """inf, 1e308 and 99999999 are no concentration: they never become AQI 500 silently."""
    for i, value in enumerate(("inf", "1e308", "99999999", "-9999")):
        src = tmp_path / f"odd{i}.csv"
        src.write_text(f"pm2_5_24h,so2_1h\n12,5\n{value},4\n", encoding="utf-8")
        done = _run("aqi", str(src))
        assert done.returncode == 2, (value, done.stdout)
        assert f"odd{i}.csv:3: pm2_5_24h: '{value}'" in done.stderr and done.stdout == ""


def test_ingest_and_cube_info(tmp_path: Path):
    cubes = tmp_path / "cubes"
    done = _run(
        "ingest",
        "--cubes",
        str(cubes),
        str(DATA / "junk_feed.csv"),
        str(DATA / "stations_meta.csv"),
    )
    assert done.returncode == 1, done.stderr  # something was quarantined
    assert "37 values accepted" in done.stdout and "3 stations added" in done.stdout
    info = _run("cube", "info", "--cubes", str(cubes))
    assert "stations.zarr" in info.stdout and "'time': 4" in info.stdout
