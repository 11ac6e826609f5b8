"""The pilot's CLI as a pilot runs it: subprocesses against the simulator over real sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from command.storage import list_audit, list_sorties, open_database, sqlite_url
from simulator import geo
from simulator.world import load_world
from tests.helpers.sitl import Gcs, sitl

pytestmark = pytest.mark.timeout(240)
SPEEDUP = 10
WORLD = load_world()
HOME = (WORLD.origin_lat, WORLD.origin_lon)


def ecopatrol(
    *args: str, cwd: Path, db: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """python -m command [--db …] ARGS, as the pilot types it, in the folder `cwd`."""
    pre = ["--db", str(sqlite_url(db))] if db else []
    return subprocess.run(
        [sys.executable, "-m", "command", *pre, *args],
        env={**os.environ, "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def small_zones(path: Path, east_m: float = 0.0) -> Path:
    """A 120 m × 80 m area zone a little north of the simulator's home."""
    corners = [(60, -40), (60, 80), (140, 80), (140, -40), (60, -40)]
    ring = [list(reversed(geo.destination(*HOME, n, e + east_m))) for n, e in corners]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "name": "yard",
                    "kind": "area",
                    "priority": 2,
                    "revisit_minutes": 60,
                    "altitude_m": 30,
                    "speed_mps": 8,
                },
            }
        ],
    }
    path.write_text(json.dumps(doc))
    return path


def planned_yard(tmp_path: Path, home: tuple[float, float] = HOME, out: str = "yard.plan") -> Path:
    """`ecopatrol plan` of the small zone from home; the .plan file."""
    zones = small_zones(tmp_path / "zones.geojson")
    plan = tmp_path / out
    r = ecopatrol(
        "plan",
        str(zones),
        "--zone",
        "yard",
        "--home",
        f"{home[0]},{home[1]},30",
        "--out",
        str(plan),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return plan


def fly_args(s, i: int, plan: Path) -> list[str]:
    return [
        "fly",
        "--connect",
        s.url(i),
        "--name",
        f"d{i + 1}",
        "--mission",
        str(plan),
        "--yes",
        "--heartbeat-hz",
        str(SPEEDUP),
    ]


def test_plan_a_survey_fly_it_and_see_it_in_history(tmp_path: Path) -> None:
    plan = planned_yard(tmp_path)
    db = tmp_path / "e.sqlite"
    with sitl(tmp_path, speedup=SPEEDUP) as s:
        r = ecopatrol(*fly_args(s, 0, plan), db=db, cwd=tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "completed" in r.stdout
        r = ecopatrol(
            "fleet", "--connect", s.url(0), "--once", "--heartbeat-hz", "10", db=db, cwd=tmp_path
        )
        assert r.returncode == 0 and "disarmed" in r.stdout
    r = ecopatrol("history", db=db, cwd=tmp_path)
    assert r.returncode == 0 and "completed" in r.stdout and "yard" in r.stdout
    database = open_database(sqlite_url(db))
    (sortie,) = list_sorties(database)
    assert sortie.outcome == "completed" and sortie.distance_m > 300
    assert {a.command for a in list_audit(database)} >= {"upload_mission", "arm", "mission_start"}
    database.close()


def test_two_drones_fly_two_sorties_at_once(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    # Vehicle i stands 5 m east of vehicle 0: each plan starts from its own drone's home.
    plans = [
        planned_yard(tmp_path, geo.destination(*HOME, 0.0, 5.0 * i), f"yard{i}.plan")
        for i in range(2)
    ]
    with sitl(tmp_path, drones=2, speedup=SPEEDUP) as s:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "command",
                    "--db",
                    str(sqlite_url(db)),
                    *fly_args(s, i, plans[i]),
                ],
                cwd=tmp_path,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )
            for i in range(2)
        ]
        outs = [p.communicate(timeout=200) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
    database = open_database(sqlite_url(db))
    sorties = list_sorties(database)
    assert sorted(x.vehicle_name for x in sorties) == ["d1", "d2"]
    assert all(x.outcome == "completed" for x in sorties)
    first_end = min(x.ended_at for x in sorties)
    assert all(x.started_at < first_end for x in sorties)  # they overlapped in time
    database.close()


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "e.sqlite"
    r = ecopatrol("fleet", "--connect", "tcp:nowhere", "--once", db=db, cwd=tmp_path)
    assert r.returncode == 2 and "tcp:nowhere" in r.stderr
    r = ecopatrol(
        "fly",
        "--connect",
        "tcp:127.0.0.1:5760",
        "--mission",
        str(tmp_path / "no.plan"),
        "--yes",
        db=db,
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "no.plan" in r.stderr
    high = tmp_path / "high.waypoints"
    lat, lon = geo.destination(*HOME, 50, 0)
    high.write_text(
        "QGC WPL 110\n"
        f"0\t1\t0\t16\t0\t0\t0\t0\t{HOME[0]:.7f}\t{HOME[1]:.7f}\t30\t1\n"
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t20\t1\n"
        f"2\t0\t3\t16\t0\t0\t0\t0\t{lat:.7f}\t{lon:.7f}\t150\t1\n"
        "3\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1\n"
    )
    r = ecopatrol(
        "fly",
        "--connect",
        "tcp:127.0.0.1:5760",
        "--mission",
        str(high),
        "--yes",
        db=db,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "fails its checks" in r.stderr and "ceiling" in r.stderr.lower()
    good = planned_yard(tmp_path)
    r = ecopatrol(
        "fly", "--connect", "tcp:127.0.0.1:5760", "--mission", str(good), db=db, cwd=tmp_path
    )
    assert r.returncode == 1 and "confirmation" in r.stderr  # no terminal, no --yes: no arming
    if db.exists():
        database = open_database(sqlite_url(db))
        assert list_sorties(database) == [] and list_audit(database) == []
        database.close()


def test_vehicle_refusing_to_arm_is_reported(tmp_path: Path) -> None:
    plan = planned_yard(tmp_path)
    db = tmp_path / "e.sqlite"
    with sitl(tmp_path, speedup=SPEEDUP) as s:
        g = Gcs(s.url())
        g.wait_ready()
        g.set_param("BATT_ARM_VOLT", 17.5)
        g.close()
        r = ecopatrol(*fly_args(s, 0, plan), db=db, cwd=tmp_path)
        assert r.returncode == 1
        assert "minimum arming voltage" in r.stderr
        g = Gcs(s.url())
        assert not g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1).base_mode & 128
        g.close()
    database = open_database(sqlite_url(db))
    (sortie,) = list_sorties(database)
    assert sortie.outcome == "failed" and "arming voltage" in sortie.reason
    assert [a.result for a in list_audit(database) if a.command == "arm"] == ["refused"]
    database.close()


def test_installed_as_ecopatrol(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("ecopatrol")
    open_database(sqlite_url(tmp_path / "e.sqlite")).close()
    r = subprocess.run(
        [str(exe), "--db", str(sqlite_url(tmp_path / "e.sqlite")), "history"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == 0 and "Sorties" in r.stdout


def test_ctrl_c_during_fly_brings_the_drone_home_and_records_it(tmp_path: Path) -> None:
    import signal

    plan = planned_yard(tmp_path)
    db = tmp_path / "e.sqlite"
    with sitl(tmp_path, speedup=SPEEDUP) as s:
        proc = subprocess.Popen(
            [sys.executable, "-m", "command", "--db", str(sqlite_url(db)), *fly_args(s, 0, plan)],
            cwd=tmp_path,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "flying" in line, line + (proc.stderr.read() if proc.stderr else "")
        g = Gcs(s.url(0, serial=1))  # the CLI holds SERIAL0's port, as on ArduPilot SITL
        g.request_streams(4)  # each port has its own stream rates
        g.recv("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 15_000, timeout=30)
        proc.send_signal(signal.SIGINT)  # no terminal to ask: it returns to launch
        out, errs = proc.communicate(timeout=120)
        assert proc.returncode == 1, out + errs
        assert "returning to launch" in out
        g.recv("HEARTBEAT", lambda m: m.get_srcComponent() == 1 and not m.base_mode & 128, 60)
        g.close()
    database = open_database(sqlite_url(db))
    (sortie,) = list_sorties(database)
    assert sortie.outcome == "aborted" and "interrupted" in sortie.reason
    database.close()
