"""Map benchmark: build time and HTML size of the district map, ours vs plain Folium.

2,000 stations + 50 drones (tracks, routes) + 200 zones + 5 alerts. Ours: one GeoJSON layer
per kind, styled in the browser. Baseline, measured in the same run: plain Folium with one
CircleMarker (popup and tooltip) per station, a Marker per drone, a PolyLine per path and one
GeoJson of the zones. Goals: under 0.3 s and 2 MB.

Run: .venv/bin/python bench/bench_maps.py   (prints figures, asserts nothing)
"""

from __future__ import annotations

import dataclasses
import gzip
import html
import json
import statistics
import sys
import time
from pathlib import Path

import folium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from maps.builder import LiveSources, render_map
from maps.features import station_colour, zones_geojson
from maps.model import MapSnapshot, StationPoint
from tests.maps.synthetic import district_snapshot

RUNS = 7
LIVE = LiveSources(
    fleet_url="/api/fleet.geojson",
    stations_url="/api/stations.geojson",
    alerts_url="/api/alerts.geojson",
)


def plain_folium(snap: MapSnapshot) -> str:
    """The same map drawn the plain way: one Folium object per station, drone and path."""
    m = folium.Map(location=snap.centre, zoom_start=snap.zoom)
    for s in snap.stations:
        rows = "".join(
            f"<tr><th>{k}</th><td>{v}</td><td>{s.iaqi.get(k)}</td></tr>"
            for k, v in s.values.items()
        )
        popup = f"<b>{html.escape(s.name)}</b><br>AQI {s.aqi}<table>{rows}</table>"
        folium.CircleMarker(
            [s.lat, s.lon],
            radius=7,
            color="#263238",
            weight=1,
            fill=True,
            fill_color=station_colour(s.aqi),
            fill_opacity=0.9,
            popup=folium.Popup(popup, max_width=280),
            tooltip=html.escape(s.name),
        ).add_to(m)
    for d in snap.drones:
        folium.Marker(
            [d.lat, d.lon],
            icon=folium.Icon(icon="plane", prefix="fa", angle=int(d.heading_deg or 0)),
            tooltip=f"{d.name} {d.battery_pct:.0f}% {d.mode}",
        ).add_to(m)
    for p in snap.paths:
        dash = "6 6" if p.kind == "route" else None
        folium.PolyLine(p.points, weight=2, dash_array=dash).add_to(m)
    folium.GeoJson(zones_geojson(snap.zones), name="zones").add_to(m)
    folium.LayerControl().add_to(m)
    return m.get_root().render()


def timed(build, snap: MapSnapshot, runs: int = RUNS) -> tuple[float, str]:
    """Median wall time (s) of building the page, and the page."""
    page = build(snap)  # warm-up: imports, template compilation
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        page = build(snap)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), page


def sparkline_svg(series: tuple[int | None, ...]) -> str:
    """The per-station alternative: a tiny SVG string made on the server."""
    top = max([50, *(v for v in series if v is not None)])
    pts = " ".join(
        f"{3 + 162 * i / max(len(series) - 1, 1):.1f},{33 - 30 * v / top:.1f}"
        for i, v in enumerate(series)
        if v is not None
    )
    line = f'<polyline points="{pts}" fill="none" stroke="#37474f"/>'
    return f'<svg width="168" height="36">{line}</svg>'


def main() -> None:
    t0 = time.perf_counter()
    snap = district_snapshot(stations=2000, drones=50, zones=200)
    print(f"snapshot made (with AQI of 2,000 stations): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    rebuilt = [
        StationPoint(**{f.name: getattr(s, f.name) for f in dataclasses.fields(s)})
        for s in snap.stations
    ]
    print(f"2,000 StationPoint objects checked: {(time.perf_counter() - t0) * 1000:.0f} ms")
    assert rebuilt == list(snap.stations)

    ours_s, ours = timed(lambda s: render_map(s, live=LIVE).html, snap)
    base_s, base = timed(plain_folium, snap, runs=3)
    rows = [
        ("ours (GeoJSON, styled in the browser)", ours_s, ours),
        ("plain Folium, one object per marker", base_s, base),
    ]
    counts = (len(snap.stations), len(snap.drones), len(snap.paths), len(snap.zones))
    print("\nmap of {} stations, {} drones, {} paths, {} zones".format(*counts))
    print(f"{'':40s} {'build s':>8s} {'HTML MB':>8s} {'gzip MB':>8s}")
    for name, seconds, page in rows:
        raw = page.encode()
        zipped = len(gzip.compress(raw)) / 1e6
        print(f"{name:40s} {seconds:8.3f} {len(raw) / 1e6:8.2f} {zipped:8.2f}")
    ours_mb, base_mb = len(ours.encode()) / 1e6, len(base.encode()) / 1e6
    print(f"ratio plain/ours: build {base_s / ours_s:.1f}×, size {base_mb / ours_mb:.1f}×")
    met = {True: "met", False: "NOT met"}
    print(f"goals: build < 0.3 s {met[ours_s < 0.3]}; HTML < 2 MB {met[ours_mb < 2.0]}")

    series = sum(len(json.dumps(list(s.aqi_24h), separators=(",", ":"))) for s in snap.stations)
    svgs = sum(len(sparkline_svg(s.aqi_24h)) for s in snap.stations)
    print(
        f"\nsparklines: 24 h series in the GeoJSON {series / 1e3:.0f} kB (drawn in the browser)"
        f" vs an SVG string per station {svgs / 1e3:.0f} kB"
    )


if __name__ == "__main__":
    main()
