"""Sortie battery figures and owner; audit rows written before sending, outcomes beside them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

- sorties: battery_start_pct, battery_end_pct (the vehicle's own remaining %), battery_used_mah,
  estimated_battery_pct (the planner's figure for the same flight), owner (host, process id and
  start of the process following the sortie) and owner_seen_at (renewed while it follows).
- audit_log.result may be 'pending': the command is recorded before it is sent, and what came
  of it is appended to audit_outcomes (one row per command, append-only like audit_log).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

FINAL_RESULTS = "'accepted', 'refused', 'failed', 'timeout'"
ALL_RESULTS = f"'pending', {FINAL_RESULTS}"
UTC_TIME = sa.DateTime(timezone=True)
SORTIE_COLUMNS: tuple[tuple[str, sa.types.TypeEngine, str | None], ...] = (
    (
        "battery_start_pct",
        sa.Double(),
        "battery_start_pct IS NULL OR (battery_start_pct >= 0 AND battery_start_pct <= 100)",
    ),
    (
        "battery_end_pct",
        sa.Double(),
        "battery_end_pct IS NULL OR (battery_end_pct >= 0 AND battery_end_pct <= 100)",
    ),
    ("battery_used_mah", sa.Double(), None),
    (
        "estimated_battery_pct",
        sa.Double(),
        "estimated_battery_pct IS NULL OR estimated_battery_pct >= 0",
    ),
    ("owner", sa.String(length=200), None),
    ("owner_seen_at", UTC_TIME, None),
)
CHECK_NAMES = {
    "battery_start_pct": "battery_start_range",
    "battery_end_pct": "battery_end_range",
    "estimated_battery_pct": "estimated_battery_nonnegative",
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, type_, check in SORTIE_COLUMNS:
        if sqlite and check is not None:  # a named column CHECK: no table rebuild on SQLite
            ddl = type_.compile(dialect=op.get_bind().dialect)
            op.execute(
                f"ALTER TABLE sorties ADD COLUMN {name} {ddl} "
                f"CONSTRAINT ck_sorties_{CHECK_NAMES[name]} CHECK ({check})"
            )
            continue
        op.add_column("sorties", sa.Column(name, type_, nullable=True))
        if check is not None:
            op.create_check_constraint(op.f(f"ck_sorties_{CHECK_NAMES[name]}"), "sorties", check)
    _audit_results(ALL_RESULTS)
    op.create_table(
        "audit_outcomes",
        sa.Column("audit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            f"result IN ({FINAL_RESULTS})", name=op.f("ck_audit_outcomes_result_known")
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit_log.id"], name=op.f("fk_audit_outcomes_audit_id_audit_log")
        ),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_outcomes")),
    )
    _append_only("audit_outcomes")


def downgrade() -> None:
    """Fold each outcome back into its audit row (a command without one counts as failed)."""
    bind = op.get_bind()
    _drop_append_only("audit_log")
    bind.exec_driver_sql(
        "UPDATE audit_log SET "
        "result = COALESCE((SELECT o.result FROM audit_outcomes o WHERE o.audit_id = audit_log.id),"
        " 'failed'), "
        "reason = COALESCE((SELECT o.reason FROM audit_outcomes o "
        "WHERE o.audit_id = audit_log.id), 'no outcome recorded') "
        "WHERE result = 'pending'"
    )
    op.drop_table("audit_outcomes")
    _audit_results(FINAL_RESULTS, triggers_dropped=True)
    for name, _, check in reversed(SORTIE_COLUMNS):
        if bind.dialect.name == "sqlite":  # its own column CHECK goes with it, no rebuild
            op.execute(f"ALTER TABLE sorties DROP COLUMN {name}")
            continue
        if check is not None:
            op.drop_constraint(op.f(f"ck_sorties_{CHECK_NAMES[name]}"), "sorties", type_="check")
        op.drop_column("sorties", name)


def _audit_results(values: str, triggers_dropped: bool = False) -> None:
    """Replace audit_log's CHECK on result (SQLite rebuilds the table: triggers go and return)."""
    if not triggers_dropped:
        _drop_append_only("audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(op.f("ck_audit_log_result_known"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_log_result_known"), f"result IN ({values})")
    _append_only("audit_log")


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def _append_only(table: str) -> None:
    """Make the database itself refuse to change or remove a row of `table`."""
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:  # the function comes from revision 0001
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
