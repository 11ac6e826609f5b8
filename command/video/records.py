"""The list of recordings (one row per sortie recording), on the storage models' Base; schema
from migration 0400_recordings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from command.storage.columns import UtcDateTime
from command.storage.models import NAME_LENGTH, Base
from command.video.catalogue import Catalogue
from command.video.recorder import RecordingInfo

PATH_LENGTH = 1000


class RecordingRow(Base):
    """One recording: its MP4 and telemetry track, vehicle, sortie, UTC span, duration, size."""

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint("duration_s >= 0", name="duration_nonnegative"),
        CheckConstraint("size_bytes >= 0", name="size_nonnegative"),
        CheckConstraint("end_utc >= start_utc", name="ends_after_start"),
        Index("ix_recordings_vehicle_start_utc", "vehicle", "start_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle: Mapped[str] = mapped_column(String(NAME_LENGTH))
    sortie_id: Mapped[int | None] = mapped_column(ForeignKey("sorties.id"), index=True)
    path: Mapped[str] = mapped_column(String(PATH_LENGTH), unique=True)
    telemetry_path: Mapped[str] = mapped_column(String(PATH_LENGTH))
    start_utc: Mapped[datetime] = mapped_column(UtcDateTime)
    end_utc: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_s: Mapped[float] = mapped_column(Double)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    frames: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class Recording:
    """A listed recording."""

    id: int
    vehicle: str
    sortie_id: int | None
    path: Path
    telemetry_path: Path
    start_utc: datetime
    end_utc: datetime
    duration_s: float
    size_bytes: int
    frames: int


class RecordingStore(Catalogue[Recording]):
    """Adds finished recordings and lists them, newest first."""

    row_type = RecordingRow
    item_type = Recording
    newest_by = "start_utc"

    def add(self, info: RecordingInfo) -> int:
        """Store a finished recording; returns its id."""
        if info.start_utc is None or info.end_utc is None:
            raise ValueError(f"recording {info.path}: no frame was written, nothing to list")
        return self._add(info)

    def get(self, recording_id: int) -> Recording | None:
        """One recording by id, or None."""
        return self._first(RecordingRow.id == recording_id)
