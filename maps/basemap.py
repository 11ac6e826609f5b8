"""Base maps: OpenStreetMap (tile URL from config), Tianditu (with a key) or none.

Tianditu's tiles are CGCS2000, which agrees with WGS84 to centimetres, so they take WGS84
overlays with no offset; its ``*_w`` layers are the Web Mercator tile matrix Leaflet uses.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import folium

from maps.model import MapError, plain_text

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
TIANDITU_ATTRIBUTION = "© 天地图 Tianditu"
_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_LAYERS = {
    # style → (base layer, annotation layer in Chinese, in English)
    "vector": ("vec", "cva", "eva"),
    "image": ("img", "cia", "eia"),
}
_KEY = re.compile(r"[A-Za-z0-9]{8,128}")


@dataclass(frozen=True)
class BaseMap:
    """Which tiles lie under the map: kind "osm", "tianditu" or "none"."""

    kind: str = "osm"
    tile_url: str = OSM_TILES  # osm: an XYZ template with {z}, {x}, {y}
    attribution: str = OSM_ATTRIBUTION
    tianditu_key: str | None = None
    tianditu_style: str = "vector"  # or "image"
    max_zoom: int = 18

    def __post_init__(self) -> None:
        if self.kind not in ("osm", "tianditu", "none"):
            raise MapError("base map", "kind", f"must be osm, tianditu or none, got {self.kind!r}")
        if self.kind == "osm":
            parts = urlsplit(self.tile_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise MapError(
                    "base map", "tile_url", f"needs an http(s) URL, got {self.tile_url!r}"
                )
            if not all(k in self.tile_url for k in ("{z}", "{x}", "{y}")):
                raise MapError("base map", "tile_url", "needs {z}, {x} and {y} placeholders")
            if any(c in self.tile_url for c in "\"'<> \\"):
                raise MapError("base map", "tile_url", "contains a quote, bracket or space")
            plain_text("base map", "tile_url", self.tile_url)
            plain_text("base map", "attribution", self.attribution)
        if self.kind == "tianditu":
            if not isinstance(self.tianditu_key, str) or not _KEY.fullmatch(self.tianditu_key):
                raise MapError(
                    "base map", "tianditu_key", "needs the Tianditu key (letters, digits)"
                )
            if self.tianditu_style not in _TIANDITU_LAYERS:
                raise MapError("base map", "tianditu_style", "must be vector or image")

    def layers(self, lang: str, labels: dict[str, str]) -> list[folium.TileLayer]:
        """The tile layers, base first (annotations of Tianditu as an overlay on top)."""
        if self.kind == "none":
            return []
        if self.kind == "osm":
            layer = folium.TileLayer(
                tiles=self.tile_url,
                attr=html.escape(self.attribution),  # Leaflet shows attributions as HTML
                name=labels["base_osm"],
                max_zoom=self.max_zoom,
                overlay=False,
                control=True,
            )
            return [layer]
        base, note_zh, note_en = _TIANDITU_LAYERS[self.tianditu_style]
        note = note_en if lang == "en" else note_zh
        name = labels[f"base_tianditu_{self.tianditu_style}"]
        common = {"attr": TIANDITU_ATTRIBUTION, "subdomains": "01234567", "max_zoom": self.max_zoom}
        return [
            folium.TileLayer(tiles=self.url(base), name=name, overlay=False, **common),
            folium.TileLayer(
                tiles=self.url(note), name=f"{name} ·", overlay=True, control=False, **common
            ),
        ]

    def url(self, layer: str) -> str:
        """A Tianditu layer's tile URL template with the key."""
        return _TIANDITU.format(layer=layer, key=self.tianditu_key)

    def tile_urls(self, lang: str) -> tuple[str, ...]:
        """Every tile URL template the map may request (the only external URLs allowed)."""
        if self.kind == "none":
            return ()
        if self.kind == "osm":
            return (self.tile_url,)
        base, note_zh, note_en = _TIANDITU_LAYERS[self.tianditu_style]
        return (self.url(base), self.url(note_en if lang == "en" else note_zh))
