"""One active command daemon and a hot standby, as real processes: on an SQLite file a second
daemon is refused (or waits with --standby); on a real PostgreSQL server, with the simulator
flying, the active daemon is killed with SIGKILL mid-sortie and the standby takes over — the
drone flies its own mission on, the sortie completes and is recorded once, no patrol runs
twice; and an active daemon whose connection is cut fences itself and stops."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL

from command.cli.daemon import LOST, REFUSED
from command.patrols.tables import PatrolTaskRow
from command.storage import Database, list_audit, list_events, list_sorties
from simulator import geo
from tests.command.storage.test_postgresql import pg_url, postgres_server  # noqa: F401
from tests.helpers.daemon import Daemon
from tests.helpers.sitl import sitl

pytestmark = pytest.mark.timeout(300)

SPEEDUP = 10
HOME = (36.6425, 116.9275)  # the simulator world's origin: vehicle 1's home
RUNNING = "command centre running"
TOOK_OVER = "active: took over"


def owner_of(daemon: Daemon) -> str:
    return f"pid {daemon.proc.pid} "


def write_config(tmp_path: Path, database_url: str | None, connect: str | None = None) -> Path:
    """A centre config: one patrolled zone (a 270 m × 280 m park east of home, due at once,
    then every 4 h), the vehicle if given; fast links for the sped-up simulator."""
    south, west = geo.destination(*HOME, 60.0, 90.0)
    north, east = geo.destination(*HOME, 340.0, 360.0)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    park = {
        "type": "Feature",
        "properties": {
            "name": "park",
            "kind": "area",
            "priority": 2,
            "revisit_minutes": 240,
            "altitude_m": 30,
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    (tmp_path / "zones.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [park]}), encoding="utf-8"
    )
    lines = ['var_dir = "var"', 'zones = "zones.geojson"', "heartbeat_hz = 10", "telemetry_hz = 10"]
    if database_url is not None:
        lines.append(f"database_url = {json.dumps(database_url)}")
    if connect is not None:
        lines += ["[[vehicles]]", 'name = "copter-1"', f'connect = "{connect}"']
    lines += ["[limits]", "fly_at_night = true"]
    path = tmp_path / "centre.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_until(check, timeout_s: float, what: str, step_s: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step_s)
    raise AssertionError(f"{what}: not within {timeout_s} s")


def test_a_second_daemon_on_sqlite_is_refused_or_waits_as_the_standby(tmp_path: Path) -> None:
    config = write_config(tmp_path, None)
    active = Daemon(config)
    try:
        active.wait_for(RUNNING, 60)
        refused = Daemon(config)
        assert refused.wait(60) == REFUSED
        assert "another command daemon is active" in refused.output
        assert owner_of(active) in refused.output  # the holder is named
        assert "--standby" in refused.output
        assert RUNNING not in refused.output  # it started nothing

        standby = Daemon(config, "--standby")
        try:
            standby.wait_for("standby:", 60)
            assert owner_of(active) in standby.output
            time.sleep(1.5)  # a few tries at the lock, all refused while the active one runs
            assert TOOK_OVER not in standby.output and RUNNING not in standby.output
            active.proc.send_signal(signal.SIGTERM)
            assert active.wait(30) == 0
            standby.wait_for(TOOK_OVER, 15)
            standby.wait_for(RUNNING, 30)
        finally:
            standby.stop()
        assert standby.proc.returncode == 0
    finally:
        active.stop()
    db = Database(f"sqlite+pysqlite:///{tmp_path / 'var' / 'ecopatrol.sqlite'}")
    try:
        with db.reading() as session:
            patrols = session.scalar(select(func.count()).select_from(PatrolTaskRow))
        assert patrols == 1  # the patrol due at the first start was queued once, not again
    finally:
        db.close()


def test_the_standby_takes_over_a_killed_daemon_mid_sortie_on_postgresql(
    tmp_path: Path,
    pg_url: URL,  # noqa: F811
) -> None:
    url = pg_url.render_as_string(hide_password=False)
    with sitl(tmp_path, speedup=SPEEDUP) as sim:
        config = write_config(tmp_path, url, sim.url())
        first = started(config)  # the active one, before the standby starts
        second = Daemon(config, "--standby")
        db = Database(pg_url)
        try:
            second.wait_for("standby:", 60)
            assert owner_of(first) in second.output

            def flying():
                found = [s for s in list_sorties(db) if s.outcome.value == "flying"]
                return found[0] if found else None

            sortie = wait_until(flying, 60, "the patrol sortie flying")
            assert sortie.owner is not None and owner_of(first) in sortie.owner
            time.sleep(4)  # well into the mission
            killed_at = datetime.now(UTC)
            first.proc.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            assert first.wait(10) == -signal.SIGKILL
            assert second.wait_for(TOOK_OVER, 10) - killed < 10
            second.wait_for(RUNNING, 10)

            def adopted():
                record = next(s for s in list_sorties(db) if s.id == sortie.id)
                return record if owner_of(second) in (record.owner or "") else None

            wait_until(adopted, 10 - (time.monotonic() - killed), "the sortie adopted")
            assert time.monotonic() - killed < 10  # took over within 10 s, sortie and all

            def closed():
                record = next(s for s in list_sorties(db) if s.id == sortie.id)
                return record if record.ended_at is not None else None

            done = wait_until(closed, 150, "the sortie closed")
        finally:
            first.stop()
            second.stop()
        try:
            assert done.outcome.value == "completed", done.reason
            assert done.reason == "mission complete, landed"
            assert owner_of(second) in (done.owner or "")
            assert [s.id for s in list_sorties(db)] == [sortie.id]  # no second sortie
            events = [e.message for e in list_events(db, vehicle_name="copter-1")]
            assert sum("completed" in m for m in events) == 1  # recorded once
            assert sum("adopted by" in m for m in events) == 1
            # The drone flew its own mission on: nothing was sent to it after the kill.
            sent_after = [a for a in list_audit(db, vehicle_name="copter-1") if a.at > killed_at]
            assert sent_after == []
            with db.reading() as session:
                tasks = session.execute(
                    select(PatrolTaskRow.zone, PatrolTaskRow.state, PatrolTaskRow.sortie_id)
                ).all()
            assert tasks == [("park", "done", sortie.id)]  # one patrol, not fired again
        finally:
            db.close()


def test_an_active_daemon_cut_off_from_postgresql_fences_itself_and_the_standby_takes_over(
    tmp_path: Path,
    pg_url: URL,  # noqa: F811
) -> None:
    with sitl(tmp_path, speedup=SPEEDUP) as sim:
        config = write_config(tmp_path, pg_url.render_as_string(hide_password=False), sim.url())
        first = started(config)  # the active one, before the standby starts
        second = Daemon(config, "--standby")
        db = Database(pg_url)
        try:
            second.wait_for("standby:", 60)

            def flying():
                found = [s for s in list_sorties(db) if s.outcome.value == "flying"]
                return found[0] if found else None

            sortie = wait_until(flying, 60, "the patrol sortie flying")
            with db.engine.connect() as connection:
                ended = connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": f"ecopatrol daemon {first_owner(first, second)}"[:63]},
                ).all()
            assert ended == [(True,)]
            cut = time.monotonic()
            assert first.wait(15) == LOST
            assert time.monotonic() - cut < 10
            assert "leadership lost" in first.output and "fenced" in first.output
            second.wait_for(TOOK_OVER, 15)
            second.wait_for(RUNNING, 30)

            def closed():
                record = next(s for s in list_sorties(db) if s.id == sortie.id)
                return record if record.ended_at is not None else None

            done = wait_until(closed, 150, "the sortie closed")
        finally:
            first.stop()
            second.stop()
        try:
            # The fenced daemon recorded nothing for it (no "aborted" on its way out): the
            # standby adopted it in the air and closed it when it landed.
            assert done.outcome.value == "completed", done.reason
            assert owner_of(second) in (done.owner or "")
            events = [e.message for e in list_events(db, vehicle_name="copter-1")]
            assert not any("aborted" in m for m in events)
            assert sum("adopted by" in m for m in events) == 1
        finally:
            db.close()


def started(config: Path) -> Daemon:
    """A daemon that has become the active one (stopped again if it does not)."""
    daemon = Daemon(config)
    try:
        daemon.wait_for(RUNNING, 60)
    except BaseException:
        daemon.stop()
        raise
    return daemon


def first_owner(first: Daemon, second: Daemon) -> str:
    """The active daemon's name as the standby printed it."""
    line = next(x for x in second.lines if x.startswith("standby:"))
    named = line.split(" is ", 1)[1].split(";", 1)[0].strip()
    assert owner_of(first) in named
    return named
