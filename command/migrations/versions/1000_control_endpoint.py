"""The control endpoint: where web workers find the active command daemon's control API.

Revision ID: control_endpoint
Revises: video_snapshots
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "control_endpoint"
down_revision: str | None = "video_snapshots"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "control_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("since_utc", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_control_endpoint_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_endpoint")),
    )


def downgrade() -> None:
    op.drop_table("control_endpoint")
