"""Plain snapshots the map is drawn from: stations, drones, paths, zones, grids, rasters, alerts.

Every value is checked when it is made, so a bad snapshot is refused with the item and field
named (MapError) before anything is drawn. Positions are WGS84 degrees; GeoJSON geometries are
RFC 7946 (longitude first).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np

from sensors.analysis.tracing import SourceEstimate
from sensors.aqi.categories import category
from sensors.cubes.grid import MapGrid

LINK_STATES = ("CONNECTING", "OK", "LOST")
"""Link states of a drone, as the fleet link reports them."""
PATH_KINDS = ("track", "route")
"""A flown track or a planned route."""
ZONE_KINDS = ("area", "enterprise", "corridor", "no_fly", "fence")
"""Zone kinds, as missions.zones names them."""
ALERT_STATUSES = ("open", "acknowledged", "closed")
STANDARDS = ("hj633-2026", "hj633-2012", "epa")
_GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString")


class MapError(ValueError):
    """A snapshot value the map cannot draw; names the item and the field."""

    def __init__(self, item: str, field_name: str, reason: str) -> None:
        super().__init__(f"{item}: {field_name}: {reason}")
        self.item = item
        self.field = field_name
        self.reason = reason


def _finite(item: str, name: str, value: Any, lo: float = -math.inf, hi: float = math.inf) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not lo <= value <= hi:
        raise MapError(item, name, f"must be a finite number in [{lo:g}, {hi:g}], got {value!r}")


def _optional(item: str, name: str, value: Any, lo: float = -math.inf, hi: float = math.inf):
    if value is not None:
        _finite(item, name, value, lo, hi)


def _position(item: str, lat: Any, lon: Any) -> None:
    _finite(item, "lat", lat, -90.0, 90.0)
    _finite(item, "lon", lon, -180.0, 180.0)


def _text(item: str, name: str, value: Any, empty: bool = False) -> None:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise MapError(item, name, f"must be a non-empty string, got {value!r}")


def _choice(item: str, name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise MapError(item, name, f"must be one of {', '.join(allowed)}, got {value!r}")


TEMPLATE_MARKS = ("{{", "{%", "{#")
"""Jinja markers: refused in texts that reach Folium's own (re-templated) elements."""


def plain_text(item: str, name: str, value: str) -> None:
    """Refuse a text that Folium's templates would evaluate (it holds a Jinja marker)."""
    if any(mark in value for mark in TEMPLATE_MARKS):
        raise MapError(item, name, "must not contain {{, {% or {#")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class StationPoint:
    """A ground station's latest reading: concentrations (µg/m³, CO mg/m³), IAQI, AQI, 24 h AQI."""

    id: str
    name: str
    lat: float
    lon: float
    values: Mapping[str, float | None] = field(default_factory=dict)
    iaqi: Mapping[str, int | None] = field(default_factory=dict)
    aqi: int | None = None
    category: int | None = None  # 0 优 … 5 严重污染; must agree with aqi
    primary: tuple[str, ...] = ()  # primary pollutant labels, e.g. ("PM2.5",)
    aqi_24h: tuple[int | None, ...] = ()  # hourly AQI, oldest first, None = no report
    time: datetime | None = None  # UTC time of the reading
    standard: str = "hj633-2026"

    def __post_init__(self) -> None:
        item = f"station {self.id!r}"
        _text(item, "id", self.id)
        _text(item, "name", self.name)
        _position(item, self.lat, self.lon)
        _choice(item, "standard", self.standard, STANDARDS)
        for key, value in self.values.items():
            _optional(item, f"values.{key}", value, 0.0)
        for key, value in self.iaqi.items():
            _optional(item, f"iaqi.{key}", value, 0.0)
        _optional(item, "aqi", self.aqi, 0.0)
        expected = category(None if self.aqi is None else math.ceil(self.aqi), self.standard)
        if self.category != (None if expected is None else expected.index):
            raise MapError(item, "category", f"{self.category!r} disagrees with AQI {self.aqi!r}")
        for i, value in enumerate(self.aqi_24h):
            _optional(item, f"aqi_24h[{i}]", value, 0.0)
        if len(self.aqi_24h) > 48:
            raise MapError(item, "aqi_24h", f"at most 48 hourly values, got {len(self.aqi_24h)}")
        object.__setattr__(self, "values", _frozen(self.values))
        object.__setattr__(self, "iaqi", _frozen(self.iaqi))
        object.__setattr__(self, "primary", tuple(self.primary))
        object.__setattr__(self, "aqi_24h", tuple(self.aqi_24h))


@dataclass(frozen=True)
class DronePoint:
    """A drone now: position, heading (deg from north), battery (%), flight mode, link state."""

    id: str
    name: str
    lat: float
    lon: float
    heading_deg: float | None = None
    battery_pct: float | None = None
    mode: str = "UNKNOWN"
    link: str = "CONNECTING"
    altitude_m: float | None = None  # above home
    groundspeed_mps: float | None = None
    armed: bool = False
    sortie: str | None = None

    def __post_init__(self) -> None:
        item = f"drone {self.id!r}"
        _text(item, "id", self.id)
        _text(item, "name", self.name)
        _position(item, self.lat, self.lon)
        _optional(item, "heading_deg", self.heading_deg, -360.0, 360.0)
        _optional(item, "battery_pct", self.battery_pct, 0.0, 100.0)
        _text(item, "mode", self.mode)
        _choice(item, "link", self.link, LINK_STATES)
        _optional(item, "altitude_m", self.altitude_m)
        _optional(item, "groundspeed_mps", self.groundspeed_mps, 0.0)


@dataclass(frozen=True)
class FlightPath:
    """A drone's flown track or planned route, as (lat, lon) points in flight order."""

    drone_id: str
    kind: str
    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        item = f"{self.kind} of drone {self.drone_id!r}"
        _text(item, "drone_id", self.drone_id)
        _choice(item, "kind", self.kind, PATH_KINDS)
        points = []
        for i, point in enumerate(self.points):
            if not isinstance(point, tuple | list) or len(point) != 2:
                raise MapError(f"{item} point {i}", "points", f"needs (lat, lon), got {point!r}")
            _position(f"{item} point {i}", point[0], point[1])
            points.append((point[0], point[1]))
        points = tuple(points)
        object.__setattr__(self, "points", points)


@dataclass(frozen=True)
class ZoneShape:
    """A zone as drawn: kind, priority 1 critical … 4 low, GeoJSON geometry (lon/lat)."""

    id: str
    name: str
    kind: str
    geometry: Mapping[str, Any]
    priority: int | None = None
    revisit_minutes: float | None = None

    def __post_init__(self) -> None:
        item = f"zone {self.id!r}"
        _text(item, "id", self.id)
        _text(item, "name", self.name)
        _choice(item, "kind", self.kind, ZONE_KINDS)
        if self.priority is not None and (
            isinstance(self.priority, bool) or self.priority not in (1, 2, 3, 4)
        ):
            raise MapError(item, "priority", f"must be 1 … 4, got {self.priority!r}")
        _optional(item, "revisit_minutes", self.revisit_minutes, 0.0)
        gtype = self.geometry.get("type") if isinstance(self.geometry, Mapping) else None
        if gtype not in _GEOMETRY_TYPES or "coordinates" not in self.geometry:
            raise MapError(item, "geometry", f"must be a GeoJSON {'/'.join(_GEOMETRY_TYPES)}")
        _check_coordinates(item, self.geometry["coordinates"])


def _check_coordinates(item: str, coords: Any, depth: int = 0) -> None:
    if depth > 4 or not isinstance(coords, list | tuple) or not coords:
        raise MapError(item, "geometry.coordinates", "must be nested [lon, lat] positions")
    if isinstance(coords[0], int | float) and not isinstance(coords[0], bool):
        if len(coords) < 2:
            raise MapError(item, "geometry.coordinates", f"position {coords!r} needs lon and lat")
        _finite(item, "geometry lon", coords[0], -180.0, 180.0)
        _finite(item, "geometry lat", coords[1], -90.0, 90.0)
        return
    for part in coords:
        _check_coordinates(item, part, depth + 1)


def _grid(item: str, values: Any, crs: Any, bounds: Any) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise MapError(item, "values", f"must be numbers: {exc}") from None
    if array.ndim != 2 or 0 in array.shape:
        raise MapError(item, "values", f"must be a non-empty 2-D array, got shape {array.shape}")
    _text(item, "crs", crs)
    if not isinstance(bounds, tuple | list) or len(bounds) != 4:
        raise MapError(item, "bounds", "must be (west, south, east, north) in the CRS units")
    for name, value in zip(("west", "south", "east", "north"), bounds, strict=True):
        _finite(item, f"bounds.{name}", value)
    if not (bounds[0] < bounds[2] and bounds[1] < bounds[3]):
        raise MapError(item, "bounds", f"west < east and south < north needed, got {bounds!r}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class SampleGrid:
    """One hour of the map cube: concentrations (row 0 = north) on a grid in its CRS."""

    pollutant: str  # sensors key: pm2_5, pm10, so2, no2, co, o3, voc
    values: np.ndarray
    crs: str
    bounds: tuple[float, float, float, float]  # west, south, east, north in CRS units
    unit: str | None = None  # None: the storage unit (µg/m³, CO mg/m³)
    time: datetime | None = None
    standard: str = "hj633-2026"
    opacity: float = 0.6

    @classmethod
    def on(
        cls, grid: MapGrid, pollutant: str, values: Any, time: datetime | None = None, **kw: Any
    ) -> SampleGrid:
        """One hour of the map cube on its MapGrid (values rows north first, as the cube)."""
        south = grid.north_m - grid.ny * grid.cell_m
        east = grid.west_m + grid.nx * grid.cell_m
        shaped = np.asarray(values, dtype=np.float64)
        if shaped.shape != (grid.ny, grid.nx):
            raise MapError(
                f"sample grid {pollutant!r}", "values", f"shape {shaped.shape} is not the grid's"
            )
        bounds = (grid.west_m, south, east, grid.north_m)
        return cls(pollutant, shaped, grid.crs, bounds, time=time, **kw)

    def __post_init__(self) -> None:
        item = f"sample grid {self.pollutant!r}"
        _text(item, "pollutant", self.pollutant)
        object.__setattr__(self, "values", _grid(item, self.values, self.crs, self.bounds))
        object.__setattr__(self, "bounds", tuple(float(b) for b in self.bounds))
        _choice(item, "standard", self.standard, STANDARDS)
        _finite(item, "opacity", self.opacity, 0.0, 1.0)


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True, eq=False)
class RasterOverlay:
    """A satellite or imagery raster (row 0 = north) with its CRS, drawn through a colour map."""

    name: str
    values: np.ndarray
    crs: str = "EPSG:3857"
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # west, south, east, north
    opacity: float = 0.6
    colours: tuple[str, ...] = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
    vmin: float | None = None  # value drawn in the first colour (default: the minimum)
    vmax: float | None = None  # value drawn in the last colour (default: the maximum)
    unit: str = ""

    def __post_init__(self) -> None:
        item = f"raster {self.name!r}"
        _text(item, "name", self.name)
        object.__setattr__(self, "values", _grid(item, self.values, self.crs, self.bounds))
        object.__setattr__(self, "bounds", tuple(float(b) for b in self.bounds))
        _finite(item, "opacity", self.opacity, 0.0, 1.0)
        if len(self.colours) < 2 or not all(_COLOUR.fullmatch(c) for c in self.colours):
            raise MapError(item, "colours", "needs two or more #rrggbb colours")
        _optional(item, "vmin", self.vmin)
        _optional(item, "vmax", self.vmax)
        if self.vmin is not None and self.vmax is not None and self.vmin >= self.vmax:
            raise MapError(item, "vmax", f"must exceed vmin ({self.vmin:g})")


@dataclass(frozen=True)
class AlertMark:
    """An alert at its source estimate (deg) with the 95 % uncertainty radius (m)."""

    id: str
    text: str
    lat: float
    lon: float
    uncertainty_m: float = 0.0
    status: str = "open"
    pollutant: str | None = None
    time: datetime | None = None

    @classmethod
    def at_source(
        cls, id: str, text: str, source: SourceEstimate, status: str = "open", **kw: Any
    ) -> AlertMark:
        """An alert drawn at a traced source with its 95 % radius and pollutant."""
        return cls(
            id, text, source.lat, source.lon, source.uncertainty_m, status, source.pollutant, **kw
        )

    def __post_init__(self) -> None:
        item = f"alert {self.id!r}"
        _text(item, "id", self.id)
        _text(item, "text", self.text)
        _position(item, self.lat, self.lon)
        _finite(item, "uncertainty_m", self.uncertainty_m, 0.0, 100_000.0)
        _choice(item, "status", self.status, ALERT_STATUSES)


@dataclass(frozen=True, eq=False)
class MapSnapshot:
    """Everything one map shows; the live layers refresh from the console later."""

    stations: tuple[StationPoint, ...] = ()
    drones: tuple[DronePoint, ...] = ()
    paths: tuple[FlightPath, ...] = ()
    zones: tuple[ZoneShape, ...] = ()
    grids: tuple[SampleGrid, ...] = ()
    rasters: tuple[RasterOverlay, ...] = ()
    alerts: tuple[AlertMark, ...] = ()
    centre: tuple[float, float] | None = None  # (lat, lon); default: the middle of the data
    zoom: int = 13

    def __post_init__(self) -> None:
        for name in ("stations", "drones", "paths", "zones", "grids", "rasters", "alerts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.centre is not None:
            _position("map", *self.centre)
        if isinstance(self.zoom, bool) or self.zoom not in range(0, 21):
            raise MapError("map", "zoom", f"must be 0 … 20, got {self.zoom!r}")
