"""The `Database` object: one engine per URL, SQLite tuned for safety, one transaction per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from .config import normalise_url, sqlite_file
from .errors import (
    ConstraintError,
    DatabaseUnavailable,
    DatabaseUrlError,
    DuplicateNameError,
    NotFoundError,
    StorageError,
)
from .migrate import downgrade_connection, upgrade_connection


class Database:
    """A database opened from a URL; create one per process and pass it to the repository.

    SQLite connections get foreign keys on, WAL journal, synchronous=FULL (a commit is on disk
    when it returns) and `BEGIN IMMEDIATE` write transactions, so two writers queue on the busy
    timeout instead of failing half-way; `reading()` transactions take no write lock.
    """

    def __init__(self, url: str | URL, *, echo: bool = False, busy_timeout_s: float = 10.0):
        self.url = normalise_url(url)
        try:
            self.engine: Engine = create_engine(
                self.url,
                echo=echo,
                connect_args={"timeout": busy_timeout_s} if self.is_sqlite else {},
            )
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise DatabaseUrlError(f"{self.shown_url}: cannot be opened ({error})") from None
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def shown_url(self) -> str:
        """The URL as it may be shown to a user (no password)."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on normal exit and rolled back on any error.

        Integrity errors from the database come out as typed `StorageError`s, and a database
        that cannot be reached or written as `DatabaseUnavailable`.
        """
        with self._sessions() as session:
            try:
                with session.begin():
                    yield session
            except IntegrityError as error:
                raise integrity_error(error) from error
            except DBAPIError as error:
                raise self.unavailable(error) from error

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries only: on SQLite it reads a WAL snapshot beside the writers."""
        with self._read_sessions() as session:
            try:
                yield session
            except DBAPIError as error:
                raise self.unavailable(error) from error
            finally:
                session.rollback()  # nothing to keep; ends the snapshot

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to `revision` with Alembic (the tables come from migrations)."""
        try:
            with self.engine.begin() as connection:
                if not self.is_sqlite:  # two processes starting at once migrate one by one
                    connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                upgrade_connection(connection, revision)
        except IntegrityError as error:
            raise integrity_error(error) from error
        except DBAPIError as error:
            raise self.unavailable(error) from error

    def downgrade(self, revision: str = "base") -> None:
        """Take the schema back to `revision` (`base`: no tables left but alembic_version)."""
        try:
            with self.engine.begin() as connection:
                downgrade_connection(connection, revision)
        except DBAPIError as error:
            raise self.unavailable(error) from error

    def unavailable(self, error: DBAPIError) -> DatabaseUnavailable:
        """A one-line error naming this database (never its password) and the driver's reason."""
        lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
        return DatabaseUnavailable(f"database {self.shown_url}: {lines[0].strip()}")

    def close(self) -> None:
        """Close every pooled connection (files stay as they are)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


_READ_ONLY = "ecopatrol_read_only"
MIGRATION_LOCK = "1164144464, 2"
"""PostgreSQL advisory lock keys held while the schema is upgraded (the active daemon's
election uses (1164144464, 1), see command.centre.leadership)."""


def open_database(url: str | URL, *, create: bool = True, **options: Any) -> Database:
    """Open the database at `url` and upgrade its schema to the newest revision.

    An SQLite file (and its folder) is created only with `create`; without it a missing file is
    a DatabaseUnavailable error and nothing is written to the disk.
    """
    database = Database(url, **options)
    try:
        path = sqlite_file(database.url)
        if path is not None and not path.is_file():
            if not create:
                raise DatabaseUnavailable(f"no database at {path} (nothing recorded there yet)")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseUnavailable(
                    f"cannot create {path.parent}: {error.strerror}"
                ) from None
        database.upgrade()
    except BaseException:
        database.close()
        raise
    return database


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (what the command daemon does on start)."""
    with Database(url) as database:
        database.upgrade(revision)


def downgrade(url: str | URL, revision: str = "base") -> None:
    """Downgrade the database at `url` to `revision`."""
    with Database(url) as database:
        database.downgrade(revision)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below own BEGIN (pysqlite's own is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def integrity_error(error: IntegrityError) -> StorageError:
    """The typed error for a database integrity refusal (unique, foreign key, check)."""
    code = getattr(error.orig, "sqlstate", None)
    text = str(error.orig)
    lowered = text.lower()
    if code == "23505" or "unique constraint" in lowered:
        table, name = _unique_clash(error, text)
        return DuplicateNameError(table, name)
    if code == "23503" or "foreign key constraint" in lowered:
        return NotFoundError("referenced row", text)
    return ConstraintError(text)


def _unique_clash(error: IntegrityError, text: str) -> tuple[str, str]:
    """Best effort: which table and which name clashed."""
    table = "?"
    if "UNIQUE constraint failed:" in text:  # SQLite: "UNIQUE constraint failed: zones.name"
        table = text.split("UNIQUE constraint failed:", 1)[1].strip().split(".", 1)[0]
    elif diag := getattr(error.orig, "diag", None):  # psycopg
        table = getattr(diag, "table_name", None) or "?"
    params = error.params
    name = params.get("name") if isinstance(params, dict) else None
    return table, str(name) if name is not None else "?"
