"""Alembic environment for EcoPatrol's storage; driven by command.storage.migrate (no .ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from command.storage.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported; pass a connection")
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("use command.storage.migrate.upgrade(url): it passes a connection")
    _run(connection)


_main()
