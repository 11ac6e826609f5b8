"""`/api/map`: the live map's other layers as GeoJSON — stations with their AQI (ground),
zones (ground and air), open alerts at their source estimate, and the drone sample grid (the map
cube's latest hour, one Polygon per cell with its value, IAQI and colour; read from the centre's
in-memory copy)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from command.centre.operations import OperationRefused
from maps.features import alerts_geojson, stations_geojson, zones_geojson
from maps.grid_cells import grid_cells_geojson
from web import the_centre
from web.api._common import refused
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
