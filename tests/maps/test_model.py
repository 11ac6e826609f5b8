"""Snapshot values are checked when made: a bad one is refused with the item and field named."""

from __future__ import annotations

import math

import numpy as np
import pytest

from maps.basemap import BaseMap
from maps.builder import LiveSources
from maps.features import fleet_geojson, stations_geojson
from maps.labels import labels
from maps.model import (
    AlertMark,
    DronePoint,
    FlightPath,
    MapError,
    RasterOverlay,
    SampleGrid,
    StationPoint,
    ZoneShape,
)
from sensors.analysis.tracing import SourceEstimate

POINT = {"type": "Point", "coordinates": [116.96, 36.65]}


def refused(field: str, make) -> MapError:
    with pytest.raises(MapError) as info:
        make()
    assert info.value.field == field, str(info.value)
    return info.value


def test_station_fields_are_checked() -> None:
    err = refused("lat", lambda: StationPoint("S1", "站", 91.0, 116.9))
    assert "station 'S1'" in str(err)
    refused("lon", lambda: StationPoint("S1", "站", 36.6, math.nan))
    refused("values.pm2_5", lambda: StationPoint("S1", "站", 36.6, 116.9, {"pm2_5": -1.0}))
    refused(
        "aqi_24h[3]", lambda: StationPoint("S1", "站", 36.6, 116.9, aqi_24h=(1, 2, 3, math.inf))
    )
    refused("name", lambda: StationPoint("S1", " ", 36.6, 116.9))


def test_station_category_must_agree_with_its_aqi() -> None:
    assert StationPoint("S1", "站", 36.6, 116.9, aqi=100, category=1).category == 1
    refused("category", lambda: StationPoint("S1", "站", 36.6, 116.9, aqi=101, category=1))
    refused("category", lambda: StationPoint("S1", "站", 36.6, 116.9, aqi=None, category=0))
    refused("category", lambda: StationPoint("S1", "站", 36.6, 116.9, aqi=40))


def test_drone_path_zone_alert_fields_are_checked() -> None:
    refused("link", lambda: DronePoint("D1", "D1", 36.6, 116.9, link="UP"))
    refused("battery_pct", lambda: DronePoint("D1", "D1", 36.6, 116.9, battery_pct=130))
    refused("kind", lambda: FlightPath("D1", "plan", ((36.6, 116.9),)))
    refused("lat", lambda: FlightPath("D1", "track", ((36.6, 116.9), (95.0, 116.9))))
    refused("points", lambda: FlightPath("D1", "track", ((36.6, 116.9), (36.6,))))
    refused("priority", lambda: ZoneShape("Z1", "区", "area", POINT, priority=7))
    refused("kind", lambda: ZoneShape("Z1", "区", "lake", POINT))
    refused("geometry", lambda: ZoneShape("Z1", "区", "area", {"type": "Circle"}))
    bad_ring = {"type": "Polygon", "coordinates": [[[116.9, 36.6], [216.9, 36.6], [116.9, 36.7]]]}
    refused("geometry lon", lambda: ZoneShape("Z1", "区", "area", bad_ring))
    refused("status", lambda: AlertMark("A1", "超标", 36.6, 116.9, status="done"))
    refused("uncertainty_m", lambda: AlertMark("A1", "超标", 36.6, 116.9, uncertainty_m=-5))


def test_grids_and_rasters_are_checked() -> None:
    refused("values", lambda: SampleGrid("pm2_5", np.zeros(4), "EPSG:32650", (0, 0, 1, 1)))
    refused("values", lambda: SampleGrid("pm2_5", [["a", "b"]], "EPSG:32650", (0, 0, 1, 1)))
    refused("bounds", lambda: SampleGrid("pm2_5", np.zeros((2, 2)), "EPSG:32650", (1, 0, 0, 1)))
    refused("colours", lambda: RasterOverlay("NO2", np.zeros((2, 2)), colours=("red", "blue")))
    refused("vmax", lambda: RasterOverlay("NO2", np.zeros((2, 2)), vmin=5.0, vmax=1.0))
    grid = SampleGrid("pm2_5", [[1.0, 2.0]], "EPSG:32650", (0, 0, 2, 1))
    with pytest.raises(ValueError):
        grid.values[0, 0] = 5.0  # the snapshot's array is read-only


def test_duplicate_ids_are_refused() -> None:
    s = StationPoint("S1", "站", 36.6, 116.9)
    with pytest.raises(MapError, match="station 'S1': id: appears more than once"):
        stations_geojson([s, s])
    d = DronePoint("D1", "D1", 36.6, 116.9)
    with pytest.raises(MapError, match="drone 'D1'"):
        fleet_geojson([d, d])


def test_base_map_live_sources_and_labels_are_checked() -> None:
    refused("kind", lambda: BaseMap("bing"))
    refused("tile_url", lambda: BaseMap("osm", tile_url="ftp://tiles/{z}/{x}/{y}.png"))
    refused("tile_url", lambda: BaseMap("osm", tile_url="https://tiles.example/{z}/{x}.png"))
    refused("tile_url", lambda: BaseMap("osm", tile_url="https://t.example/{{z}}/{x}/{y}.png"))
    refused("tianditu_key", lambda: BaseMap("tianditu"))
    refused("tianditu_key", lambda: BaseMap("tianditu", tianditu_key="abc&LAYER=x"))
    refused("fleet_url", lambda: LiveSources(fleet_url="https://elsewhere.example/fleet"))
    refused("alerts_url", lambda: LiveSources(alerts_url="//elsewhere.example/alerts"))
    refused("fleet_interval_ms", lambda: LiveSources(fleet_interval_ms=10))
    refused("lang", lambda: labels("fr"))
    refused("labels.sky", lambda: labels("en", {"sky": "{{ config }}"}))
    refused("labels.nothing", lambda: labels("en", {"nothing": "x"}))
    assert labels("en", {"sky": "Satellite"})["sky"] == "Satellite"


def test_alert_at_a_traced_source() -> None:
    source = SourceEstimate(36.66, 116.97, 180.0, 30.0, 2.5, 12.0, "so2", 40, 3.1)
    alert = AlertMark.at_source("A7", "SO2 超标", source, "acknowledged")
    assert (alert.lat, alert.lon, alert.uncertainty_m) == (36.66, 116.97, 180.0)
    assert (alert.pollutant, alert.status) == ("so2", "acknowledged")
