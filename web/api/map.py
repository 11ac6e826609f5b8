"""`/api/map`: the live map's other layers as GeoJSON — stations with their AQI (ground),
zones (ground and air), open alerts at their source estimate, and the drone sample grid (the map
cube's latest hour, one Polygon per cell with its value, IAQI and colour; read from the centre's
in-memory copy). One alert's page map reads its own two layers: the alert at its source estimate
(else where it was raised) and the candidate enterprise zones of that estimate."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, jsonify, request

from command.alerts import Alert
from command.centre.operations import OperationRefused
from maps import AlertMark, ZoneShape
from maps.features import alerts_geojson, stations_geojson, zones_geojson
from maps.grid_cells import grid_cells_geojson
from missions.zones import Zone
from web import the_centre
from web.api._common import refused
from web.api.alerts import status_of
from web.api.fleet import GEOJSON_SCHEMA
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_map", __name__, url_prefix="/api/map")


@bp.route("/stations", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Stations' latest hourly AQI, IAQI and primary pollutant (GeoJSON)",
    response=GEOJSON_SCHEMA,
)
def stations():
    return jsonify(stations_geojson(the_centre().map_stations()))


@bp.route("/zones", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="The zones in force (GeoJSON)", response=GEOJSON_SCHEMA)
def zones():
    return jsonify(zones_geojson(the_centre().map_zones()))


@bp.route("/alerts", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Open alerts at their source estimate with its uncertainty (GeoJSON)",
    response=GEOJSON_SCHEMA,
)
def alerts():
    return jsonify(alerts_geojson(the_centre().map_alerts()))


def alert_mark(alert: Alert) -> AlertMark:
    """One alert as its page's map draws it: at its source estimate with the 95 % radius when
    traced, else where it was raised."""
    if alert.source is not None:
        return AlertMark.at_source(
            str(alert.alert_id), alert.message, alert.source.estimate, status=status_of(alert)
        )
    return AlertMark(
        str(alert.alert_id),
        alert.message,
        alert.latitude_deg,
        alert.longitude_deg,
        status=status_of(alert),
    )


def candidate_shapes(alert: Alert, zones: Sequence[Zone]) -> list[ZoneShape]:
    """The zones in force named as candidate sources of the alert's estimate (none untraced)."""
    if alert.source is None:
        return []
    named = {c.name for c in alert.source.candidates}
    return [
        ZoneShape(f"z{i}", z.name, z.kind.value, z.geometry.__geo_interface__, z.priority)
        for i, z in enumerate(zones)
        if z.name in named
    ]


@bp.route("/alerts/<int:alert_id>", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="One alert at its source estimate with its uncertainty, else where it was raised "
    "(GeoJSON, one Point; 404 when unknown)",
    response=GEOJSON_SCHEMA,
)
def alert(alert_id: int):
    try:
        found = the_centre().alert_detail(alert_id)
    except OperationRefused as exc:
        return refused(exc, 404)
    return jsonify(alerts_geojson([alert_mark(found.alert)]))


@bp.route("/alerts/<int:alert_id>/zones", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="The candidate enterprise zones of one alert's source estimate (GeoJSON; none "
    "before it is traced; 404 when unknown)",
    response=GEOJSON_SCHEMA,
)
def alert_zones(alert_id: int):
    centre = the_centre()
    try:
        found = centre.alert_detail(alert_id)
    except OperationRefused as exc:
        return refused(exc, 404)
    return jsonify(zones_geojson(candidate_shapes(found.alert, centre.zones)))


@bp.route("/grid", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary=(
        "The drone sample grid: the map cube's latest hour of one pollutant, one Polygon per "
        "cell with a value (value, IAQI, category, colour); no features before the first map"
    ),
    response=GEOJSON_SCHEMA,
    query={"pollutant": "pm2_5, pm10, so2, no2, co, o3 or voc (default: the first with values)"},
)
def grid():
    asked = request.args.get("pollutant") or None
    try:
        sample = the_centre().map_sample_grid(asked)
    except OperationRefused as exc:
        return refused(exc, 400)
    if sample is None:
        return jsonify(type="FeatureCollection", pollutant=asked, time=None, features=[])
    return jsonify(grid_cells_geojson(sample))
