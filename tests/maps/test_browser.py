"""The map in a real browser (Debian's headless Chromium) over a real local HTTP server.

The page is served with its vendor files from 127.0.0.1; a probe script appended to the page
reads what Leaflet drew, and Chromium's network log shows every request it made.
"""

from __future__ import annotations

import functools
import html
import json
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from maps.basemap import BaseMap
from maps.builder import LiveSources, render_map
from maps.features import fleet_geojson
from maps.model import AlertMark, DronePoint, MapSnapshot, StationPoint, ZoneShape
from sensors.aqi.categories import CHINA, category
from tests.maps.synthetic import square

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
NONCE = "bWFwLXRlc3Qtbm9uY2U="
CSP = (
    f"default-src 'self'; script-src 'self' 'nonce-{NONCE}'; style-src 'self' 'nonce-{NONCE}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'"
)
WATCH = f"""<script nonce="{NONCE}">
window.violations = [];
document.addEventListener("securitypolicyviolation", function (e) {{
  window.violations.push(e.violatedDirective + " " + e.blockedURI);
}});
</script>"""
EVIL = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
BOUNDARY_AQI = (50, 51, 100, 101, 150, 151, 200, 201, 300, 301)

PROBE = (
    f'<script nonce="{NONCE}">'
    + """
setTimeout(function () {
  var map = window[Object.keys(window).filter(function (k) { return k.indexOf("map_") === 0; })[0]];
  var out = {stations: {}, pwned: window.pwned || 0, violations: window.violations};
  map.eachLayer(function (l) {
    if (!l.feature) { return; }
    var p = l.feature.properties;
    if (p.aqi !== undefined) { out.stations[p.id] = l.options.fillColor; }
    if (p.kind === "drone") {
      var ll = l.getLatLng(), arrow = l.getElement().querySelector(".eco-drone-arrow");
      out.drone = {lat: ll.lat, lon: ll.lng, rotate: arrow.style.transform,
                   label: l.getElement().textContent};
    }
    if (p.id === "EVIL") {
      l.openPopup();
      var box = l.getPopup().getElement().querySelector(".leaflet-popup-content");
      out.popup = {title: box.querySelector(".eco-title").textContent,
                   elements: box.querySelectorAll("img, script").length};
      l.closePopup();
    }
  });
  out.overlays = Array.prototype.map.call(
    document.querySelectorAll(".leaflet-control-layers-overlays label"),
    function (n) { return n.textContent.trim(); });
  out.legend = Array.prototype.map.call(document.querySelectorAll(".eco-swatch"),
    function (n) { return n.style.background; });
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 2500);
</script>
"""
)


class Console(SimpleHTTPRequestHandler):
    """Serves the page folder; /api/fleet.geojson answers the drone's moved position."""

    fleet: bytes = b""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def do_GET(self) -> None:
        if self.path.startswith("/api/fleet.geojson"):
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Length", str(len(self.fleet)))
            self.end_headers()
            self.wfile.write(self.fleet)
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def console(tmp_path: Path):
    """An HTTP server on 127.0.0.1 serving tmp_path and the vendor files."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "vendor").symlink_to(VENDOR)
    moved = DronePoint("D1", "UAV-1", 36.6600, 116.9800, 90.0, 18.0, "RTL", "OK")
    Console.fleet = json.dumps(fleet_geojson([moved])).encode()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Console, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def snapshot() -> MapSnapshot:
    stations = []
    for i, aqi in enumerate(BOUNDARY_AQI):
        band = category(aqi)
        stations.append(
            StationPoint(
                f"S{aqi}", f"站 {aqi}", 36.64 + i * 0.002, 116.95, aqi=aqi, category=band.index
            )
        )
    zone = ZoneShape("EVIL", EVIL, "area", square(36.65, 116.96, 0.004), priority=1)
    drone = DronePoint("D1", "UAV-1", 36.6500, 116.9600, 0.0, 80.0, "AUTO", "OK")
    alert = AlertMark("A1", EVIL, 36.652, 116.962, 150.0)
    return MapSnapshot(stations=stations, drones=[drone], zones=[zone], alerts=[alert], zoom=13)


def chromium() -> str:
    path = shutil.which("chromium")
    assert path, "Debian's chromium is needed for the browser tests (scripts/system-packages)"
    return path


def test_map_in_chromium_draws_moves_and_escapes(console) -> None:
    folder, origin = console
    page = render_map(
        snapshot(),
        base=BaseMap("none"),
        live=LiveSources(fleet_url="/api/fleet.geojson", fleet_interval_ms=500),
        nonce=NONCE,
    ).html
    page = page.replace("<head>", "<head>" + WATCH, 1).replace("</body>", PROBE + "</body>")
    (folder / "map.html").write_text(page, encoding="utf-8")
    netlog = folder / "netlog.json"
    run = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={folder / 'profile'}",
            f"--log-net-log={netlog}",
            "--virtual-time-budget=6000",
            "--enable-logging=stderr",
            "--dump-dom",
            f"{origin}/map.html",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    start = run.stdout.find('<pre id="probe">')
    console_lines = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert start >= 0, "\n".join(console_lines) or run.stderr[-2000:]
    probe = json.loads(html.unescape(run.stdout[start + 16 : run.stdout.index("</pre>", start)]))

    assert probe["overlays"] == ["天 · 卫星遥感", "地 · 地面监测", "空 · 无人机", "告警"]
    assert probe["legend"] == [f"rgb({r}, {g}, {b})" for r, g, b in (c.rgb for c in CHINA)]
    assert probe["stations"] == {f"S{aqi}": category(aqi).hex for aqi in BOUNDARY_AQI}
    assert probe["popup"] == {"title": EVIL, "elements": 0}
    assert probe["pwned"] == 0
    assert probe["violations"] == []  # the page runs under a strict CSP with the nonce
    drone = probe["drone"]  # refreshed from the endpoint: moved, turned east, new mode
    assert (drone["lat"], drone["lon"]) == pytest.approx((36.66, 116.98))
    assert drone["rotate"] == "rotate(90deg)" and "RTL" in drone["label"]

    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    jobs = [e["params"] for e in log["events"] if e["type"] == start_job and "params" in e]
    # what the page asked for; Chromium's own update checks are initiated by "not an origin"
    requests = [j for j in jobs if "url" in j and j.get("initiator") != "not an origin"]
    assert {r["initiator"] for r in requests} == {origin}
    assert {urlsplit(r["url"]).netloc for r in requests} == {urlsplit(origin).netloc}
    paths = [urlsplit(r["url"]).path for r in requests]
    assert "/static/vendor/node_modules/leaflet/dist/leaflet.js" in paths
    assert "/api/fleet.geojson" in paths
