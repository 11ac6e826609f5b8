"""Zones: monitored areas as GeoJSON, priority 1 (highest) to 4, keyed by unique name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from . import checks
from .database import Database
from .errors import InvalidValueError, NotFoundError
from .models import NAME_LENGTH, ZoneRow
from .records import ZoneRecord

GEOJSON_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Feature",
        "FeatureCollection",
    }
)


def upsert_zone(
    db: Database,
    *,
    name: str,
    kind: str,
    priority: int,
    geometry: str | Mapping[str, Any],
    revisit_minutes: int | None = None,
    properties: Mapping[str, Any] | None = None,
) -> ZoneRecord:
    """Add the zone `name`, or replace everything else about it.

    `geometry` is GeoJSON (text or a parsed object); it is stored as compact text.
    """
    name = checks.name("name", name, NAME_LENGTH)
    kind = checks.name("kind", kind, 60)
    priority = checks.integer("priority", priority, 1, 4)
    if revisit_minutes is not None:
        revisit_minutes = checks.integer("revisit_minutes", revisit_minutes, 1)
    geometry_text = _geojson_text(geometry)
    props = checks.json_value("properties", dict(properties or {}))
    with db.transaction() as session:
        zone = session.scalar(select(ZoneRow).where(ZoneRow.name == name))
        if zone is None:
            zone = ZoneRow(name=name)
            session.add(zone)
        zone.kind = kind
        zone.priority = priority
        zone.revisit_minutes = revisit_minutes
        zone.geometry_geojson = geometry_text
        zone.properties = props
        session.flush()
        return zone_record(zone)


def get_zone(db: Database, name: str) -> ZoneRecord:
    with db.reading() as session:
        zone = session.scalar(select(ZoneRow).where(ZoneRow.name == name))
        if zone is None:
            raise NotFoundError("zones", name)
        return zone_record(zone)


def list_zones(db: Database) -> list[ZoneRecord]:
    """Every zone, highest priority (1) first, then by name."""
    with db.reading() as session:
        rows = session.scalars(select(ZoneRow).order_by(ZoneRow.priority, ZoneRow.name))
        return [zone_record(row) for row in rows]


def zone_record(zone: ZoneRow) -> ZoneRecord:
    return ZoneRecord(
        id=zone.id,
        name=zone.name,
        kind=zone.kind,
        priority=zone.priority,
        revisit_minutes=zone.revisit_minutes,
        geometry_geojson=zone.geometry_geojson,
        properties=dict(zone.properties),
    )


def _geojson_text(geometry: str | Mapping[str, Any]) -> str:
    if isinstance(geometry, str):
        try:
            parsed = json.loads(geometry)
        except ValueError as error:
            raise InvalidValueError("geometry", geometry, f"not JSON: {error}") from None
    else:
        parsed = checks.json_value("geometry", dict(geometry))
    if not isinstance(parsed, dict) or parsed.get("type") not in GEOJSON_TYPES:
        raise InvalidValueError("geometry", geometry, "not a GeoJSON object (no known 'type')")
    return json.dumps(checks.json_value("geometry", parsed), separators=(",", ":"))
