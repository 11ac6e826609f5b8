"""Snapshots as GeoJSON FeatureCollections: what the map embeds and the live endpoints serve.

The console's /api/*.geojson endpoints return these same collections, so the map's live layers
read one format whether the data came with the page or from a refresh.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from maps.model import AlertMark, DronePoint, FlightPath, MapError, StationPoint, ZoneShape
from sensors.aqi.categories import category

NA_COLOUR = "#9e9e9e"
"""Colour of a station without an AQI."""
PRIORITY_COLOURS = {1: "#c62828", 2: "#ef6c00", 3: "#f9a825", 4: "#2e7d32"}
"""Zone outline colour by priority (1 critical … 4 low)."""
KIND_COLOURS = {"no_fly": "#212121", "fence": "#1565c0", "enterprise": "#6a1b9a"}
"""Zone colour for kinds drawn apart from their priority."""
UNPRIORITISED_COLOUR = "#546e7a"
GROUND_KINDS = frozenset({"enterprise"})
"""Zone kinds drawn with the ground layer (sites); the others are airspace, drawn with the air."""
COORD_DIGITS = 6
"""Decimal places kept in coordinates (about 0.1 m)."""


def _iso(time: datetime | None) -> str | None:
    if time is None:
        return None
    if time.tzinfo is not None:
        time = time.astimezone(UTC).replace(tzinfo=None)
    return time.isoformat(timespec="seconds") + "Z"


def _num(value: float | None, digits: int = 3) -> float | int | None:
    if value is None:
        return None
    rounded = round(float(value), digits)
    return int(rounded) if rounded.is_integer() else rounded


def _lonlat(lat: float, lon: float) -> list[float]:
    return [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)]


def _unique(what: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise MapError(f"{what} {i!r}", "id", "appears more than once")
        seen.add(i)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(fid: str, geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": _lonlat(lat, lon)}


def station_colour(aqi: float | None, standard: str = "hj633-2026") -> str:
    """The category colour of an AQI (grey when there is none)."""
    band = category(None if aqi is None else math.ceil(aqi), standard)
    return NA_COLOUR if band is None else band.hex


def stations_geojson(stations: Sequence[StationPoint]) -> dict[str, Any]:
    """Stations as Points with readings, IAQI, AQI, category, colour and the 24 h AQI."""
    _unique("station", (s.id for s in stations))
    times: dict[datetime | None, str | None] = {}
    features = []
    for s in stations:
        if s.time not in times:
            times[s.time] = _iso(s.time)
        props = {
            "id": s.id,
            "name": s.name,
            "aqi": s.aqi,
            "category": s.category,
            "color": station_colour(s.aqi, s.standard),
            "primary": list(s.primary),
            "values": dict(s.values),
            "iaqi": dict(s.iaqi),
            "aqi_24h": list(s.aqi_24h),
            "time": times[s.time],
        }
        features.append(_feature(s.id, _point(s.lat, s.lon), props))
    return _collection(features)


def fleet_geojson(drones: Sequence[DronePoint], paths: Sequence[FlightPath] = ()) -> dict[str, Any]:
    """Drones as Points (heading, battery, mode, link) and their tracks and routes as lines."""
    _unique("drone", (d.id for d in drones))
    _unique("path", (f"{p.kind}:{p.drone_id}" for p in paths))
    features = []
    for d in drones:
        props = {
            "kind": "drone",
            "id": d.id,
            "name": d.name,
            "heading_deg": _num(d.heading_deg, 1),
            "battery_pct": _num(d.battery_pct, 0),
            "mode": d.mode,
            "link": d.link,
            "altitude_m": _num(d.altitude_m, 1),
            "groundspeed_mps": _num(d.groundspeed_mps, 1),
            "armed": d.armed,
            "sortie": d.sortie,
        }
        features.append(_feature(f"drone:{d.id}", _point(d.lat, d.lon), props))
    for p in paths:
        if len(p.points) < 2:
            continue  # a line needs two positions; a lone point adds nothing to the drone mark
        lonlat = np.round(np.asarray(p.points, dtype=np.float64)[:, ::-1], COORD_DIGITS)
        geometry = {"type": "LineString", "coordinates": lonlat.tolist()}
        fid = f"{p.kind}:{p.drone_id}"
        props = {"kind": p.kind, "id": fid, "drone": p.drone_id}
        features.append(_feature(fid, geometry, props))
    return _collection(features)


def zone_colour(zone: ZoneShape) -> str:
    """Outline colour: no-fly, fence and enterprise by kind, task zones by priority."""
    if zone.kind in KIND_COLOURS:
        return KIND_COLOURS[zone.kind]
    return PRIORITY_COLOURS.get(zone.priority or 0, UNPRIORITISED_COLOUR)


def _rounded(coords: Any) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(float(c), COORD_DIGITS) for c in coords[:2]]
    return [_rounded(c) for c in coords]


def zones_geojson(zones: Sequence[ZoneShape]) -> dict[str, Any]:
    """Zones with kind, priority, revisit interval and outline colour."""
    _unique("zone", (z.id for z in zones))
    features = []
    for z in zones:
        props = {
            "id": z.id,
            "name": z.name,
            "kind": z.kind,
            "priority": z.priority,
            "revisit_minutes": _num(z.revisit_minutes, 1),
            "color": zone_colour(z),
        }
        geometry = {"type": z.geometry["type"], "coordinates": _rounded(z.geometry["coordinates"])}
        features.append(_feature(z.id, geometry, props))
    return _collection(features)


def alerts_geojson(alerts: Sequence[AlertMark]) -> dict[str, Any]:
    """Alerts as Points at the source estimate with the uncertainty radius (m) and status."""
    _unique("alert", (a.id for a in alerts))
    features = []
    for a in alerts:
        props = {
            "id": a.id,
            "text": a.text,
            "status": a.status,
            "pollutant": a.pollutant,
            "uncertainty_m": _num(a.uncertainty_m, 0),
            "time": _iso(a.time),
        }
        features.append(_feature(a.id, _point(a.lat, a.lon), props))
    return _collection(features)
