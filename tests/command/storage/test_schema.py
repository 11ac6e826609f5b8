"""Alembic migrations on a real SQLite file, the SQLite settings, and DATABASE_URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from command.storage import Database, database_url, downgrade, sqlite_url, upgrade
from command.storage.migrate import current_revision, head_revision

from .schema_check import assert_schema_matches_models


def test_upgrade_on_an_empty_file_gives_the_models_schema(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "fresh.sqlite")
    upgrade(url)
    with Database(url) as db:
        assert_schema_matches_models(db.engine)
        with db.engine.connect() as connection:
            assert current_revision(connection) == head_revision() == "patrol_tasks"


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


def test_default_url_is_a_file_under_var_whose_folder_is_created(tmp_path: Path) -> None:
    var_dir = tmp_path / "nested" / "var"
    url = database_url({}, var_dir)
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database or "") == var_dir / "ecopatrol.sqlite"
    assert var_dir.is_dir()


def test_default_var_dir_is_var_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = database_url({"DATABASE_URL": "  "})
    assert url.database == str(Path("var") / "ecopatrol.sqlite")
    assert (tmp_path / "var").is_dir()


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
