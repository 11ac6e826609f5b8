"""Zone sets: every version of the zone document in force, with who set it.

Revision ID: zone_sets
Revises: sortie_task
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "zone_sets"
down_revision: str | None = "sortie_task"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "zone_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.CheckConstraint("length(document) > 0", name=op.f("ck_zone_sets_document_present")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_sets")),
    )


def downgrade() -> None:
    op.drop_table("zone_sets")
