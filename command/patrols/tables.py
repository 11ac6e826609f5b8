"""Tables of the dispatch queue (SQLAlchemy 2, on the storage models' Base): tasks and the
patrol log (waits, skips, schedule changes) that compliance reads. Schema from migration
0100_patrol_tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from command.storage.columns import UtcDateTime
from command.storage.kinds import sql_in_list
from command.storage.models import NAME_LENGTH, Base

from .tasks import Cause, TaskKind, TaskState


class PatrolTaskRow(Base):
    """One task of the dispatch queue, from queued to done; what it waits for while it waits."""

    __tablename__ = "patrol_tasks"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in_list(TaskKind)}", name="kind_known"),
        CheckConstraint(f"state IN {sql_in_list(TaskState)}", name="state_known"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint("work_s >= 0", name="work_nonnegative"),
        Index("ix_patrol_tasks_state_priority_due_at", "state", "priority", "due_at"),
        Index("ix_patrol_tasks_zone_finished_at", "zone", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str] = mapped_column(String(NAME_LENGTH))
    priority: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    run_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    cause: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    vehicle: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    sortie_id: Mapped[int | None] = mapped_column(Integer)
    latitude_deg: Mapped[float] = mapped_column(Double)
    longitude_deg: Mapped[float] = mapped_column(Double)
    work_s: Mapped[float] = mapped_column(Double)
    sensors: Mapped[list[str]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    parent_task_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PatrolLogRow(Base):
    """Something that kept a zone's patrols back: a wait (since → until), a skipped or missed
    run, a paused schedule. Open rows (until NULL) are still going on."""

    __tablename__ = "patrol_log"
    __table_args__ = (
        CheckConstraint(f"cause IN {sql_in_list(Cause)}", name="cause_known"),
        Index("ix_patrol_log_zone_since", "zone", "since"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(NAME_LENGTH))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_tasks.id"), index=True)
    cause: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)
