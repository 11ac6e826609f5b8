"""Officers' comments on an alert, kept beside it (append-only): who wrote what, when. The
engine's acknowledgement and closing carry their own comment; these are the notes between."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from command.storage import Database
from command.storage.columns import UtcDateTime
from command.storage.models import NAME_LENGTH, Base

MAX_COMMENT = 2000
"""Longest comment kept (characters)."""


class AlertCommentRow(Base):
    """One comment on one alert."""

    __tablename__ = "alert_comments"
    __table_args__ = (CheckConstraint("length(comment) > 0", name="comment_present"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    comment: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class AlertComment:
    """A comment as the console shows it."""

    id: int
    alert_id: int
    at: datetime
    by: str
    comment: str


class CommentError(ValueError):
    """A comment that cannot be kept (the message names the field); nothing was written."""


def check_comment(alert_id: int, by: object, comment: object) -> tuple[str, str]:
    """The person's name and the comment, trimmed; CommentError naming the bad field."""
    if not isinstance(by, str) or not by.strip() or "\n" in by or len(by) > NAME_LENGTH:
        raise CommentError(f"alert {alert_id}: by: a person's name on one line is required")
    if not isinstance(comment, str) or not comment.strip():
        raise CommentError(f"alert {alert_id}: comment: required, a comment")
    text = comment.strip()
    if len(text) > MAX_COMMENT:
        raise CommentError(
            f"alert {alert_id}: comment: {len(text)} characters, at most {MAX_COMMENT}"
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise CommentError(f"alert {alert_id}: comment: control characters")
    return by.strip(), text


class AlertComments:
    """The comments of every alert in the centre's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, alert_id: int, by: str, comment: str, now: datetime) -> AlertComment:
        """Keep a comment (checked first); committed before it returns."""
        by, text = check_comment(alert_id, by, comment)
        with self.db.transaction() as session:
            row = AlertCommentRow(alert_id=alert_id, at=now, by=by, comment=text)
            session.add(row)
            session.flush()
            return _comment(row)

    def of(self, alert_id: int) -> list[AlertComment]:
        """An alert's comments, oldest first."""
        query = (
            select(AlertCommentRow)
            .where(AlertCommentRow.alert_id == alert_id)
            .order_by(AlertCommentRow.at, AlertCommentRow.id)
        )
        with self.db.reading() as s:
            return [_comment(r) for r in s.scalars(query)]


def _comment(row: AlertCommentRow) -> AlertComment:
    return AlertComment(row.id, row.alert_id, row.at, row.by, row.comment)
