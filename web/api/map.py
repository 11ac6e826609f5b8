"""`/api/map`: the live map's other layers as GeoJSON — stations with their AQI (ground),
zones (ground and air) and open alerts at their source estimate."""

from __future__ import annotations

from flask import Blueprint, jsonify

from maps.features import alerts_geojson, stations_geojson, zones_geojson
from web import the_centre
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
