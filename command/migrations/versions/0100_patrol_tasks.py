"""Dispatch queue: patrol_tasks (queued → done, with the wait reason) and patrol_log.

Revision ID: patrol_tasks
Revises: 0002
Create Date: 2026-11-30

Plain SQLAlchemy types, the closed vocabularies written out, so that this revision never changes
when the models do. APScheduler's own job table (apscheduler_jobs) is created by its job store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "patrol_tasks"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

KINDS = "'patrol', 'quick_response', 'resume_remaining'"
STATES = "'queued', 'waiting', 'assigned', 'flying', 'done', 'interrupted', 'cancelled'"
CAUSES = (
    "'no_fly', 'night', 'wind', 'wind_unknown', 'no_drone', 'kept_for_critical', 'sensors', "
    "'battery', 'refused', 'overlap', 'paused', 'missed', 'restart'"
)
NAME = sa.String(length=120)
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "patrol_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("zone", NAME, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=False),
        sa.Column("run_key", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("vehicle", NAME, nullable=True),
        sa.Column("sortie_id", sa.Integer(), nullable=True),
        sa.Column("latitude_deg", sa.Double(), nullable=False),
        sa.Column("longitude_deg", sa.Double(), nullable=False),
        sa.Column("work_s", sa.Double(), nullable=False),
        sa.Column("sensors", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("parent_task_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("assigned_at", UTC_TIME, nullable=True),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_patrol_tasks_kind_known")),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_patrol_tasks_state_known")),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_patrol_tasks_priority_range")),
        sa.CheckConstraint("work_s >= 0", name=op.f("ck_patrol_tasks_work_nonnegative")),
        sa.ForeignKeyConstraint(
            ["parent_task_id"],
            ["patrol_tasks.id"],
            name=op.f("fk_patrol_tasks_parent_task_id_patrol_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_tasks")),
        sa.UniqueConstraint("run_key", name=op.f("uq_patrol_tasks_run_key")),
    )
    op.create_index(
        "ix_patrol_tasks_state_priority_due_at", "patrol_tasks", ["state", "priority", "due_at"]
    )
    op.create_index("ix_patrol_tasks_zone_finished_at", "patrol_tasks", ["zone", "finished_at"])
    op.create_table(
        "patrol_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", NAME, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", UTC_TIME, nullable=False),
        sa.Column("until", UTC_TIME, nullable=True),
        sa.CheckConstraint(f"cause IN ({CAUSES})", name=op.f("ck_patrol_log_cause_known")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["patrol_tasks.id"], name=op.f("fk_patrol_log_task_id_patrol_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_log")),
    )
    op.create_index(op.f("ix_patrol_log_task_id"), "patrol_log", ["task_id"])
    op.create_index("ix_patrol_log_zone_since", "patrol_log", ["zone", "since"])


def downgrade() -> None:
    op.drop_table("patrol_log")
    op.drop_table("patrol_tasks")
