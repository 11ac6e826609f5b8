"""What the lists of recordings and snapshots share: a row per file, added once, read back as
the room's frozen dataclass (same field names as the row's columns; paths stored as text), and
listed newest first, optionally of one vehicle or one sortie."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import select

from command.storage.database import Database
from command.storage.models import Base

T = TypeVar("T")


class Catalogue(Generic[T]):
    """A subclass names its row class, its dataclass and the column its list is ordered by."""

    row_type: ClassVar[type[Base]]
    item_type: ClassVar[type]
    newest_by: ClassVar[str]

    def __init__(self, database: Database) -> None:
        self.database = database

    def _add(self, source: object) -> int:
        """Store a row made of `source`'s attributes of the row's column names; its id."""
        columns = [c.key for c in self.row_type.__table__.columns if c.key != "id"]
        values = {name: getattr(source, name) for name in columns}
        row = self.row_type(**{k: str(v) if isinstance(v, Path) else v for k, v in values.items()})
        with self.database.transaction() as session:
            session.add(row)
            session.flush()
            return row.id  # type: ignore[attr-defined]

    def _first(self, *where: Any) -> T | None:
        with self.database.reading() as session:
            row = session.scalars(select(self.row_type).where(*where)).first()
            return self._item(row) if row is not None else None

    def list(
        self, vehicle: str | None = None, sortie_id: int | None = None, limit: int = 100
    ) -> list[T]:
        """The items, newest first, optionally of one vehicle or one sortie."""
        row = self.row_type
        query = select(row).order_by(getattr(row, self.newest_by).desc()).limit(limit)
        if vehicle is not None:
            query = query.where(row.vehicle == vehicle)  # type: ignore[attr-defined]
        if sortie_id is not None:
            query = query.where(row.sortie_id == sortie_id)  # type: ignore[attr-defined]
        with self.database.reading() as session:
            return [self._item(r) for r in session.scalars(query)]

    def _item(self, row: Base) -> T:
        values = {}
        for f in fields(self.item_type):
            value = getattr(row, f.name)
            values[f.name] = Path(value) if f.type in ("Path", Path) else value
        return self.item_type(**values)
