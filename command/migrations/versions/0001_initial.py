"""Initial schema: vehicles, zones, missions + mission_items, sorties, events, audit_log.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Written with plain SQLAlchemy types (not the app's TypeDecorators) so that this revision never
changes when the models do. Times are DateTime(timezone=True): timestamptz on PostgreSQL, naive
UTC text on SQLite. The audit log gets triggers that refuse UPDATE and DELETE.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

OUTCOMES = "'planned', 'uploading', 'flying', 'completed', 'aborted', 'failsafe', 'lost', 'failed'"
SEVERITIES = "'emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'"
RESULTS = "'accepted', 'refused', 'failed', 'timeout'"
NAME = sa.String(length=120)
UTC_TIME = sa.DateTime(timezone=True)
# Children before the tables they refer to.
DROP_ORDER = ("audit_log", "events", "sorties", "mission_items", "missions", "zones", "vehicles")


def upgrade() -> None:
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("connection", sa.String(length=500), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("airframe", NAME, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint("system_id BETWEEN 1 AND 255", name=op.f("ck_vehicles_system_id_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("name", name=op.f("uq_vehicles_name")),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("revisit_minutes", sa.Integer(), nullable=True),
        sa.Column("geometry_geojson", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_zones_priority_range")),
        sa.CheckConstraint(
            "revisit_minutes IS NULL OR revisit_minutes > 0",
            name=op.f("ck_zones_revisit_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("name", name=op.f("uq_zones_name")),
    )
    op.create_table(
        "missions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("home_latitude_deg", sa.Double(), nullable=False),
        sa.Column("home_longitude_deg", sa.Double(), nullable=False),
        sa.Column("home_altitude_m", sa.Double(), nullable=False),
        sa.Column("cruise_speed_mps", sa.Double(), nullable=False),
        sa.Column("zone_name", NAME, nullable=True),
        sa.Column("fence", sa.JSON(), nullable=True),
        sa.Column("rally", sa.JSON(), nullable=True),
        sa.CheckConstraint("cruise_speed_mps > 0", name=op.f("ck_missions_cruise_speed_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missions")),
        sa.UniqueConstraint("name", name=op.f("uq_missions_name")),
    )
    op.create_table(
        "mission_items",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("command", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("param1", sa.Double(), nullable=True),
        sa.Column("param2", sa.Double(), nullable=True),
        sa.Column("param3", sa.Double(), nullable=True),
        sa.Column("param4", sa.Double(), nullable=True),
        sa.Column("latitude_deg", sa.Double(), nullable=False),
        sa.Column("longitude_deg", sa.Double(), nullable=False),
        sa.Column("altitude_m", sa.Double(), nullable=False),
        sa.Column("autocontinue", sa.Boolean(), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_mission_items_seq_after_home")),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_mission_items_mission_id_missions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mission_id", "seq", name=op.f("pk_mission_items")),
    )
    op.create_table(
        "sorties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("battery_used_pct", sa.Double(), nullable=True),
        sa.Column("track_path", sa.String(length=500), nullable=True),
        sa.CheckConstraint(f"outcome IN ({OUTCOMES})", name=op.f("ck_sorties_outcome_known")),
        sa.CheckConstraint(
            "battery_used_pct IS NULL OR (battery_used_pct >= 0 AND battery_used_pct <= 100)",
            name=op.f("ck_sorties_battery_used_range"),
        ),
        sa.CheckConstraint(
            "distance_m IS NULL OR distance_m >= 0", name=op.f("ck_sorties_distance_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["missions.id"], name=op.f("fk_sorties_mission_id_missions")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_sorties_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sorties")),
    )
    op.create_index(op.f("ix_sorties_mission_id"), "sorties", ["mission_id"])
    op.create_index(op.f("ix_sorties_vehicle_id"), "sorties", ["vehicle_id"])
    op.create_index("ix_sorties_started_at", "sorties", ["started_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", UTC_TIME, nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("sortie_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.CheckConstraint(f"severity IN ({SEVERITIES})", name=op.f("ck_events_severity_known")),
        sa.ForeignKeyConstraint(
            ["sortie_id"], ["sorties.id"], name=op.f("fk_events_sortie_id_sorties")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_events_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_sortie_id"), "events", ["sortie_id"])
    op.create_index("ix_events_vehicle_id_time", "events", ["vehicle_id", "time"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("vehicle_name", NAME, nullable=False),
        sa.Column("command", NAME, nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(f"result IN ({RESULTS})", name=op.f("ck_audit_log_result_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_vehicle_name"), "audit_log", ["vehicle_name"])
    _create_audit_triggers()


def downgrade() -> None:
    # Dropping a table drops its indexes and triggers with it.
    for table in DROP_ORDER:
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")


def _create_audit_triggers() -> None:
    """Make the database itself refuse to change or remove an audit record."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only' "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
