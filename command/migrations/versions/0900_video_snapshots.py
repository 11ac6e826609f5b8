"""Video snapshots: one row per JPEG saved from a drone's stream, with its sortie.

Revision ID: video_snapshots
Revises: alert_comments
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "video_snapshots"
down_revision: str | None = "alert_comments"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "video_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("vehicle", sa.String(length=120), nullable=False),
        sa.Column("sortie_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("taken_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "width > 0 AND height > 0", name=op.f("ck_video_snapshots_size_positive")
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_video_snapshots_bytes_positive")),
        sa.ForeignKeyConstraint(
            ["sortie_id"], ["sorties.id"], name=op.f("fk_video_snapshots_sortie_id_sorties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_snapshots")),
        sa.UniqueConstraint("token", name=op.f("uq_video_snapshots_token")),
        sa.UniqueConstraint("path", name=op.f("uq_video_snapshots_path")),
    )
    op.create_index(op.f("ix_video_snapshots_sortie_id"), "video_snapshots", ["sortie_id"])
    op.create_index(
        "ix_video_snapshots_vehicle_taken_utc", "video_snapshots", ["vehicle", "taken_utc"]
    )


def downgrade() -> None:
    op.drop_index("ix_video_snapshots_vehicle_taken_utc", table_name="video_snapshots")
    op.drop_index(op.f("ix_video_snapshots_sortie_id"), table_name="video_snapshots")
    op.drop_table("video_snapshots")
