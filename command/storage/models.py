"""ORM tables (SQLAlchemy 2 typed style). The schema on disk comes from command/migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .columns import NanFloat, UtcDateTime
from .kinds import FINAL_RESULTS, CommandResult, EventSeverity, SortieOutcome, sql_in_list

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_LENGTH = 120
"""Longest vehicle, mission, zone, actor and command name (characters)."""
OWNER_LENGTH = 200
"""Longest sortie owner text: host, process id and process start."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class VehicleRow(Base):
    """A drone the command centre can talk to, by MAVLink connection string and system id."""

    __tablename__ = "vehicles"
    __table_args__ = (CheckConstraint("system_id BETWEEN 1 AND 255", name="system_id_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    connection: Mapped[str] = mapped_column(String(500))
    system_id: Mapped[int] = mapped_column(Integer)
    airframe: Mapped[str] = mapped_column(String(NAME_LENGTH))
    notes: Mapped[str] = mapped_column(Text, default="")


class ZoneRow(Base):
    """A monitored area: GeoJSON geometry (lon, lat order), priority 1 (highest) to 4."""

    __tablename__ = "zones"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint("revisit_minutes IS NULL OR revisit_minutes > 0", name="revisit_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    priority: Mapped[int] = mapped_column(Integer)
    revisit_minutes: Mapped[int | None] = mapped_column(Integer)
    geometry_geojson: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)


class MissionRow(Base):
    """A mission as uploaded: home (MAVLink item 0) in this row, the other items in a child."""

    __tablename__ = "missions"
    __table_args__ = (CheckConstraint("cruise_speed_mps > 0", name="cruise_speed_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    source_file: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    home_latitude_deg: Mapped[float] = mapped_column(Double)
    home_longitude_deg: Mapped[float] = mapped_column(Double)
    home_altitude_m: Mapped[float] = mapped_column(Double)
    cruise_speed_mps: Mapped[float] = mapped_column(Double)
    zone_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    fence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rally: Mapped[list[Any] | None] = mapped_column(JSON)

    items: Mapped[list[MissionItemRow]] = relationship(
        back_populates="mission",
        order_by="MissionItemRow.seq",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class MissionItemRow(Base):
    """One MAVLink mission item; seq is its wire sequence number (1..N, home being 0)."""

    __tablename__ = "mission_items"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_after_home"),)

    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    command: Mapped[int] = mapped_column(Integer)
    frame: Mapped[int] = mapped_column(Integer)
    param1: Mapped[float] = mapped_column(NanFloat, nullable=True)
    param2: Mapped[float] = mapped_column(NanFloat, nullable=True)
    param3: Mapped[float] = mapped_column(NanFloat, nullable=True)
    param4: Mapped[float] = mapped_column(NanFloat, nullable=True)
    latitude_deg: Mapped[float] = mapped_column(Double)
    longitude_deg: Mapped[float] = mapped_column(Double)
    altitude_m: Mapped[float] = mapped_column(Double)
    autocontinue: Mapped[bool] = mapped_column(Boolean(create_constraint=False))

    mission: Mapped[MissionRow] = relationship(back_populates="items")


class SortieRow(Base):
    """One flight of a mission by a vehicle, from planning to its final outcome."""

    __tablename__ = "sorties"
    __table_args__ = (
        CheckConstraint(f"outcome IN {sql_in_list(SortieOutcome)}", name="outcome_known"),
        CheckConstraint(
            "battery_used_pct IS NULL OR (battery_used_pct >= 0 AND battery_used_pct <= 100)",
            name="battery_used_range",
        ),
        CheckConstraint("distance_m IS NULL OR distance_m >= 0", name="distance_nonnegative"),
        CheckConstraint(
            "battery_start_pct IS NULL OR (battery_start_pct >= 0 AND battery_start_pct <= 100)",
            name="battery_start_range",
        ),
        CheckConstraint(
            "battery_end_pct IS NULL OR (battery_end_pct >= 0 AND battery_end_pct <= 100)",
            name="battery_end_range",
        ),
        CheckConstraint(
            "estimated_battery_pct IS NULL OR estimated_battery_pct >= 0",
            name="estimated_battery_nonnegative",
        ),
        Index("ix_sorties_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    distance_m: Mapped[float | None] = mapped_column(Double)
    battery_used_pct: Mapped[float | None] = mapped_column(Double)
    track_path: Mapped[str | None] = mapped_column(String(500))
    battery_start_pct: Mapped[float | None] = mapped_column(Double)
    battery_end_pct: Mapped[float | None] = mapped_column(Double)
    battery_used_mah: Mapped[float | None] = mapped_column(Double)
    estimated_battery_pct: Mapped[float | None] = mapped_column(Double)
    owner: Mapped[str | None] = mapped_column(String(OWNER_LENGTH))
    owner_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    task_id: Mapped[int | None] = mapped_column(Integer, index=True)

    mission: Mapped[MissionRow] = relationship()
    vehicle: Mapped[VehicleRow] = relationship()


class EventRow(Base):
    """Something that happened to a vehicle (STATUSTEXT, link lost, failsafe), at a UTC time."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(f"severity IN {sql_in_list(EventSeverity)}", name="severity_known"),
        Index("ix_events_vehicle_id_time", "vehicle_id", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    sortie_id: Mapped[int | None] = mapped_column(ForeignKey("sorties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)

    vehicle: Mapped[VehicleRow] = relationship()


class AuditRow(Base):
    """One command for a vehicle: who, what, when, to which vehicle; written before it is sent.

    `result` is "pending" for a command written ahead of sending; its outcome is then a row of
    `audit_outcomes`. Append-only: the repository has no update or delete, and the migrations
    add triggers that make the database refuse UPDATE and DELETE on both tables. The vehicle is
    kept by name, not by foreign key, so the record never depends on the vehicles table.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(f"result IN {sql_in_list(CommandResult)}", name="result_known"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(NAME_LENGTH))
    vehicle_name: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    command: Mapped[str] = mapped_column(String(NAME_LENGTH))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditOutcomeRow(Base):
    """What came of a command written ahead of sending (at most one outcome per command)."""

    __tablename__ = "audit_outcomes"
    __table_args__ = (
        CheckConstraint(f"result IN {sql_in_list(FINAL_RESULTS)}", name="result_known"),
    )

    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audit_log.id"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    result: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
