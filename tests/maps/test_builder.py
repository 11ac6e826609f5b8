"""The map page: layer groups and switcher, legend, one GeoJSON layer, escaping, base maps, live."""

from __future__ import annotations

import json
import re

import folium
import pytest

from maps.assets import external_urls
from maps.basemap import BaseMap
from maps.browser_js import LIBRARY, STYLE
from maps.builder import LiveLayer, LiveSources, build_map, render_map
from maps.elements import script_json
from maps.labels import TABLE
from maps.model import TEMPLATE_MARKS, AlertMark, MapError, MapSnapshot, StationPoint, ZoneShape
from sensors.aqi.categories import CHINA
from tests.maps.synthetic import district_snapshot, square

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def small() -> MapSnapshot:
    return district_snapshot(stations=20, drones=3, zones=12, seed=3)


def layer_control_names(page: str) -> tuple[list[str], list[str]]:
    """Base-layer and overlay names listed in the page's layer switcher."""
    block = re.search(r"base_layers\s*:\s*\{(.*?)\},\s*overlays\s*:\s*\{(.*?)\},", page, re.S)
    assert block, "no layer control in the page"
    name = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')
    return [json.loads(f'"{n}"') for n in name.findall(block[1])], [
        json.loads(f'"{n}"') for n in name.findall(block[2])
    ]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_three_layer_groups_and_alerts_in_the_switcher(small: MapSnapshot, lang: str) -> None:
    page = render_map(small, lang=lang).html
    text = TABLE[lang]
    bases, overlays = layer_control_names(page)
    assert overlays == [text["sky"], text["ground"], text["air"], text["alerts"]]
    assert bases == [text["base_osm"]]
    if lang == "zh-CN":
        assert [o[0] for o in overlays[:3]] == ["天", "地", "空"]


def test_layers_sit_in_their_groups(small: MapSnapshot) -> None:
    m = build_map(small)
    groups = {g.layer_name: g for g in m._children.values() if isinstance(g, folium.FeatureGroup)}
    text = TABLE["zh-CN"]

    def kinds(group: str) -> list[str]:
        return [c._name for c in groups[text[group]]._children.values()]

    assert kinds("ground") == ["Realtime", "Realtime"]  # enterprise zones, stations
    assert kinds("air") == ["Realtime", "Realtime"]  # airspace zones, fleet
    assert kinds("alerts") == ["Realtime"]
    assert kinds("sky") == []


def test_aqi_legend_in_the_standard_colours(small: MapSnapshot) -> None:
    page = render_map(small).html
    spec = json.loads(re.search(r"EcoMap\.legend\(\w+, (\{.*?\})\);", page)[1])
    assert spec["title"] == TABLE["zh-CN"]["legend_title"]
    assert [r["color"] for r in spec["rows"]] == [c.hex for c in CHINA]
    assert [r["name"] for r in spec["rows"]] == [c.zh for c in CHINA]
    assert [r["range"] for r in spec["rows"]] == [
        "0–50",
        "51–100",
        "101–150",
        "151–200",
        "201–300",
        ">300",
    ]
    en = json.loads(
        re.search(r"EcoMap\.legend\(\w+, (\{.*?\})\);", render_map(small, lang="en").html)[1]
    )
    assert [r["name"] for r in en["rows"]] == [c.en for c in CHINA]


SOURCE = "EcoMap.source("


def embedded_collections(page: str) -> list[dict]:
    """The GeoJSON collections the live layers start from."""
    decoder, out, at = json.JSONDecoder(), [], page.find(SOURCE)
    while at >= 0:
        collection, end = decoder.raw_decode(page, at + len(SOURCE))
        out.append(collection)
        at = page.find(SOURCE, end)
    return out


def without_data(page: str) -> str:
    """The page less its embedded collections and Folium's random element ids."""
    for collection in embedded_collections(page):
        page = page.replace(script_json(collection), "")
    return re.sub(r"_[0-9a-f]{32}", "_ID", page)


def test_two_thousand_stations_are_one_geojson_layer() -> None:
    few = district_snapshot(stations=10, drones=0, zones=0)
    many = district_snapshot(stations=2000, drones=0, zones=0)
    pages = [render_map(few).html, render_map(many).html]
    for page, n in zip(pages, (10, 2000), strict=True):
        assert page.count("L.realtime(") == 2  # stations + alerts, whatever the station count
        stations = [
            c for c in embedded_collections(page) if c["features"][0]["id"].startswith("ST")
        ]
        assert len(stations) == 1 and len(stations[0]["features"]) == n
    # no per-station code: the pages differ only in the embedded data
    assert without_data(pages[0]) == without_data(pages[1])
    m = build_map(many)
    assert sum(isinstance(e, folium.CircleMarker) for e in m._children.values()) == 0


def test_user_strings_are_escaped_in_the_page() -> None:
    zone = ZoneShape("Z1", EVIL, "area", square(36.65, 116.96, 0.01), priority=1)
    station = StationPoint("S1", EVIL, 36.65, 116.96)
    alert = AlertMark("A1", EVIL + "</script><b>", 36.65, 116.96, 100.0)
    page = render_map(MapSnapshot(stations=[station], zones=[zone], alerts=[alert])).html
    assert EVIL not in page and "</script><b>" not in page
    assert page.count("<script") == page.count("</script>")  # no tag opened or closed by data
    names = [
        f["properties"].get("name") or f["properties"]["text"]
        for c in embedded_collections(page)
        for f in c["features"]
    ]
    assert names.count(EVIL) == 2 and EVIL + "</script><b>" in names  # still the text, as JSON
    assert "\\u003cscript\\u003e" in page


def test_template_syntax_in_data_stays_text() -> None:
    zone = ZoneShape("Z1", "{{ 7*7 }} {% if 1 %}x{% endif %}", "area", square(36.6, 116.9, 0.01))
    page = render_map(MapSnapshot(zones=[zone])).html
    names = [f["properties"]["name"] for c in embedded_collections(page) for f in c["features"]]
    assert names == ["{{ 7*7 }} {% if 1 %}x{% endif %}"]
    assert not any(mark in LIBRARY or mark in STYLE for mark in TEMPLATE_MARKS)


def test_browser_code_builds_nodes_never_html() -> None:
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in LIBRARY
    # popups and tooltips are given functions returning nodes, never strings
    assert re.findall(r"bind(?:Popup|Tooltip)\(([^,]+),", LIBRARY) == [
        "function () { return build(layer.feature); }",
        "content",
    ]
    assert "html: box" in LIBRARY and "textContent" in LIBRARY


def test_base_maps() -> None:
    snap = MapSnapshot(stations=[StationPoint("S1", "站", 36.65, 116.96)])
    osm = render_map(
        snap, base=BaseMap("osm", tile_url="https://tiles.bureau.example/{z}/{x}/{y}.png")
    ).html
    assert '"https://tiles.bureau.example/{z}/{x}/{y}.png"' in osm
    none = render_map(snap, base=BaseMap("none")).html
    assert "L.tileLayer(" not in none
    assert layer_control_names(none)[0] == []
    key = "0123456789abcdef0123456789abcdef"
    for lang, note in (("zh-CN", "cva"), ("en", "eva")):
        page = render_map(snap, base=BaseMap("tianditu", tianditu_key=key), lang=lang).html
        urls = re.findall(r'L\.tileLayer\(\s*"([^"]+)"', page)
        assert [u.split("/")[3] for u in urls] == ["vec_w", f"{note}_w"]
        assert all(u.endswith(f"tk={key}") and "TILEMATRIXSET=w" in u for u in urls)
    image = render_map(
        snap, base=BaseMap("tianditu", tianditu_key=key, tianditu_style="image")
    ).html
    assert "img_w/wmts" in image and "cia_w/wmts" in image


def test_live_layers_refresh_from_the_given_endpoints(small: MapSnapshot) -> None:
    live = LiveSources(
        fleet_url="/api/fleet.geojson",
        stations_url="/api/stations.geojson",
        alerts_url="/api/alerts.geojson",
        fleet_interval_ms=1500,
    )
    m = build_map(small, live=live)
    layers = [
        c for g in m._children.values() for c in g._children.values() if isinstance(c, LiveLayer)
    ]
    sources = [
        re.search(r',\s*("[^"]*"|null)(?:,\s*("\w+"))?\)$', layer.src.js_code) for layer in layers
    ]
    by_url = {found[1]: layer for found, layer in zip(sources, layers, strict=True)}
    assert set(by_url) == {
        '"/api/fleet.geojson"',
        '"/api/stations.geojson"',
        '"/api/alerts.geojson"',
        "null",
    }
    # layers with an endpoint are registered by kind for EcoMap.refresh; the others are not
    kinds = {found[1]: found[2] for found in sources}
    assert kinds == {
        '"/api/fleet.geojson"': '"fleet"',
        '"/api/stations.geojson"': '"station"',
        '"/api/alerts.geojson"': '"alert"',
        "null": None,
    }
    fleet = by_url['"/api/fleet.geojson"']
    assert fleet.options["interval"] == 1500
    assert fleet.options["update_feature"].js_code == "EcoMap.updateFleet"
    assert fleet.options["remove_missing"] is True
    page = render_map(small, live=live).html
    assert 'EcoMap.source({"type":"FeatureCollection"' in page
    assert "leaflet-realtime.js" in page


def test_parts_for_a_console_page(small: MapSnapshot) -> None:
    parts = render_map(small, asset_prefix="/static/vendor/")
    map_id = re.search(r'id="(map_[0-9a-f]{32})"', parts.body)[1]
    assert f"var {map_id} = L.map(" in parts.script and "EcoMap.legend(" in parts.script
    assert "/static/vendor/node_modules/leaflet/dist/leaflet.js" in parts.header
    assert "window.EcoMap" in parts.header and "<script" not in parts.script
    assert all(not external_urls(p, BaseMap().tile_urls("zh-CN")) for p in parts.__dict__.values())
    assert (
        parts.html.index(parts.header)
        < parts.html.index(parts.body)
        < parts.html.index(parts.script)
    )


def test_a_nonce_marks_every_inline_script_and_style(small: MapSnapshot) -> None:
    page = render_map(small, nonce="c2VjcmV0LW5vbmNl").html
    tags = re.findall(r"<(?:script|style)\b[^>]*>", page)
    inline = [t for t in tags if "src=" not in t]
    assert len(inline) >= 5 and all('nonce="c2VjcmV0LW5vbmNl"' in t for t in inline)
    assert all("nonce" not in t for t in tags if "src=" in t)
    with pytest.raises(MapError, match="nonce"):
        render_map(small, nonce='x" onload="alert(1)')
