"""No CDN at run time: every asset URL is local; a page that would fetch elsewhere is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import numpy as np
import pytest
from folium import plugins

from maps.assets import VENDOR_FILES, ExternalUrlError, external_urls, localise
from maps.basemap import BaseMap
from maps.builder import LiveSources, build_map, render_map
from maps.model import MapSnapshot, RasterOverlay, SampleGrid
from tests.maps.synthetic import district_snapshot

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
KEY = "0123456789abcdef0123456789abcdef"


def full_snapshot() -> MapSnapshot:
    """A snapshot that uses every element the map builds (all layers, rasters, grids)."""
    snap = district_snapshot(stations=30, drones=4, zones=12, seed=5)
    raster = RasterOverlay(
        "NO2", np.arange(64.0).reshape(8, 8), "EPSG:4326", (116.9, 36.6, 117.0, 36.7)
    )
    grid = SampleGrid(
        "pm2_5", np.full((6, 6), 40.0), "EPSG:32650", (490000, 4056000, 490600, 4056600)
    )
    return MapSnapshot(
        stations=snap.stations,
        drones=snap.drones,
        paths=snap.paths,
        zones=snap.zones,
        alerts=snap.alerts,
        rasters=[raster],
        grids=[grid],
    )


def asset_urls(page: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"', page)


@pytest.mark.parametrize("base", ["osm", "tianditu", "none"])
def test_every_element_renders_with_local_assets_only(base: str) -> None:
    bm = BaseMap(base, tianditu_key=KEY if base == "tianditu" else None)
    live = LiveSources(fleet_url="/api/fleet.geojson", zones_url="/api/zones.geojson")
    page = render_map(full_snapshot(), base=bm, live=live, asset_prefix="/static/vendor/").html
    urls = [js or css for js, css in asset_urls(page)]
    assert urls and all(u.startswith("/static/vendor/") for u in urls)
    assert "/static/vendor/node_modules/leaflet-realtime/dist/leaflet-realtime.js" in urls
    left = re.findall(r"https?://[^\s\"'\\]+", page)
    tiles = bm.tile_urls("zh-CN")
    assert all(any(t.startswith(u) for t in tiles) for u in left), left
    assert len(left) == len(tiles)  # each configured tile URL once, nothing else
    assert external_urls(page, tiles) == []


def test_folium_plugins_the_console_may_add_are_mapped_too() -> None:
    m = build_map(full_snapshot())
    plugins.MarkerCluster([[36.65, 116.96], [36.66, 116.97]]).add_to(m)
    plugins.HeatMap([[36.65, 116.96, 1.0]]).add_to(m)
    folium.Marker([36.65, 116.96], icon=folium.Icon(icon="plane", prefix="fa", angle=30)).add_to(m)
    page = localise(m.get_root().render(), "/assets/", BaseMap().tile_urls("zh-CN"))
    urls = {js or css for js, css in asset_urls(page)}
    assert "/assets/folium/leaflet_heat.min.js" in urls
    assert "/assets/node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css" in urls
    assert "bootstrap-glyphicons" not in page and "leaflet.awesome.rotate" not in page


def test_an_unmapped_cdn_element_is_refused() -> None:
    m = build_map(full_snapshot())
    plugins.Fullscreen().add_to(m)
    with pytest.raises(ExternalUrlError, match=r"leaflet\.fullscreen") as info:
        localise(m.get_root().render(), "/static/vendor/", BaseMap().tile_urls("zh-CN"))
    assert all("fullscreen" in u.lower() for u in info.value.urls)


def test_any_other_external_reference_is_refused() -> None:
    for page in (
        '<a href="https://example.org/x">x</a>',
        '<img src="//example.org/p.png">',
        "<style>.x { background: url('//example.org/b.png') }</style>",
        "<style>@import 'x.css';</style>",
        "<script>fetch('HTTP://EXAMPLE.ORG/api')</script>",
    ):
        with pytest.raises(ExternalUrlError):
            localise(page)
    with pytest.raises(ExternalUrlError, match=r"cdn\.example"):
        render_map(full_snapshot(), asset_prefix="https://cdn.example/vendor/")
    assert localise('<script src="/static/x.js"></script><p>a // b</p>') == (
        '<script src="/static/x.js"></script><p>a // b</p>'
    )


def test_vendor_files_are_the_pinned_npm_packages() -> None:
    lock = json.loads((VENDOR / "package-lock.json").read_text())["packages"]
    manifest = json.loads((VENDOR / "package.json").read_text())["dependencies"]
    for f in VENDOR_FILES:
        if f.package is None:
            continue
        assert manifest[f.package] == f.version, f.package  # pinned exactly
        assert lock[f"node_modules/{f.package}"]["version"] == f.version
        assert f"{f.version}" in f.cdn_url  # the version Folium asks for
        assert f.path.startswith(f"node_modules/{f.package}/")


def test_folium_default_assets_are_all_mapped() -> None:
    mapped = {f.cdn_url for f in VENDOR_FILES}
    for element in (folium.Map, plugins.Realtime, plugins.MarkerCluster, plugins.HeatMap):
        for _, url in [*element.default_js, *element.default_css]:
            assert url in mapped, url


def test_vendor_files_are_installed() -> None:
    missing = [f.path for f in VENDOR_FILES if f.path and not (VENDOR / f.path).is_file()]
    assert not missing, f"run scripts/assets (installs static/vendor): missing {missing}"
