"""The same storage on a real PostgreSQL server, started here in a temp dir on a unix socket.

Needs Debian's `postgresql` package (server binaries in /usr/lib/postgresql/<v>/bin) and the
psycopg driver; without them these tests FAIL, they do not skip.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from command.storage import (
    Database,
    DuplicateNameError,
    InvalidValueError,
    StoredMissionItem,
    begin_audit,
    close_sortie,
    finish_audit,
    get_mission,
    list_audit,
    list_events,
    list_sorties,
    list_zones,
    open_database,
    open_sortie,
    record_audit,
    record_event,
    save_mission,
    upsert_vehicle,
    upsert_zone,
)
from command.storage.models import VehicleRow

from .schema_check import assert_schema_matches_models

INSTALL_HINT = "install it with: apt-get install -y postgresql  (Debian package)"


def _server_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        pytest.fail(
            f"PostgreSQL server not found (/usr/lib/postgresql/*/bin/initdb); {INSTALL_HINT}"
        )
    return found[-1].parent


def _run_as_owner(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[Path]:
    """A throw-away PostgreSQL server listening only on a unix socket; yields the socket dir."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("the psycopg driver is missing: pip install 'psycopg[binary]==3.3.9'")
    bin_dir = _server_bin()
    base = Path(tempfile.mkdtemp(prefix="ecopatrol-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    initdb += ["-E", "UTF8", "--locale=C", "--no-sync"]
    # Unix socket in `base` only (no TCP), fsync off: a throw-away server.
    options = f"-k {base} -c listen_addresses='' -p 5432 -F"
    start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60"]
    start += ["-l", str(base / "server.log"), "start"]
    try:
        subprocess.run(_run_as_owner(initdb), check=True, capture_output=True)
        subprocess.run(_run_as_owner(start), check=True, capture_output=True)
    except subprocess.CalledProcessError as error:
        log = base / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {error.stderr!r} {detail}")
    try:
        yield base
    finally:
        subprocess.run(
            _run_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


_names = itertools.count()


@pytest.fixture
def pg_url(postgres_server: Path) -> URL:
    """A fresh empty database on the throw-away server."""
    admin = URL.create(
        "postgresql+psycopg",
        username="postgres",
        database="postgres",
        query={"host": str(postgres_server), "port": "5432"},
    )
    name = f"ecopatrol_{os.getpid()}_{next(_names)}"
    with Database(admin) as db, db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f'CREATE DATABASE "{name}"')
        )
    return admin.set(database=name)


def test_upgrade_matches_the_models_and_downgrade_removes_everything(pg_url: URL) -> None:
    db = open_database(pg_url)
    try:
        assert_schema_matches_models(db.engine)
        db.downgrade("base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        with db.engine.connect() as connection:
            functions = connection.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_log_append_only'")
            ).scalar()
        assert functions == 0
        db.upgrade()
        assert_schema_matches_models(db.engine)
    finally:
        db.close()


def test_repository_round_trip_on_postgresql(pg_url: URL) -> None:
    now = datetime(2026, 11, 24, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    with open_database(pg_url) as db:
        upsert_vehicle(
            db, name="copter-1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad"
        )
        upsert_zone(
            db,
            name="riverside",
            kind="patrol",
            priority=2,
            geometry={"type": "Point", "coordinates": [120.15, 30.25]},
            properties={"district": "西湖区"},
        )
        assert list_zones(db)[0].properties == {"district": "西湖区"}
        items = [StoredMissionItem(16, 3, 0.0, 2.0, 0.0, math.nan, 30.251, 120.151, 50.0)]
        mission = save_mission(
            db,
            name="p1",
            home_latitude_deg=30.25,
            home_longitude_deg=120.15,
            home_altitude_m=5.0,
            cruise_speed_mps=8.0,
            items=items,
            now=now,
        )
        again = get_mission(db, mission.id)
        assert again.items == tuple(items) and math.isnan(again.items[0].param4)
        assert again.created_at == now and again.created_at.utcoffset() == timedelta(0)

        sortie = open_sortie(db, mission_id=mission.id, vehicle_name="copter-1", now=now)
        closed = close_sortie(
            db, sortie.id, "lost", "no heartbeat for 5 s", now + timedelta(minutes=3), 800.0, 12.5
        )
        assert list_sorties(db) == [closed]
        record_event(
            db,
            vehicle_name="copter-1",
            kind="link",
            severity="critical",
            message="link lost",
            now=now,
            sortie_id=sortie.id,
        )
        assert list_events(db, sortie_id=sortie.id)[0].message == "link lost"

        with pytest.raises(DuplicateNameError):
            save_mission(
                db,
                name="p1",
                home_latitude_deg=0.0,
                home_longitude_deg=0.0,
                home_altitude_m=0.0,
                cruise_speed_mps=1.0,
                items=[],
                now=now,
            )
        with pytest.raises(InvalidValueError):
            upsert_zone(
                db,
                name="riverside",
                kind="patrol",
                priority=9,
                geometry={"type": "Point", "coordinates": [0, 0]},
            )
        assert list_zones(db)[0].priority == 2


def test_unique_clash_and_audit_triggers_on_postgresql(pg_url: URL) -> None:
    now = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    with open_database(pg_url) as db:
        upsert_vehicle(db, name="copter-1", connection="tcp:x:1", system_id=1, airframe="q")
        with pytest.raises(DuplicateNameError) as raised, db.transaction() as session:
            session.add(
                VehicleRow(name="copter-2", connection="tcp:x:2", system_id=2, airframe="q")
            )
            session.add(
                VehicleRow(name="copter-1", connection="tcp:x:3", system_id=3, airframe="q")
            )
            session.flush()
        assert raised.value.table == "vehicles"
        entry = record_audit(
            db,
            actor="cli:pilot",
            vehicle_name="copter-1",
            command="MAV_CMD_DO_SET_MODE",
            params={"mode": "RTL"},
            result="accepted",
            now=now,
        )
        pending = begin_audit(
            db, actor="cli:pilot", vehicle_name="copter-1", command="arm", params={}, now=now
        )
        done = finish_audit(db, pending.id, "refused", now, "PreArm: GPS 1: Bad fix")
        for statement in (
            "UPDATE audit_log SET result = 'refused'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log CASCADE",
            "UPDATE audit_outcomes SET result = 'accepted'",
            "DELETE FROM audit_outcomes",
            "TRUNCATE audit_outcomes",
        ):
            with pytest.raises(DBAPIError) as refused, db.engine.begin() as connection:
                connection.execute(text(statement))
            assert "append-only" in str(refused.value)
        assert list_audit(db) == [done, entry]
