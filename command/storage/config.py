"""Which database to open: DATABASE_URL if set, else an SQLite file under var/."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DEFAULT_VAR_DIR = Path("var")
SQLITE_FILE_NAME = "ecopatrol.sqlite"


def sqlite_url(path: Path) -> URL:
    """The URL of an SQLite file, creating its directory if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite+pysqlite", database=str(path))


def database_url(environ: Mapping[str, str], var_dir: Path = DEFAULT_VAR_DIR) -> URL:
    """DATABASE_URL from `environ` (PostgreSQL), else `var_dir`/ecopatrol.sqlite.

    A bare `postgresql://` or `postgres://` URL gets the psycopg (3) driver.
    """
    text = environ.get("DATABASE_URL", "").strip()
    if not text:
        return sqlite_url(var_dir / SQLITE_FILE_NAME)
    return normalise_url(text)


def normalise_url(url: str | URL) -> URL:
    """Pick the installed drivers: psycopg 3 for PostgreSQL; create an SQLite file's directory."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed
