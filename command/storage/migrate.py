"""Alembic run from code: no alembic.ini, the scripts live in command/migrations.

Works on a connection it is given and imports nothing else of storage (no import cycle).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at command/migrations; env.py uses `connection` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database of `connection` to `revision` inside its transaction."""
    command.upgrade(alembic_config(connection), revision)


def downgrade_connection(connection: Connection, revision: str = "base") -> None:
    """Downgrade the database of `connection` to `revision` inside its transaction."""
    command.downgrade(alembic_config(connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated or downgraded to base)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision in command/migrations/versions."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"{MIGRATIONS_DIR / 'versions'} holds no revision")
    return head
