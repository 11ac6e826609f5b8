"""Which database to open: DATABASE_URL if set, else an SQLite file in the caller's var/.

Pure: these functions compute URLs and never touch the disk; `open_database` creates an SQLite
file's folder when (and only when) it is asked to create the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import DatabaseUrlError

SQLITE_FILE_NAME = "ecopatrol.sqlite"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def sqlite_url(path: Path) -> URL:
    """The URL of an SQLite file."""
    return URL.create("sqlite+pysqlite", database=str(path))


def database_url(environ: Mapping[str, str], var_dir: Path) -> URL:
    """DATABASE_URL from `environ` (PostgreSQL), else `var_dir`/ecopatrol.sqlite (the caller,
    at the edge, says where its var/ is).

    A bare `postgresql://` or `postgres://` URL gets the psycopg (3) driver.
    """
    text = environ.get("DATABASE_URL", "").strip()
    if not text:
        return sqlite_url(var_dir / SQLITE_FILE_NAME)
    return normalise_url(text)


def normalise_url(url: str | URL) -> URL:
    """A checked URL with the installed drivers: psycopg 3 for PostgreSQL, pysqlite for SQLite.

    DatabaseUrlError (naming the problem, never the password) for text that is not a URL or a
    database other than SQLite and PostgreSQL.
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError, TypeError) as error:
        shown = url if isinstance(url, str) and "@" not in url else "the given URL"
        raise DatabaseUrlError(f"{shown!s}: not a database URL ({error})") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUrlError(
            f"{parsed.render_as_string(hide_password=True)}: unsupported database {backend!r}; "
            "use sqlite:///PATH or postgresql://USER@HOST/NAME"
        )
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+pysqlite")
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL and in-memory SQLite)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return Path(url.database[5:].split("?", 1)[0])
    return Path(url.database)
