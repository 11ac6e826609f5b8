"""`/api/fleet`: every drone's telemetry, link state, battery and the sortie it flies; the
fleet as GeoJSON (drones and their tracks) for the live map.

The `/api/fleet` body is encoded once per change of the fleet: the last entries and their JSON
are kept per app, and a request whose entries equal them (snapshots are immutable; an unchanged
drone is the same object) sends the stored bytes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify

from command.centre.ops_console import FleetEntry
from maps.features import fleet_geojson
from web import the_centre
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_fleet", __name__, url_prefix="/api/fleet")
_BODY_KEY = "ecopatrol.fleet_body"

DRONE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "link": {"enum": ["CONNECTING", "OK", "LOST"]},
        "mode": {"type": "string"},
        "armed": {"type": "boolean"},
        "battery_pct": {"type": ["integer", "null"]},
        "battery_voltage_v": {"type": ["number", "null"]},
        "latitude_deg": {"type": ["number", "null"]},
        "longitude_deg": {"type": ["number", "null"]},
        "altitude_m": {"type": ["number", "null"], "description": "above home"},
        "heading_deg": {"type": ["number", "null"]},
        "groundspeed_mps": {"type": ["number", "null"]},
        "gps": {"type": "string"},
        "satellites": {"type": "integer"},
        "sortie": {
            "type": ["object", "null"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "stage": {"type": "string"},
                "reached": {"type": "integer"},
                "total": {"type": "integer"},
            },
        },
        "time_utc": {"type": ["string", "null"], "format": "date-time"},
    },
}
FLEET_SCHEMA = {
    "type": "object",
    "properties": {"drones": {"type": "array", "items": DRONE_SCHEMA}},
}
GEOJSON_SCHEMA = {"type": "object", "description": "GeoJSON FeatureCollection"}


def _num(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def drone_json(entry: FleetEntry) -> dict[str, Any]:
    """One drone as the API gives it."""
    s = entry.snapshot
    sortie = None
    if entry.sortie_id is not None:
        progress = entry.progress
        sortie = {
            "id": entry.sortie_id,
            "name": entry.sortie_name,
            "stage": entry.stage,
            "reached": progress.reached if progress else 0,
            "total": progress.total if progress else 0,
        }
    return {
        "name": entry.name,
        "link": s.link.value,
        "mode": s.mode_name,
        "armed": s.armed,
        "battery_pct": s.battery_remaining_pct,
        "battery_voltage_v": _num(s.battery_voltage_v, 2),
        "latitude_deg": _num(s.latitude_deg, 7),
        "longitude_deg": _num(s.longitude_deg, 7),
        "altitude_m": _num(s.altitude_relative_m, 1),
        "heading_deg": _num(s.heading_deg, 1),
        "groundspeed_mps": _num(s.groundspeed_mps, 1),
        "gps": s.gps_fix_label,
        "satellites": s.satellites,
        "sortie": sortie,
        "time_utc": None if s.time_utc is None else s.time_utc.isoformat(),
    }


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Every drone: link, mode, battery, position, the sortie flown", response=FLEET_SCHEMA
)
def fleet():
    entries = tuple(the_centre().fleet_status())
    return Response(_fleet_body(entries), mimetype="application/json")


@dataclass
class _Body:
    """The last fleet entries served and their encoded JSON."""

    lock: threading.Lock
    entries: tuple[FleetEntry, ...] | None = None
    body: bytes = b""


def _fleet_body(entries: tuple[FleetEntry, ...]) -> bytes:
    """The JSON of `entries` (as `jsonify` writes it), encoded again only when they changed."""
    cached: _Body = current_app.extensions.setdefault(_BODY_KEY, _Body(threading.Lock()))
    with cached.lock:
        if cached.entries == entries:
            return cached.body
    body = current_app.json.response(drones=[drone_json(e) for e in entries]).get_data()
    with cached.lock:
        cached.entries, cached.body = entries, body
    return body


@bp.route("/<name>", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="One drone's telemetry, link state and battery", response=DRONE_SCHEMA)
def drone(name: str):
    for entry in the_centre().fleet_status():
        if entry.name == name:
            return jsonify(drone_json(entry))
    abort(404, f"no drone {name!r}")


@bp.route("/geojson", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Drones and their tracks as GeoJSON (the map's air layer)", response=GEOJSON_SCHEMA
)
def geojson():
    drones, paths = the_centre().map_drones()
    return jsonify(fleet_geojson(drones, paths))
