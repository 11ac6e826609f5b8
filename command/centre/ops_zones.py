"""The console's zone operations: the zone document in force, an upload checked whole with
every bad feature's problem named (feature, field, reason) and nothing changed when any is bad,
an officer's edit of one zone's priority or revisit interval, and the stored versions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from command.centre.operations import OperationRefused
from command.centre.zoneset import MAX_ZONE_FILE_BYTES, ZoneDocumentError, ZoneVersion
from missions.jsontext import parse_json
from missions.zones import AirspaceZoneError, ZoneFileError, parse_zones

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

PRIORITIES = (1, 2, 3, 4)
"""Zone priorities: 1 critical … 4 low."""
MAX_REVISIT_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class ZoneProblem:
    """One reason a zone document was refused: which feature (name or index; None for the
    document as a whole), which field (None when not one field) and why."""

    feature: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.feature, self.field and f"field '{self.field}'") if p)
        return f"{where}: {self.reason}" if where else self.reason


class ZonesRefused(OperationRefused):
    """A zone document or edit that was refused whole; `problems` lists each one found."""

    def __init__(self, source: str, problems: list[ZoneProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(str(p) for p in problems))


def zone_problems(text: str | bytes, source: str) -> list[ZoneProblem]:
    """Every problem of a zone document (empty: it may be put in force)."""
    if isinstance(text, bytes):
        if len(text) > MAX_ZONE_FILE_BYTES:
            return [ZoneProblem(None, None, f"larger than {MAX_ZONE_FILE_BYTES} bytes")]
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return [ZoneProblem(None, None, f"not UTF-8 text (byte {exc.start})")]
    try:
        document = parse_json(text)
    except ValueError as exc:
        return [ZoneProblem(None, None, str(exc))]
    try:
        zones = parse_zones(document, source)
    except AirspaceZoneError as exc:
        return [ZoneProblem(e.feature, e.field, e.message) for e in exc.errors]
    except (ZoneFileError, ValueError) as exc:
        return [ZoneProblem(None, None, str(exc).removeprefix(f"{source}: "))]
    return [ZoneProblem(e.feature, e.field, e.message) for e in zones.errors]


def zone_changes(name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """An officer's edit of one zone, checked: priority 1–4, revisit_minutes > 0 (or null to
    stop patrolling it); ZonesRefused naming each bad field."""
    problems: list[ZoneProblem] = []
    checked: dict[str, Any] = {}
    if not isinstance(changes, Mapping) or not changes:
        raise ZonesRefused(name, [ZoneProblem(name, None, "no change given")])
    for key, value in changes.items():
        if key == "priority":
            if isinstance(value, bool) or value not in PRIORITIES:
                problems.append(ZoneProblem(name, key, f"must be 1 … 4, got {value!r}"))
            else:
                checked[key] = int(value)
        elif key == "revisit_minutes":
            if value is None:
                checked[key] = None
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not 0 < value <= MAX_REVISIT_MINUTES
            ):
                problems.append(
                    ZoneProblem(
                        name, key, f"must be minutes in (0, {MAX_REVISIT_MINUTES}], got {value!r}"
                    )
                )
            else:
                checked[key] = value
        else:
            problems.append(ZoneProblem(name, str(key), "cannot be edited in the console"))
    if problems:
        raise ZonesRefused(name, problems)
    return checked


class ZoneOperations:
    """Mixed into CommandCentre: zones as the console sees and changes them."""

    def zone_version(self: CommandCentre) -> ZoneVersion:
        """The zone document in force and its version."""
        return self.zone_book.current

    def upload_zones(
        self: CommandCentre, text: str | bytes, source: str, actor: str
    ) -> ZoneVersion:
        """Put an uploaded zone document in force, checked whole first: ZonesRefused listing
        every bad feature, and nothing changed, when any is bad."""
        problems = zone_problems(text, source)
        if problems:
            raise ZonesRefused(source, problems)
        try:
            return self.put_zones(text, source, actor)
        except ZoneDocumentError as exc:
            raise ZonesRefused(source, [ZoneProblem(None, None, e) for e in exc.errors]) from None

    def change_zone(
        self: CommandCentre, name: str, changes: Mapping[str, Any], actor: str
    ) -> ZoneVersion:
        """Change one zone's priority and/or revisit interval (a new stored version)."""
        checked = zone_changes(name, changes)
        if not any(z.name == name for z in self.zones):
            raise ZonesRefused(name, [ZoneProblem(name, None, "no such zone in force")])
        try:
            return self.edit_zone(name, checked, actor)
        except ZoneDocumentError as exc:
            raise ZonesRefused(name, [ZoneProblem(name, None, e) for e in exc.errors]) from None

    def zone_history(self: CommandCentre, limit: int = 50) -> list[dict[str, Any]]:
        """Stored versions of the zone document, newest first."""
        return [
            {"version": v, "set_at": at, "actor": actor, "source": source}
            for v, at, actor, source in self.zone_book.history(limit)
        ]


MIXIN = ZoneOperations
