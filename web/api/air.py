"""`/api/air`: the stations table (AQI, IAQI per column, primary pollutant, category and its
HJ 633 colour), a station's hourly series from the station cube, and both as CSV."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from command.centre.operations import OperationRefused
from command.centre.ops_air import StationAqi, StationSeries, series_csv, stations_csv
from web import the_centre
from web.api._common import iso, refused
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_air", __name__, url_prefix="/api/air")

STATION = {
    "type": "object",
    "properties": {
        "station_id": {"type": "string"},
        "name": {"type": "string"},
        "aqi": {"type": ["integer", "null"]},
        "category": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
        "colour": {"type": "string"},
        "primary": {"type": "array", "items": {"type": "string"}},
        "iaqi": {"type": "object"},
        "values": {"type": "object"},
        "time_utc": {"type": ["string", "null"], "format": "date-time"},
    },
}
SERIES = {
    "type": "object",
    "properties": {
        "station_id": {"type": "string"},
        "times": {"type": "array", "items": {"type": "string", "format": "date-time"}},
        "values": {"type": "object"},
        "units": {"type": "object"},
        "aqi": {"type": "array", "items": {"type": ["integer", "null"]}},
    },
}


def station_json(row: StationAqi) -> dict[str, Any]:
    """A station's latest report."""
    return {**asdict(row), "time_utc": iso(row.time_utc), "primary": list(row.primary)}


def series_json(series: StationSeries) -> dict[str, Any]:
    """A station's series."""
    return {**asdict(series), "times": [iso(t) for t in series.times], "aqi": list(series.aqi)}


def _hours() -> int:
    text = request.args.get("hours", "48")
    if not text.isdigit():
        abort(400, f"hours: a whole number of hours, got {text[:20]!r}")
    return int(text)


def _csv(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/stations", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Every station's latest hourly AQI report (HJ 633-2026)",
    response={"type": "object", "properties": {"stations": {"type": "array", "items": STATION}}},
)
def stations():
    return jsonify(stations=[station_json(r) for r in the_centre().station_table()])


@bp.route("/stations.csv", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="The stations table as CSV", stream="text/csv")
def stations_download():
    return _csv(stations_csv(the_centre().station_table()), "stations.csv")


@bp.route("/stations/<station_id>/series", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="A station's hourly values and AQI from the station cube",
    response=SERIES,
    query={"hours": "how many recent hours (1 … 744, default 48)"},
)
def series(station_id: str):
    try:
        return jsonify(series_json(the_centre().station_series(station_id, _hours())))
    except OperationRefused as exc:
        return refused(exc, 404)


@bp.route("/stations/<station_id>/series.csv", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="A station's hourly series as CSV",
    stream="text/csv",
    query={"hours": "how many recent hours (1 … 744, default 48)"},
)
def series_download(station_id: str):
    try:
        found = the_centre().station_series(station_id, _hours())
    except OperationRefused as exc:
        return refused(exc, 404)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in station_id)[:60]
    return _csv(series_csv(found), f"station-{safe}.csv")
