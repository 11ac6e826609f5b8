"""Video recordings: one row per sortie recording (MP4 and telemetry track).

Revision ID: recordings
Revises: alerts
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "recordings"
down_revision: str | None = "alerts"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

UTC_TIME = sa.DateTime(timezone=True)
PATH = sa.String(length=1000)


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle", sa.String(length=120), nullable=False),
        sa.Column("sortie_id", sa.Integer(), nullable=True),
        sa.Column("path", PATH, nullable=False),
        sa.Column("telemetry_path", PATH, nullable=False),
        sa.Column("start_utc", UTC_TIME, nullable=False),
        sa.Column("end_utc", UTC_TIME, nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.CheckConstraint("duration_s >= 0", name=op.f("ck_recordings_duration_nonnegative")),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_recordings_size_nonnegative")),
        sa.CheckConstraint("end_utc >= start_utc", name=op.f("ck_recordings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["sortie_id"], ["sorties.id"], name=op.f("fk_recordings_sortie_id_sorties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("path", name=op.f("uq_recordings_path")),
    )
    op.create_index(op.f("ix_recordings_sortie_id"), "recordings", ["sortie_id"])
    op.create_index("ix_recordings_vehicle_start_utc", "recordings", ["vehicle", "start_utc"])


def downgrade() -> None:
    op.drop_index("ix_recordings_vehicle_start_utc", table_name="recordings")
    op.drop_index(op.f("ix_recordings_sortie_id"), table_name="recordings")
    op.drop_table("recordings")
