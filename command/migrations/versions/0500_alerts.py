"""Alerts: one row per alert for the console, and the alert engine's saved state.

Revision ID: alerts
Revises: users
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "alerts"
down_revision: str | None = "users"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("place_label", sa.String(length=200), nullable=False),
        sa.Column("pollutant", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("latitude_deg", sa.Double(), nullable=False),
        sa.Column("longitude_deg", sa.Double(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("raised_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME, nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_alerts_level_positive")),
        sa.CheckConstraint(
            "is_open OR closed_at IS NOT NULL", name=op.f("ck_alerts_closed_when_not_open")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_is_open_raised_at", "alerts", ["is_open", "raised_at"])
    op.create_table(
        "alert_engine_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("saved_at", UTC_TIME, nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_alert_engine_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_engine_state")),
    )


def downgrade() -> None:
    op.drop_table("alert_engine_state")
    op.drop_index("ix_alerts_is_open_raised_at", table_name="alerts")
    op.drop_table("alerts")
