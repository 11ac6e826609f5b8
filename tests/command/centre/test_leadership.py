"""The active daemon's election: one holder per database on an SQLite file (flock) and on a
real PostgreSQL server (advisory lock), its holder named, and its loss noticed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from command.centre.leadership import (
    AdvisoryLeadership,
    FileLeadership,
    Leadership,
    LeadershipError,
)
from command.storage import Database, sqlite_url
from tests.command.storage.test_postgresql import pg_url, postgres_server  # noqa: F401


def test_one_holder_per_sqlite_file_named_and_released(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "var" / "ecopatrol.sqlite")
    first = Leadership.for_database(url, "host-a pid 1 start 5")
    second = Leadership.for_database(url, "host-b pid 2 start 7")
    assert isinstance(first, FileLeadership)
    try:
        assert second.holder() is None
        assert first.try_acquire()
        assert not second.try_acquire()
        assert second.holder() == "host-a pid 1 start 5"
        assert first.still_held()
        first.release()
        assert second.holder() is None  # the name left in the file is not a holder
        assert second.try_acquire()
        assert first.holder() == "host-b pid 2 start 7"
    finally:
        first.release()
        second.release()


def test_a_removed_lock_file_is_a_lost_leadership(tmp_path: Path) -> None:
    held = FileLeadership(tmp_path / "ecopatrol.sqlite", "host-a pid 1 start 5", check_s=0.05)
    lost = threading.Event()
    reasons: list[str] = []
    try:
        assert held.try_acquire()
        held.watch(lambda why: (reasons.append(why), lost.set()))
        held.path.unlink()  # a new file could now be locked by another daemon
        assert lost.wait(5)
        assert reasons == ["the leadership is no longer held"]
    finally:
        held.release()


def test_an_in_memory_database_cannot_elect() -> None:
    with pytest.raises(LeadershipError, match="in-memory"):
        Leadership.for_database("sqlite+pysqlite://", "host pid 1 start 1")


def test_one_holder_on_postgresql_and_a_dropped_connection_loses_it(
    pg_url: URL,  # noqa: F811
) -> None:
    first = Leadership.for_database(pg_url, "host-a pid 11 start 3", check_s=0.1)
    second = Leadership.for_database(pg_url, "host-b pid 12 start 4", check_s=0.1)
    assert isinstance(first, AdvisoryLeadership)
    lost = threading.Event()
    reasons: list[str] = []
    try:
        assert second.holder() is None
        assert first.try_acquire()
        assert not second.try_acquire()
        assert second.holder() == "host-a pid 11 start 3"
        assert first.still_held()
        first.watch(lambda why: (reasons.append(why), lost.set()))
        with Database(pg_url) as admin, admin.engine.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'ecopatrol daemon host-a pid 11 start 3'"
                )
            ).all()
        assert ended == [(True,)]
        assert lost.wait(10)
        assert reasons and "cannot be checked" in reasons[0]
        assert second.try_acquire()  # the server let the lock go with the connection
        assert first.holder() is None or first.holder() == "host-b pid 12 start 4"
    finally:
        first.release()
        second.release()


def test_an_unreachable_postgresql_is_a_clear_error(tmp_path: Path) -> None:
    url = URL.create(
        "postgresql+psycopg",
        username="postgres",
        database="nowhere",
        query={"host": str(tmp_path), "port": "5432"},
    )
    leadership = Leadership.for_database(url, "host pid 1 start 1")
    with pytest.raises(LeadershipError, match="nowhere"):
        leadership.try_acquire()
