"""The page's JS/CSS from the console itself: every CDN URL Folium writes is mapped to its file.

``scripts/assets`` installs the npm packages of ``static/vendor/package-lock.json`` into
``static/vendor/node_modules`` and copies Folium's own template scripts to
``static/vendor/folium``; the console serves that folder at the asset prefix. A rendered page
that would still load anything from another host is refused (ExternalUrlError), so a Folium
element whose CDN URL is not in VENDOR_FILES can never bring a CDN back silently.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

DEFAULT_PREFIX = "/static/vendor/"


@dataclass(frozen=True)
class VendorFile:
    """A CDN URL Folium writes, the npm package and version it comes from, and its local path.

    ``path`` is relative to the asset prefix; None drops the tag (nothing on npm provides it
    and no element the map uses needs it).
    """

    cdn_url: str
    path: str | None
    package: str | None = None
    version: str | None = None


_NPM = "node_modules/"
VENDOR_FILES: tuple[VendorFile, ...] = (
    VendorFile(
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        _NPM + "leaflet/dist/leaflet.js",
        "leaflet",
        "1.9.3",
    ),
    VendorFile(
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        _NPM + "leaflet/dist/leaflet.css",
        "leaflet",
        "1.9.3",
    ),
    VendorFile(
        "https://code.jquery.com/jquery-3.7.1.min.js",
        _NPM + "jquery/dist/jquery.min.js",
        "jquery",
        "3.7.1",
    ),
    VendorFile(
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        _NPM + "bootstrap/dist/js/bootstrap.bundle.min.js",
        "bootstrap",
        "5.2.2",
    ),
    VendorFile(
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        _NPM + "bootstrap/dist/css/bootstrap.min.css",
        "bootstrap",
        "5.2.2",
    ),
    VendorFile(
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        _NPM + "@fortawesome/fontawesome-free/css/all.min.css",
        "@fortawesome/fontawesome-free",
        "6.2.0",
    ),
    VendorFile(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        _NPM + "drmonty-leaflet-awesome-markers/js/leaflet.awesome-markers.js",
        "drmonty-leaflet-awesome-markers",
        "2.0.2",
    ),
    VendorFile(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        _NPM + "drmonty-leaflet-awesome-markers/css/leaflet.awesome-markers.css",
        "drmonty-leaflet-awesome-markers",
        "2.0.2",
    ),
    VendorFile(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet-realtime/2.2.0/leaflet-realtime.js",
        _NPM + "leaflet-realtime/dist/leaflet-realtime.js",
        "leaflet-realtime",
        "2.2.0",
    ),
    VendorFile(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js",
        _NPM + "leaflet.markercluster/dist/leaflet.markercluster.js",
        "leaflet.markercluster",
        "1.1.0",
    ),
    VendorFile(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
        _NPM + "leaflet.markercluster/dist/MarkerCluster.css",
        "leaflet.markercluster",
        "1.1.0",
    ),
    VendorFile(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css",
        _NPM + "leaflet.markercluster/dist/MarkerCluster.Default.css",
        "leaflet.markercluster",
        "1.1.0",
    ),
    VendorFile(
        "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js",
        "folium/leaflet_heat.min.js",
    ),
    # Bootstrap 3.0.0's separate glyphicons sheet is not on npm; only Awesome Markers drawn
    # with the "glyphicon" prefix use it.
    VendorFile(
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css", None
    ),
    # Folium's rotation classes for Awesome Markers are not in its wheel; drones are rotated
    # by the map's own icons.
    VendorFile(
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
        None,
    ),
)
_BY_URL = {f.cdn_url: f for f in VENDOR_FILES}

_ASSET_TAG = re.compile(
    r'<script src="(?P<js>[^"]+)"></script>\s*'
    r'|<link rel="stylesheet" href="(?P<css>[^"]+)"\s*/?>\s*'
)
_URL_END = re.compile(r"""[\s"'<>()\\]""")
_RELATIVE_LEAD = re.compile(r"""(?:(?:src|href)\s*=\s*["']|url\(\s*["']?)$""")
"""What stands before a protocol-relative //host reference in a tag or a stylesheet."""


class ExternalUrlError(ValueError):
    """A rendered page would fetch from a host other than the console's own."""

    def __init__(self, urls: list[str]) -> None:
        shown = ", ".join(sorted(set(urls))[:10])
        super().__init__(
            f"the map page would load {len(set(urls))} external URL(s): {shown}; "
            "map it in maps.assets.VENDOR_FILES to a file installed by scripts/assets"
        )
        self.urls = sorted(set(urls))


def _forms(url: str) -> set[str]:
    """The ways a URL can appear in the page: raw, JSON-escaped, HTML-safe JSON, HTML-escaped."""
    safe_json = json.dumps(url)
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        safe_json = safe_json.replace(ch, code)
    return {
        url,
        json.dumps(url)[1:-1],
        safe_json[1:-1],
        html_lib.escape(url),
        str(Markup.escape(url)),
    }


def external_urls(page: str, allowed: Iterable[str] = ()) -> list[str]:
    """Every URL left in the page that points off the console, less the allowed tile URLs."""
    for url in allowed:
        for form in sorted(_forms(url), key=len, reverse=True):
            page = page.replace(form, "")
    low = page.lower()
    found = []
    for scheme in ("http://", "https://"):
        start = low.find(scheme)
        while start >= 0:
            end = _URL_END.search(page, start)
            stop = end.start() if end else len(page)
            found.append(page[start:stop])
            start = low.find(scheme, stop)
    start = low.find("//")
    while start >= 0:
        if _RELATIVE_LEAD.search(low, max(0, start - 12), start):
            end = _URL_END.search(page, start)
            found.append(page[start : end.start() if end else len(page)])
        start = low.find("//", start + 2)
    if "@import" in low:
        found.append("@import")
    return found


def localise(page: str, prefix: str = DEFAULT_PREFIX, allowed: Iterable[str] = ()) -> str:
    """The page with every CDN script/stylesheet served from prefix; raises if any URL stays."""
    if not prefix.endswith("/"):
        prefix += "/"

    def local(match: re.Match[str]) -> str:
        url = match["js"] or match["css"]
        vendor = _BY_URL.get(url)
        if vendor is None:
            return match[0]
        if vendor.path is None:
            return ""
        return match[0].replace(url, html_lib.escape(prefix + vendor.path))

    page = _ASSET_TAG.sub(local, page)
    left = external_urls(page, allowed)
    if left:
        raise ExternalUrlError(left)
    return page
