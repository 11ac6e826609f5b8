"""Alembic migrations on a real SQLite file, the SQLite settings, and DATABASE_URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from command.storage import (
    CommandResult,
    Database,
    DatabaseUnavailable,
    DatabaseUrlError,
    begin_audit,
    database_url,
    downgrade,
    finish_audit,
    list_audit,
    open_database,
    sqlite_url,
    upgrade,
)
from command.storage.migrate import current_revision, head_revision

from .schema_check import assert_schema_matches_models


def test_upgrade_on_an_empty_file_gives_the_models_schema(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "fresh.sqlite")
    upgrade(url)
    with Database(url) as db:
        assert_schema_matches_models(db.engine)
        with db.engine.connect() as connection:
            assert current_revision(connection) == head_revision() == "control_endpoint"


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "twice.sqlite")
    upgrade(url)
    upgrade(url)
    with Database(url) as db:
        assert_schema_matches_models(db.engine)


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "down.sqlite")
    upgrade(url)
    downgrade(url, "base")
    with Database(url) as db:
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        with db.engine.connect() as connection:
            assert current_revision(connection) is None
            triggers = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).all()
            assert triggers == []
    upgrade(url)
    with Database(url) as db:
        assert_schema_matches_models(db.engine)


def test_sqlite_is_opened_with_foreign_keys_wal_and_full_sync(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_wal_mode_is_persistent_in_the_file(db: Database, db_path: Path) -> None:
    with sqlite3.connect(db_path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_default_url_is_a_file_under_var_and_computing_it_touches_no_disk(tmp_path: Path) -> None:
    var_dir = tmp_path / "nested" / "var"
    url = database_url({}, var_dir)
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database or "") == var_dir / "ecopatrol.sqlite"
    assert not (tmp_path / "nested").exists()
    open_database(url).close()  # opening to write creates the folder and the file
    assert (var_dir / "ecopatrol.sqlite").is_file()


def test_opening_a_missing_file_only_to_read_refuses_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "x.sqlite"
    with pytest.raises(DatabaseUnavailable, match=r"no database at .*x\.sqlite"):
        open_database(f"sqlite:///{missing}", create=False)
    assert not (tmp_path / "nowhere").exists()
    empty_dir = tmp_path / "here"
    empty_dir.mkdir()
    with pytest.raises(DatabaseUnavailable):
        open_database(sqlite_url(empty_dir / "x.sqlite"), create=False)
    assert list(empty_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "error", "says"),
    [
        ("nonsense", DatabaseUrlError, "not a database URL"),
        ("mysql://u@h/db", DatabaseUrlError, "unsupported database 'mysql'"),
        ("postgresql+nodriver://u@h/db", DatabaseUrlError, "cannot be opened"),
        ("postgresql://patrol:secret@127.0.0.1:1/ecopatrol", DatabaseUnavailable, "127.0.0.1"),
    ],
)
def test_bad_or_unreachable_database_urls_are_one_line_errors_without_the_password(
    url: str, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says) as raised:
        open_database(url)
    text = str(raised.value)
    assert "\n" not in text and "secret" not in text


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\x00not sqlite at all" * 100)
    with pytest.raises(DatabaseUnavailable, match=r"junk\.sqlite"):
        open_database(sqlite_url(junk))
    folder = tmp_path / "a-folder.sqlite"
    folder.mkdir()
    with pytest.raises(DatabaseUnavailable):
        open_database(sqlite_url(folder))


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://patrol:secret@db.internal:5432/ecopatrol",
        "postgres://patrol:secret@db.internal:5432/ecopatrol",
        "postgresql+psycopg://patrol:secret@db.internal:5432/ecopatrol",
    ],
)
def test_database_url_picks_psycopg_for_postgresql(tmp_path: Path, given: str) -> None:
    url = database_url({"DATABASE_URL": given}, tmp_path / "var")
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.username) == (
        "db.internal",
        5432,
        "ecopatrol",
        "patrol",
    )
    assert not (tmp_path / "var").exists()


def test_repr_hides_the_password() -> None:
    db = Database("postgresql://patrol:secret@localhost/ecopatrol")
    assert "secret" not in repr(db)
    db.close()


def test_upgrading_a_0001_database_keeps_its_records_and_downgrading_folds_outcomes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    url = sqlite_url(path)
    upgrade(url, "0001")
    at = "2026-11-24 08:30:00.000000"
    with sqlite3.connect(path) as plain:
        plain.execute(
            "INSERT INTO audit_log (at, actor, vehicle_name, command, params, result, reason) "
            f"VALUES ('{at}', 'cli:pilot', 'd1', 'arm', '{{}}', 'accepted', '')"
        )
    upgrade(url)
    with Database(url) as db:
        assert_schema_matches_models(db.engine)
        (old,) = list_audit(db)
        assert (old.command, old.result) == ("arm", CommandResult.ACCEPTED)
        pending = begin_audit(
            db, actor="cli:pilot", vehicle_name="d1", command="rtl", params={}, now=old.at
        )
        refused = begin_audit(
            db, actor="cli:pilot", vehicle_name="d1", command="land", params={}, now=old.at
        )
        finish_audit(db, refused.id, "refused", old.at, "Mode change failed")
    with sqlite3.connect(path) as plain, pytest.raises(sqlite3.IntegrityError):
        plain.execute("DELETE FROM audit_log")  # the rebuilt table is append-only still
    downgrade(url, "0001")
    with sqlite3.connect(path) as plain:
        rows = plain.execute("SELECT id, result, reason FROM audit_log ORDER BY id").fetchall()
        assert rows == [
            (old.id, "accepted", ""),
            (pending.id, "failed", "no outcome recorded"),
            (refused.id, "refused", "Mode change failed"),
        ]
        with pytest.raises(sqlite3.IntegrityError):
            plain.execute("UPDATE audit_log SET result = 'accepted'")
