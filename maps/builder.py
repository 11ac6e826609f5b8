"""The sky-ground-air map: one Folium map with 天 sky, 地 ground, 空 air and alert layer groups.

Vector layers are single GeoJSON layers styled in the browser (window.EcoMap reads the
feature properties), never one Python object per marker. Stations, the fleet, alerts and
zones are Leaflet Realtime layers: the snapshot's collection is drawn at once and, when the
console gives an endpoint URL, refreshed from it without reloading the page — on the layer's
own period, or at once when the page calls `EcoMap.refresh(kind)` (the console does on its
event stream, and `EcoMap.follow(true)` stops the periodic reads while the stream is up).
With a grid URL the drone sample grid is such a layer too (one polygon per cell, filled in
the cell's colour); without, it is drawn as an image as of the snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
from folium.plugins import Realtime
from folium.raster_layers import ImageOverlay
from folium.utilities import JsCode

from maps.assets import DEFAULT_PREFIX, localise
from maps.basemap import BaseMap
from maps.elements import AqiLegend, EcoMapLibrary, RawMacroElement, script_json
from maps.features import (
    GROUND_KINDS,
    alerts_geojson,
    fleet_geojson,
    stations_geojson,
    zones_geojson,
)
from maps.grid_cells import grid_cells_geojson
from maps.labels import labels as label_table
from maps.model import STANDARDS, MapError, MapSnapshot, SampleGrid
from maps.raster import MercatorImage, grid_image, raster_image

DEFAULT_CENTRE = (36.651, 116.966)
"""Huaiyin district, Jinan: where the map opens when the snapshot has nothing to centre on."""
STATIC_INTERVAL_MS = 86_400_000
"""Refresh period of a layer without an endpoint (its source then has nothing new to give)."""
EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def _endpoint(name: str, url: str | None) -> None:
    if url is not None and (not isinstance(url, str) or not url.startswith("/") or "//" in url):
        raise MapError("live sources", name, f"must be a path on the console, got {url!r}")


@dataclass(frozen=True)
class LiveSources:
    """Console endpoints (paths) the live layers refresh from, and their periods (ms)."""

    fleet_url: str | None = None
    stations_url: str | None = None
    alerts_url: str | None = None
    zones_url: str | None = None
    grid_url: str | None = None
    fleet_interval_ms: int = 1_000
    stations_interval_ms: int = 60_000
    alerts_interval_ms: int = 5_000
    zones_interval_ms: int = 60_000
    grid_interval_ms: int = 60_000

    def __post_init__(self) -> None:
        for name in ("fleet", "stations", "alerts", "zones", "grid"):
            _endpoint(f"{name}_url", getattr(self, f"{name}_url"))
            period = getattr(self, f"{name}_interval_ms")
            if isinstance(period, bool) or not isinstance(period, int) or period < 200:
                raise MapError("live sources", f"{name}_interval_ms", "must be an integer ≥ 200")


class LiveLayer(Realtime, RawMacroElement):
    """Folium's Realtime layer, rendered as text (the embedded GeoJSON is not templated)."""


class Overlay(ImageOverlay, RawMacroElement):
    """Folium's ImageOverlay, rendered as text (the PNG data URL is not templated)."""


def _live_layer(
    collection: dict[str, Any],
    url: str | None,
    interval_ms: int,
    kind: str,
    keep: str = "",
    style_code: str = "",
) -> LiveLayer:
    """One Realtime GeoJSON layer drawn by the EcoMap functions of kind; keep filters features.
    With a URL the layer is registered under its kind for `EcoMap.refresh(kind)`."""
    functions = {
        "station": ("stationPoint", "stationFeature", "stationStyle", "updateStation"),
        "fleet": ("fleetPoint", "fleetFeature", "fleetStyle", "updateFleet"),
        "zone": ("zonePoint", "zoneFeature", "zoneStyle", None),
        "alert": ("alertPoint", "alertFeature", None, "updateAlert"),
        "grid": (None, "gridFeature", "gridStyle", "updateGrid"),
    }[kind]
    point, each, style, update = functions
    options: dict[str, Any] = {"on_each_feature": JsCode(f"EcoMap.{each}")}
    if point:
        options["point_to_layer"] = JsCode(f"EcoMap.{point}")
    if style_code:
        options["style"] = JsCode(style_code)
    elif style:
        options["style"] = JsCode(f"EcoMap.{style}")
    if keep:
        options["filter"] = JsCode(f"EcoMap.{keep}")
    if kind == "grid":
        options["renderer"] = JsCode("EcoMap.renderer()")
    named = f", {script_json(kind)}" if url else ""
    return LiveLayer(
        JsCode(f"EcoMap.source({script_json(collection)}, {script_json(url)}{named})"),
        interval=interval_ms if url else STATIC_INTERVAL_MS,
        get_feature_id=JsCode("EcoMap.featureId"),
        update_feature=JsCode(f"EcoMap.{update}") if update else None,
        remove_missing=True,
        **options,
    )


def _image(image: MercatorImage, opacity: float, name: str) -> Overlay:
    return Overlay(
        image=image.rgba, bounds=image.latlon_bounds, opacity=opacity, name=name, pixelated=True
    )


def _centre(snapshot: MapSnapshot) -> tuple[float, float]:
    points = [(s.lat, s.lon) for s in snapshot.stations]
    points += [(d.lat, d.lon) for d in snapshot.drones]
    points += [(a.lat, a.lon) for a in snapshot.alerts]
    if not points:
        return DEFAULT_CENTRE
    lats, lons = zip(*points, strict=True)
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2


def build_map(
    snapshot: MapSnapshot,
    *,
    base: BaseMap | None = None,
    lang: str = "zh-CN",
    live: LiveSources | None = None,
    labels: Mapping[str, str] | None = None,
    standard: str = "hj633-2026",
) -> folium.Map:
    """The map of a snapshot: base tiles, sky/ground/air/alert groups, legend, layer switcher."""
    base = base or BaseMap()
    live = live or LiveSources()
    text = label_table(lang, labels)
    if standard not in STANDARDS:
        raise MapError("map", "standard", f"must be one of {', '.join(STANDARDS)}")
    m = folium.Map(
        location=snapshot.centre or _centre(snapshot),
        zoom_start=snapshot.zoom,
        tiles=None,
        control_scale=True,
    )
    EcoMapLibrary(text, lang, standard).add_to(m)
    for tile_layer in base.layers(lang, text):
        tile_layer.add_to(m)
    sky = folium.FeatureGroup(name=text["sky"]).add_to(m)
    ground = folium.FeatureGroup(name=text["ground"]).add_to(m)
    air = folium.FeatureGroup(name=text["air"]).add_to(m)
    alerts = folium.FeatureGroup(name=text["alerts"]).add_to(m)

    for raster in snapshot.rasters:
        _image(raster_image(raster), raster.opacity, raster.name).add_to(sky)
    grids = list(snapshot.grids)
    if live.grid_url:  # the first grid (if any yet) as live cells, the others as images
        first = grids.pop(0) if grids else None
        cells = grid_cells_geojson(first) if first else EMPTY
        opacity = first.opacity if first else SampleGrid.opacity
        style = f"EcoMap.gridStyle({script_json(opacity)})"
        _live_layer(cells, live.grid_url, live.grid_interval_ms, "grid", style_code=style).add_to(
            air
        )
    for grid in grids:
        _image(grid_image(grid), grid.opacity, f"{text['sample_grid']} {grid.pollutant}").add_to(
            air
        )

    site_zones = [z for z in snapshot.zones if z.kind in GROUND_KINDS]
    air_zones = [z for z in snapshot.zones if z.kind not in GROUND_KINDS]
    zone_url, zone_ms = live.zones_url, live.zones_interval_ms
    if site_zones or zone_url:
        layer = _live_layer(zones_geojson(site_zones), zone_url, zone_ms, "zone", "groundZone")
        layer.add_to(ground)
    if air_zones or zone_url:
        _live_layer(zones_geojson(air_zones), zone_url, zone_ms, "zone", "airZone").add_to(air)
    if snapshot.stations or live.stations_url:
        collection = stations_geojson(snapshot.stations)
        _live_layer(collection, live.stations_url, live.stations_interval_ms, "station").add_to(
            ground
        )
    if snapshot.drones or snapshot.paths or live.fleet_url:
        collection = fleet_geojson(snapshot.drones, snapshot.paths)
        _live_layer(collection, live.fleet_url, live.fleet_interval_ms, "fleet").add_to(air)
    if snapshot.alerts or live.alerts_url:
        collection = alerts_geojson(snapshot.alerts)
        _live_layer(collection, live.alerts_url, live.alerts_interval_ms, "alert").add_to(alerts)

    AqiLegend(text["legend_title"], lang, standard).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


_NONCE = re.compile(r"[A-Za-z0-9+/=_-]{8,128}")
_INLINE = re.compile(r"<(script|style)>")

PAGE = """<!DOCTYPE html>
<html>
<head>
{header}
</head>
<body>
{body}
</body>
<script>
{script}
</script>
</html>
"""
"""Folium's page layout (branca's Figure), filled with the localised parts."""


@dataclass(frozen=True)
class MapPage:
    """The map as a whole page, and as parts for a page of the console's own."""

    html: str  # the whole HTML page
    header: str  # <meta>, <link> and <script src> tags, the map's styles and browser code
    body: str  # the map's <div>
    script: str  # JavaScript to run after the body (put it in a <script> element)


def render_map(
    snapshot: MapSnapshot,
    *,
    base: BaseMap | None = None,
    lang: str = "zh-CN",
    live: LiveSources | None = None,
    labels: Mapping[str, str] | None = None,
    standard: str = "hj633-2026",
    asset_prefix: str = DEFAULT_PREFIX,
    nonce: str | None = None,
) -> MapPage:
    """The map page, JS/CSS served from asset_prefix; raises if any URL would be external.

    With a nonce, every inline <script> and <style> of the page carries it, so the console's
    Content-Security-Policy can allow exactly those (wrap ``script`` in a <script nonce=…>).
    """
    if nonce is not None and not _NONCE.fullmatch(nonce):
        raise MapError("map", "nonce", "must be 8–128 base64 characters")
    base = base or BaseMap()
    m = build_map(snapshot, base=base, lang=lang, live=live, labels=labels, standard=standard)
    root = m.get_root()
    for child in list(root._children.values()):
        child.render()  # as Figure.render does, filling header, html and script once
    tiles = base.tile_urls(lang)
    header, body, script = (
        localise(part.render(), asset_prefix, tiles)
        for part in (root.header, root.html, root.script)
    )
    if nonce is not None:
        header, body = (_INLINE.sub(rf'<\1 nonce="{nonce}">', part) for part in (header, body))
    page = PAGE.format(header=header, body=body, script=script)
    if nonce is not None:
        page = page.replace("</body>\n<script>", f'</body>\n<script nonce="{nonce}">')
    return MapPage(page, header, body, script)
