"""Checks that a migrated database has exactly the tables and columns of the models."""

from __future__ import annotations

import re
from collections.abc import Iterable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Constraint, Engine, inspect
from sqlalchemy.engine.interfaces import ReflectedCheckConstraint

import command.alerts.comments  # (alert comments, on the same Base)
import command.alerts.store
import command.centre.zoneset  # (the zone document versions, on the same Base)
import command.control.endpoint  # (where the workers find the daemon, on the same Base)
import command.patrols.tables  # (the dispatch queue's tables, on the same Base)
import command.video.records  # (the recordings list, on the same Base)
import command.video.snapshots  # noqa: F401  (the video snapshots, on the same Base)
import web.users  # noqa: F401  (the console's accounts, on the same Base)
from command.storage.models import Base

EXPECTED_TABLES = {
    "vehicles",
    "zones",
    "missions",
    "mission_items",
    "sorties",
    "events",
    "audit_log",
    "audit_outcomes",
    "patrol_tasks",
    "patrol_log",
    "users",
    "alerts",
    "zone_sets",
    "alert_comments",
    "alert_engine_state",
    "recordings",
    "video_snapshots",
    "control_endpoint",
}


def assert_schema_matches_models(engine: Engine) -> None:
    inspector = inspect(engine)
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    assert tables == EXPECTED_TABLES == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        on_disk = {column["name"]: column for column in inspector.get_columns(name)}
        assert set(on_disk) == set(table.columns.keys()), name
        for column in table.columns:
            assert on_disk[column.name]["nullable"] == column.nullable, (name, column.name)
        assert set(inspector.get_pk_constraint(name)["constrained_columns"]) == {
            c.name for c in table.primary_key.columns
        }
        _assert_same_checks(inspector.get_check_constraints(name), table.constraints, engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _assert_same_checks(
    on_disk: list[ReflectedCheckConstraint], in_models: Iterable[Constraint], engine: Engine
) -> None:
    """Alembic does not compare CHECK constraints: same names everywhere, same SQL on SQLite."""
    expected = {
        str(c.name): _squash(str(c.sqltext)) for c in in_models if isinstance(c, CheckConstraint)
    }
    found = {str(c["name"]): _squash(c["sqltext"]) for c in on_disk}
    assert expected, "every table here has at least one CHECK constraint"
    if engine.dialect.name == "sqlite":
        assert found == expected
    else:  # PostgreSQL rewrites the expression text
        assert set(found) == set(expected)


def _squash(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()
