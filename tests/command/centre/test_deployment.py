"""Beyond one machine, as real processes: PostgreSQL, an active command daemon and a hot
standby, granian with two web workers, and the simulator flying two drones. A patrol comes
due and flies; a pilot dispatches a second sortie through worker A while an officer watches it
move through worker B's live stream; the active daemon is killed with SIGKILL mid-sortie; the
standby takes over within 10 s, both drones fly their missions on, the officer's stream goes on
through the same worker, each sortie completes and is recorded once, and the patrol is not
queued again. The workers never hold a link to a drone."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import URL

from command.patrols.tables import PatrolTaskRow
from command.storage import Database, list_events, list_sorties
from simulator import geo
from tests.command.centre.test_standby import HOME, RUNNING, TOOK_OVER, owner_of, wait_until
from tests.command.storage.test_postgresql import pg_url, postgres_server  # noqa: F401
from tests.helpers import http
from tests.helpers.daemon import Daemon
from tests.helpers.granian import granian, worker_pids
from tests.helpers.sitl import sitl
from tests.web.live import PASSWORD
from web.users import Role, UserStore

pytestmark = pytest.mark.timeout(420)

SPEEDUP = 10


def square(name: str, centre: tuple[float, float], half_m: float, **props) -> dict:
    south, west = geo.destination(*centre, -half_m, -half_m)
    north, east = geo.destination(*centre, half_m, half_m)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": "area", "altitude_m": 30, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def write_config(folder: Path, database_url: str, sim) -> Path:
    """Two drones; `park` patrolled every 4 h (due at once), `yard` flown on demand."""
    park = square("park", geo.destination(*HOME, 0.0, 150.0), 60.0, priority=2,
                  revisit_minutes=240)  # fmt: skip
    yard = square("yard", geo.destination(*HOME, 150.0, 0.0), 40.0, priority=3,
                  revisit_minutes=0)  # fmt: skip
    (folder / "zones.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [park, yard]}), encoding="utf-8"
    )
    lines = [
        'var_dir = "var"',
        'zones = "zones.geojson"',
        f"database_url = {json.dumps(database_url)}",
        "heartbeat_hz = 10",
        "telemetry_hz = 10",
    ]
    for i in range(2):
        lines += ["[[vehicles]]", f'name = "copter-{i + 1}"', f'connect = "{sim.url(i)}"']
    lines += ["[limits]", "fly_at_night = true"]
    lines += ["[console]", 'language = "en"']  # one file for the daemons and the workers
    path = folder / "centre.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def on_worker(
    base: str, pid: int | None, not_pid: int | None = None
) -> tuple[requests.Session, int]:
    """A session whose one kept-alive connection is served by worker `pid` (or by any worker
    but `not_pid`): new connections are opened until the kernel hands one to that worker."""
    kept = []
    try:
        for _ in range(200):
            session = requests.Session()
            session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=1))
            served_by = session.get(f"{base}/api/health", timeout=10).json()["worker"]
            if (pid is None or served_by == pid) and served_by != not_pid:
                return session, served_by
            kept.append(session)  # held open, so that worker's next accept is someone else's
        raise AssertionError(f"no connection reached worker {pid}")
    finally:
        for other in kept:
            other.close()


def worker_of(session: requests.Session, base: str) -> int:
    return session.get(f"{base}/api/health", timeout=10).json()["worker"]


def log_in(session: requests.Session, base: str, username: str) -> str:
    """Log in through the form (the same connection); the CSRF token for API calls."""
    http.log_in(session, base, username, PASSWORD)
    home = session.get(f"{base}/", timeout=10).text
    return re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)


class Watch:
    """An officer's live stream (/api/events) on one connection, read on a thread."""

    def __init__(self, session: requests.Session, base: str) -> None:
        self.reply = session.get(
            f"{base}/api/events?types=TelemetryUpdated,ItemReached,SortieCompleted",
            stream=True,
            timeout=(10, 60),
        )
        assert self.reply.status_code == 200
        self.events: list[dict] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for line in self.reply.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
        except (requests.RequestException, ValueError, AttributeError):
            pass

    def of(self, kind: str, **fields) -> list[dict]:
        return [
            e
            for e in list(self.events)
            if e["type"] == kind and all(e.get(k) == v for k, v in fields.items())
        ]

    def close(self) -> None:
        self.reply.close()


def tcp_peer_ports(pid: int) -> set[int]:
    """The remote ports of pid's TCP connections (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            parts = row.split()
            if parts[9] in inodes:
                ports.add(int(parts[2].rsplit(":", 1)[1], 16))
    return ports


def test_workers_a_killed_daemon_and_its_standby_on_postgresql(
    tmp_path: Path,
    pg_url: URL,  # noqa: F811
) -> None:
    url = pg_url.render_as_string(hide_password=False)
    db = Database(pg_url)
    with sitl(tmp_path, drones=2, speedup=SPEEDUP) as sim:
        config = write_config(tmp_path, url, sim)
        first = Daemon(config)
        second = None
        try:
            first.wait_for(RUNNING, 60)
            second = Daemon(config, "--standby")
            second.wait_for("standby:", 60)
            store = UserStore(db)
            for role in (Role.PILOT, Role.OFFICER):
                store.create(role.label, PASSWORD, role, datetime.now(UTC))

            def patrol_flying():
                found = [s for s in list_sorties(db) if s.outcome.value == "flying"]
                return found[0] if found else None

            patrol = wait_until(patrol_flying, 90, "the patrol sortie flying")
            free = next(f"copter-{i}" for i in (1, 2) if f"copter-{i}" != patrol.vehicle_name)

            with granian(config, workers=2, threads=8, reachable=True) as (base, web):
                pilot, a = on_worker(base, None)
                officer, b = on_worker(base, None, not_pid=a)
                watcher, _ = on_worker(base, b)
                assert a != b and set(worker_pids(web.pid)) == {a, b}
                pilot_token = log_in(pilot, base, "pilot")
                log_in(officer, base, "officer")
                log_in(watcher, base, "officer")
                assert worker_of(watcher, base) == b
                watch = Watch(watcher, base)
                try:
                    assert worker_of(pilot, base) == a  # the pilot's connection: worker A
                    reply = pilot.post(
                        f"{base}/api/sorties",
                        json={"zone": "yard", "vehicle": free, "confirm": True},
                        headers={"X-CSRFToken": pilot_token},
                        timeout=30,
                    )
                    assert reply.status_code == 201, reply.text
                    sortie_id = reply.json()["sortie_id"]
                    assert worker_of(pilot, base) == a

                    # The officer, on worker B, sees it move: its telemetry on the stream, its
                    # position changing in the fleet panel.
                    def moved():
                        track = [
                            (e["snapshot"]["latitude_deg"], e["snapshot"]["longitude_deg"])
                            for e in watch.of("TelemetryUpdated", vehicle=free)
                            if e["snapshot"]["armed"]
                        ]
                        return len(set(track)) > 5

                    wait_until(moved, 60, f"{free} moving on worker B's stream")
                    wait_until(
                        lambda: watch.of("ItemReached", sortie_id=sortie_id), 60, "a waypoint"
                    )
                    drones = officer.get(f"{base}/api/fleet", timeout=10).json()["drones"]
                    flying = next(d for d in drones if d["name"] == free)
                    assert flying["sortie"]["id"] == sortie_id and flying["armed"]
                    assert worker_of(officer, base) == b

                    # No worker holds a link to a drone: only the daemons reach the simulator.
                    sim_ports = {sim.port(i) for i in range(2)}
                    for pid in (a, b):
                        assert not tcp_peer_ports(pid) & sim_ports
                    assert tcp_peer_ports(first.proc.pid) & sim_ports

                    first.proc.send_signal(signal.SIGKILL)
                    killed = time.monotonic()
                    assert first.wait(10) == -signal.SIGKILL
                    assert second.wait_for(TOOK_OVER, 10) - killed < 10
                    second.wait_for(RUNNING, 10)

                    def adopted():
                        records = {s.id: s for s in list_sorties(db)}
                        return all(
                            owner_of(second) in (records[i].owner or "")
                            for i in (patrol.id, sortie_id)
                        )

                    wait_until(adopted, 10 - (time.monotonic() - killed), "both sorties adopted")

                    # Worker A takes the officers' requests again through the new daemon.
                    wait_until(
                        lambda: pilot.get(f"{base}/api/fleet", timeout=10).status_code == 200,
                        15,
                        "worker A answering through the standby",
                    )

                    def closed():
                        records = [s for s in list_sorties(db) if s.id in (patrol.id, sortie_id)]
                        return records if all(r.ended_at is not None for r in records) else None

                    done = wait_until(closed, 200, "both sorties closed")
                    # The officer's stream on worker B went on through the takeover.
                    wait_until(
                        lambda: watch.of("SortieCompleted", sortie_id=sortie_id),
                        20,
                        "the completion on worker B's stream",
                    )
                    assert worker_of(officer, base) == b
                finally:
                    watch.close()
                    pilot.close()
                    officer.close()
                    watcher.close()
            assert web.returncode == 0, (tmp_path / "granian.log").read_text()
            assert "Traceback" not in (tmp_path / "granian.log").read_text()
        finally:
            first.stop()
            if second is not None:
                second.stop()
    try:
        for record in done:
            assert record.outcome.value == "completed", record.reason
            assert owner_of(second) in (record.owner or "")
        assert sorted(s.id for s in list_sorties(db)) == sorted((patrol.id, sortie_id))
        for vehicle in ("copter-1", "copter-2"):
            messages = [e.message for e in list_events(db, vehicle_name=vehicle)]
            assert sum("completed" in m for m in messages) == 1  # recorded once
            assert sum("adopted by" in m for m in messages) == 1
        with db.reading() as session:
            tasks = session.execute(select(PatrolTaskRow.zone, PatrolTaskRow.state)).all()
        assert tasks == [("park", "done")]  # the patrol queued once, not again by the standby
    finally:
        db.close()
