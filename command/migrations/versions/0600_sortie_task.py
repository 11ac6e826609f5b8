"""Sorties name the queued task that asked for them (a patrol, a quick response, a resumed rest).

Revision ID: sortie_task
Revises: recordings
Create Date: 2026-12-09

- sorties.task_id: the patrol_tasks id the sortie flies (NULL for a pilot's own sortie); no
  foreign key, as a sortie outlives the queue's housekeeping of its tasks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "sortie_task"
down_revision: str | None = "recordings"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("sorties", sa.Column("task_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_sorties_task_id"), "sorties", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sorties_task_id"), table_name="sorties")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE sorties DROP COLUMN task_id")
    else:
        op.drop_column("sorties", "task_id")
