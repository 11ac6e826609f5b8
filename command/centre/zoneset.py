"""The centre's zones: one GeoJSON document (RFC 7946) in force at a time, every version kept in
the database with who set it and when. A document is accepted only whole: a feature that fails
to load refuses the document (each bad feature named) and nothing changes."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from command.storage import Database
from command.storage.columns import UtcDateTime
from command.storage.models import NAME_LENGTH, Base
from missions.jsontext import parse_json
from missions.zones import Zone, ZoneFileError, ZoneSet, parse_zones

MAX_ZONE_FILE_BYTES = 16 * 1024 * 1024
EDITABLE = frozenset({"priority", "revisit_minutes", "altitude_m", "speed_mps", "pattern"})
"""Zone properties an officer may change in the console."""


class ZoneSetRow(Base):
    """One version of the zone document; the newest is in force."""

    __tablename__ = "zone_sets"
    __table_args__ = (CheckConstraint("length(document) > 0", name="document_present"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(NAME_LENGTH))
    source: Mapped[str] = mapped_column(String(500))
    document: Mapped[str] = mapped_column(Text)


class ZoneDocumentError(ValueError):
    """A zone document that cannot be put in force; `errors` lists every problem found."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


@dataclass(frozen=True)
class ZoneVersion:
    """The zones in force: their document, parsed, and which stored version they are."""

    version: int | None  # None: not stored yet (no zones)
    document: dict[str, Any]
    zones: ZoneSet
    source: str


def parse_document(text: str | bytes, source: str) -> tuple[dict[str, Any], ZoneSet]:
    """Parse and check a whole zone document; ZoneDocumentError listing every bad feature."""
    if isinstance(text, bytes):
        if len(text) > MAX_ZONE_FILE_BYTES:
            raise ZoneDocumentError(source, [f"larger than {MAX_ZONE_FILE_BYTES} bytes"])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ZoneDocumentError(source, [f"not UTF-8 text (byte {exc.start})"]) from None
    try:
        document = parse_json(text)
        zones = parse_zones(document, source)
    except (ZoneFileError, ValueError) as exc:
        raise ZoneDocumentError(source, [str(exc)]) from None
    if zones.errors:
        raise ZoneDocumentError(source, [str(e) for e in zones.errors])
    return document, zones


class ZoneBook:
    """The zone document in force and its history; thread-safe."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._current = ZoneVersion(
            None, {"type": "FeatureCollection", "features": []}, ZoneSet((), ()), "none"
        )
        with db.reading() as s:
            row = s.scalars(select(ZoneSetRow).order_by(ZoneSetRow.id.desc()).limit(1)).first()
            if row is not None:
                document, zones = parse_document(row.document, f"zone set {row.id}")
                self._current = ZoneVersion(row.id, document, zones, row.source)

    @property
    def current(self) -> ZoneVersion:
        """The zones in force."""
        return self._current

    @property
    def zones(self) -> tuple[Zone, ...]:
        """Every zone in force."""
        return self._current.zones.zones

    def put(self, text: str | bytes, source: str, actor: str, now: datetime) -> ZoneVersion:
        """Put a new document in force (checked whole first; nothing changes on an error)."""
        document, zones = parse_document(text, source)
        stored = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        with self._lock, self.db.transaction() as session:
            row = ZoneSetRow(
                set_at=now, actor=actor[:NAME_LENGTH], source=source[:500], document=stored
            )
            session.add(row)
            session.flush()
            self._current = ZoneVersion(row.id, document, zones, source)
            return self._current

    def edit(self, name: str, changes: dict[str, Any], actor: str, now: datetime) -> ZoneVersion:
        """A new version with one zone's properties changed (priority, revisit_minutes, …);
        the same whole-document checks apply."""
        unknown = sorted(set(changes) - EDITABLE)
        if unknown:
            raise ZoneDocumentError(name, [f"property {k!r} cannot be edited" for k in unknown])
        document = json.loads(json.dumps(self._current.document))
        for feature in document.get("features", []):
            props = feature.get("properties") or {}
            if props.get("name") == name:
                props.update(changes)
                feature["properties"] = props
                break
        else:
            raise ZoneDocumentError(name, [f"no zone {name!r}"])
        text = json.dumps(document, ensure_ascii=False)
        return self.put(text, f"{self._current.source} (edited {name})", actor, now)

    def history(self, limit: int = 50) -> list[tuple[int, datetime, str, str]]:
        """Stored versions, newest first: (id, set at, by whom, from what)."""
        with self.db.reading() as s:
            rows = s.execute(
                select(ZoneSetRow.id, ZoneSetRow.set_at, ZoneSetRow.actor, ZoneSetRow.source)
                .order_by(ZoneSetRow.id.desc())
                .limit(limit)
            ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]
