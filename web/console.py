"""The console blueprint: the dashboard (the live sky-ground-air map, the fleet panel, open
alerts) and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_babel import get_locale

from maps import BaseMap, LiveSources, MapSnapshot, render_map
from web.security import access, csp_nonce, safe_referrer
from web.users import Role

bp = Blueprint("console", __name__)

LIVE = LiveSources(
    fleet_url="/api/fleet/geojson",
    stations_url="/api/map/stations",
    alerts_url="/api/map/alerts",
    zones_url="/api/map/zones",
    grid_url="/api/map/grid",
    fleet_interval_ms=15_000,
    stations_interval_ms=30_000,
    alerts_interval_ms=15_000,
    zones_interval_ms=15_000,
    grid_interval_ms=30_000,
)
"""The dashboard map's endpoints; the periods are its slow polls for while the page's event
stream is down (static/js/dashboard.js refreshes each layer on the events that change it)."""


def map_language() -> str:
    """The map's language for this request's locale."""
    return "en" if str(get_locale()).startswith("en") else "zh-CN"


def base_map() -> BaseMap:
    """The base map of the console's settings."""
    settings = current_app.extensions["ecopatrol.settings"]
    if settings.base_map == "tianditu":
        return BaseMap("tianditu", tianditu_key=settings.tianditu_key)
    if settings.base_map == "osm":
        return BaseMap("osm", tile_url=settings.tile_url) if settings.tile_url else BaseMap("osm")
    return BaseMap("none")


@bp.route("/")
@access(Role.VIEWER)
def dashboard():
    centre = current_app.extensions.get("ecopatrol.centre")
    fleet, alerts, page = [], [], None
    if centre is not None:
        drones, paths = centre.map_drones()
        grid = centre.map_sample_grid()
        snapshot = MapSnapshot(
            stations=tuple(centre.map_stations()),
            drones=tuple(drones),
            paths=tuple(paths),
            zones=tuple(centre.map_zones()),
            alerts=tuple(centre.map_alerts()),
            grids=() if grid is None else (grid,),
            centre=(36.6475, 116.935),
            zoom=14,
        )
        page = render_map(
            snapshot,
            base=base_map(),
            lang=map_language(),
            live=LIVE,
            asset_prefix="/static/vendor/",
            nonce=csp_nonce(),
        )
        fleet = centre.fleet_status()
        alerts = centre.list_alerts(limit=50)
    return render_template("dashboard.html", map=page, fleet=fleet, alerts=alerts)


@bp.route("/language", methods=["POST"])
@access(None)
def language():
    """Switch the console's language (zh_CN or en) for this session."""
    from web import LANGUAGES

    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_referrer())
