"""Alerts kept in the centre's database: one row per alert (the console lists and filters them)
and the engine's whole state (so a restarted centre carries on: open alerts, rise windows,
station silence clocks). Schema from migration 0500_alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import JSON, Boolean, CheckConstraint, Double, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from command.alerts.state import Alert, EngineState
from command.alerts.timeline import Timeline
from command.storage import Database
from command.storage.columns import UtcDateTime
from command.storage.models import NAME_LENGTH, Base

_ALERT = TypeAdapter(Alert)
_TIMELINE = TypeAdapter(Timeline)


class AlertRow(Base):
    """One alert as the console lists it; `record` holds the whole Alert, `timeline` its steps."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("level >= 1", name="level_positive"),
        CheckConstraint("is_open OR closed_at IS NOT NULL", name="closed_when_not_open"),
        Index("ix_alerts_is_open_raised_at", "is_open", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rule: Mapped[str] = mapped_column(String(NAME_LENGTH))
    place: Mapped[str] = mapped_column(String(200))
    place_label: Mapped[str] = mapped_column(String(200))
    pollutant: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer)
    latitude_deg: Mapped[float] = mapped_column(Double)
    longitude_deg: Mapped[float] = mapped_column(Double)
    is_open: Mapped[bool] = mapped_column(Boolean)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    timeline: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertEngineStateRow(Base):
    """The alert engine's state, saved whole after every change (one row)."""

    __tablename__ = "alert_engine_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertStore:
    """Saves and reads alerts; every save is one transaction (alerts and state together)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, state: EngineState, now: datetime, changed: set[int] | None = None) -> None:
        """Store the engine's state and the rows of `changed` alerts (all when None)."""
        timelines = {t.alert_id: t for t in state.timelines}
        with self.db.transaction() as s:
            for alert in state.alerts:
                if changed is not None and alert.alert_id not in changed:
                    continue
                row = s.get(AlertRow, alert.alert_id) or AlertRow(id=alert.alert_id)
                row.rule, row.place, row.place_label = alert.rule, alert.place, alert.place_label
                row.pollutant, row.level = alert.pollutant, alert.level
                row.latitude_deg, row.longitude_deg = alert.latitude_deg, alert.longitude_deg
                row.is_open, row.raised_at, row.closed_at = (
                    alert.is_open,
                    alert.raised_utc,
                    alert.closed_utc,
                )
                row.record = _ALERT.dump_python(alert, mode="json")
                timeline = timelines.get(alert.alert_id, Timeline(alert.alert_id))
                row.timeline = _TIMELINE.dump_python(timeline, mode="json")
                s.add(row)
            saved = s.get(AlertEngineStateRow, 1) or AlertEngineStateRow(id=1)
            saved.saved_at, saved.state = now, state.to_dict()
            s.add(saved)

    def load_state(self) -> EngineState | None:
        """The engine's last saved state, or None on a new database."""
        with self.db.reading() as s:
            row = s.get(AlertEngineStateRow, 1)
            return EngineState.from_dict(row.state) if row is not None else None

    def alerts(self, *, open_only: bool = False, limit: int = 200) -> list[Alert]:
        """Alerts, newest first."""
        query = select(AlertRow.record).order_by(AlertRow.raised_at.desc()).limit(limit)
        if open_only:
            query = query.where(AlertRow.is_open.is_(True))
        with self.db.reading() as s:
            return [_ALERT.validate_python(r) for r in s.scalars(query)]

    def alert(self, alert_id: int) -> tuple[Alert, Timeline] | None:
        """One alert and its timeline, or None."""
        with self.db.reading() as s:
            row = s.get(AlertRow, alert_id)
            if row is None:
                return None
            return _ALERT.validate_python(row.record), _TIMELINE.validate_python(row.timeline)

    def timelines(self) -> list[Timeline]:
        """Every stored alert's timeline (for the response-speed figures)."""
        with self.db.reading() as s:
            return [_TIMELINE.validate_python(t) for t in s.scalars(select(AlertRow.timeline))]
