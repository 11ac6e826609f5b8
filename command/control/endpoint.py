"""Where the web workers find the active command daemon's control API: the daemon that wins
the election writes its URL in the database (table `control_endpoint`, one row), after its
control server listens; a worker reads it when it has no connection, and again after one fails
(a standby that took over writes its own URL over the dead one's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from command.storage.columns import UtcDateTime
from command.storage.database import Database
from command.storage.models import NAME_LENGTH, Base

URL_LENGTH = 300
ROW_ID = 1


class ControlEndpointRow(Base):
    """The active daemon's control API: its URL, the daemon (owner name), since when."""

    __tablename__ = "control_endpoint"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    owner: Mapped[str] = mapped_column(String(NAME_LENGTH))
    since_utc: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, slots=True)
class ControlEndpoint:
    """The URL of the active daemon's control API, which daemon that is, since when."""

    url: str
    owner: str
    since_utc: datetime


def advertise(db: Database, url: str, owner: str, now: datetime) -> None:
    """Record `url` as the active daemon's control API (replacing the one before)."""
    if len(url) > URL_LENGTH:
        raise ValueError(f"control URL longer than {URL_LENGTH} characters: {url[:60]}…")
    with db.transaction() as session:
        row = session.get(ControlEndpointRow, ROW_ID)
        if row is None:
            session.add(
                ControlEndpointRow(id=ROW_ID, url=url, owner=owner[:NAME_LENGTH], since_utc=now)
            )
        else:
            row.url, row.owner, row.since_utc = url, owner[:NAME_LENGTH], now


def withdraw(db: Database, url: str) -> None:
    """Forget `url` if it is still the recorded one (a daemon stopping cleanly)."""
    with db.transaction() as session:
        row = session.get(ControlEndpointRow, ROW_ID)
        if row is not None and row.url == url:
            session.delete(row)


def active_endpoint(db: Database) -> ControlEndpoint | None:
    """The recorded control API of the active daemon (None: no daemon has advertised one)."""
    with db.reading() as session:
        row = session.scalars(select(ControlEndpointRow)).first()
        return None if row is None else ControlEndpoint(row.url, row.owner, row.since_utc)
