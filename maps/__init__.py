"""The sky-ground-air map: Folium layers built from plain snapshots (no I/O here).

from maps import MapSnapshot, render_map
html = render_map(MapSnapshot(stations=..., drones=...), live=LiveSources(fleet_url=...))
"""

from maps.assets import DEFAULT_PREFIX, ExternalUrlError, localise
from maps.basemap import BaseMap
from maps.builder import LiveSources, MapPage, build_map, render_map
from maps.features import alerts_geojson, fleet_geojson, stations_geojson, zones_geojson
from maps.model import (
    AlertMark,
    DronePoint,
    FlightPath,
    MapError,
    MapSnapshot,
    RasterOverlay,
    SampleGrid,
    StationPoint,
    ZoneShape,
)

__all__ = [
    "DEFAULT_PREFIX",
    "AlertMark",
    "BaseMap",
    "DronePoint",
    "ExternalUrlError",
    "FlightPath",
    "LiveSources",
    "MapError",
    "MapPage",
    "MapSnapshot",
    "RasterOverlay",
    "SampleGrid",
    "StationPoint",
    "ZoneShape",
    "alerts_geojson",
    "build_map",
    "fleet_geojson",
    "localise",
    "render_map",
    "stations_geojson",
    "zones_geojson",
]
