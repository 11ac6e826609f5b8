"""GeoJSON the map embeds and the live endpoints serve: colours, properties, longitude first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from maps.features import (
    NA_COLOUR,
    PRIORITY_COLOURS,
    alerts_geojson,
    fleet_geojson,
    station_colour,
    stations_geojson,
    zones_geojson,
)
from maps.model import AlertMark, DronePoint, FlightPath, StationPoint, ZoneShape
from sensors.aqi.categories import CHINA, EPA, category

GREEN, YELLOW, ORANGE, RED, PURPLE, MAROON = (c.hex for c in CHINA)


@pytest.mark.parametrize(
    ("aqi", "colour"),
    [
        (0, GREEN),
        (50, GREEN),
        (51, YELLOW),
        (100, YELLOW),
        (101, ORANGE),
        (150, ORANGE),
        (151, RED),
        (200, RED),
        (201, PURPLE),
        (300, PURPLE),
        (301, MAROON),
        (500, MAROON),
        (None, NA_COLOUR),
    ],
)
def test_station_colour_by_category_at_the_boundaries(aqi: int | None, colour: str) -> None:
    assert station_colour(aqi) == colour
    cat = category(aqi)
    s = StationPoint("S1", "站", 36.6, 116.9, aqi=aqi, category=None if cat is None else cat.index)
    assert stations_geojson([s])["features"][0]["properties"]["color"] == colour


def test_standard_colours_are_the_hj633_table() -> None:
    assert [GREEN, YELLOW, ORANGE, RED, PURPLE, MAROON] == [
        "#00e400",
        "#ffff00",
        "#ff7e00",
        "#ff0000",
        "#99004c",
        "#7e0023",
    ]
    assert station_colour(201, "epa") == EPA[4].hex == "#8f3f97"
    assert station_colour(50.2) == YELLOW  # AQI is rounded up: 50.2 is 51


def test_station_feature_carries_the_popup_data() -> None:
    t = datetime(2026, 11, 3, 14, tzinfo=timezone(timedelta(hours=8)))
    s = StationPoint(
        "S1",
        "淮阴站",
        36.65,
        116.96,
        values={"pm2_5": 80.4, "co": 1.2},
        iaqi={"pm2_5": 117, "co": 12},
        aqi=117,
        category=2,
        primary=("PM2.5",),
        aqi_24h=(90, None, 117),
        time=t,
    )
    f = stations_geojson([s])["features"][0]
    assert f["id"] == "S1"
    assert f["geometry"] == {"type": "Point", "coordinates": [116.96, 36.65]}  # longitude first
    p = f["properties"]
    assert p["values"] == {"pm2_5": 80.4, "co": 1.2}
    assert p["iaqi"] == {"pm2_5": 117, "co": 12}
    assert (p["aqi"], p["category"], p["primary"]) == (117, 2, ["PM2.5"])
    assert p["aqi_24h"] == [90, None, 117]
    assert p["time"] == "2026-11-03T06:00:00Z"  # UTC


def test_fleet_has_drones_tracks_and_routes() -> None:
    d = DronePoint("D1", "UAV-1", 36.65, 116.96, 271.26, 64, "AUTO", "OK", 80.0, 6.04, True, "S9")
    track = FlightPath("D1", "track", ((36.65, 116.95), (36.651, 116.955), (36.65, 116.96)))
    route = FlightPath("D1", "route", ((36.65, 116.96), (36.66, 116.97)))
    lone = FlightPath("D2", "track", ((36.6, 116.9),))
    features = fleet_geojson([d], [track, route, lone])["features"]
    assert [f["id"] for f in features] == ["drone:D1", "track:D1", "route:D1"]
    drone = features[0]["properties"]
    assert drone["heading_deg"] == 271.3
    assert (drone["battery_pct"], drone["mode"], drone["link"]) == (64, "AUTO", "OK")
    assert features[1]["geometry"]["coordinates"][0] == [116.95, 36.65]
    assert features[2]["properties"] == {"kind": "route", "id": "route:D1", "drone": "D1"}


def test_zone_colours_by_priority_and_kind() -> None:
    ring = {"type": "Polygon", "coordinates": [[[116.9, 36.6], [117.0, 36.6], [116.9, 36.7]]]}
    zones = [ZoneShape(f"Z{p}", "区", "area", ring, priority=p) for p in (1, 2, 3, 4)]
    zones.append(ZoneShape("NF", "禁飞", "no_fly", ring))
    props = [f["properties"] for f in zones_geojson(zones)["features"]]
    assert [p["color"] for p in props[:4]] == [PRIORITY_COLOURS[p] for p in (1, 2, 3, 4)]
    assert len(set(p["color"] for p in props)) == 5
    assert props[0]["priority"] == 1 and props[4]["kind"] == "no_fly"


def test_alert_has_source_and_uncertainty() -> None:
    a = AlertMark(
        "A1", "SO2 超标", 36.65, 116.96, 240.4, "acknowledged", "so2", datetime(2026, 1, 1)
    )
    f = alerts_geojson([a])["features"][0]
    assert f["geometry"]["coordinates"] == [116.96, 36.65]
    assert f["properties"]["uncertainty_m"] == 240
    assert f["properties"]["status"] == "acknowledged"
    assert f["properties"]["time"] == "2026-01-01T00:00:00Z"  # naive times are UTC
    aware = AlertMark("A2", "x", 36.6, 116.9, time=datetime(2026, 1, 1, 8, tzinfo=UTC))
    assert alerts_geojson([aware])["features"][0]["properties"]["time"] == "2026-01-01T08:00:00Z"
