"""Priority zones from GeoJSON (RFC 7946, longitude first), validated feature by feature."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from missions.geo import LocalFrame
from missions.jsontext import read_json_text, shown
from missions.patterns import pattern_names


class ZoneKind(StrEnum):
    """What is done in a zone."""

    AREA = "area"  # survey the whole polygon
    ENTERPRISE = "enterprise"  # inspect a site (polygon or point) with a stack
    CORRIDOR = "corridor"  # a river or road line with a width
    NO_FLY = "no_fly"  # keep-out
    FENCE = "fence"  # keep-in


TASK_KINDS = frozenset({ZoneKind.AREA, ZoneKind.ENTERPRISE, ZoneKind.CORRIDOR})
KEEP_KINDS = frozenset({ZoneKind.NO_FLY, ZoneKind.FENCE})
"""Kinds that bound the airspace: one that fails to load stops planning and checking."""
_GEOMETRY_TYPES: Mapping[ZoneKind, frozenset[str]] = MappingProxyType(
    {
        ZoneKind.AREA: frozenset({"Polygon", "MultiPolygon"}),
        ZoneKind.NO_FLY: frozenset({"Polygon", "MultiPolygon"}),
        ZoneKind.FENCE: frozenset({"Polygon", "MultiPolygon"}),
        ZoneKind.ENTERPRISE: frozenset({"Polygon", "Point"}),
        ZoneKind.CORRIDOR: frozenset({"LineString"}),
    }
)


@dataclass(frozen=True)
class Zone:
    """One zone; `geometry` is in longitude/latitude degrees (WGS84)."""

    name: str
    kind: ZoneKind
    geometry: BaseGeometry
    priority: int | None = None  # 1 critical … 4 low (required for task kinds)
    revisit_minutes: float | None = None  # None: not patrolled (a file's 0, or a keep zone)
    altitude_m: float | None = None
    speed_mps: float | None = None
    pattern: str | None = None
    width_m: float | None = None  # corridor
    stack_height_m: float | None = None  # enterprise
    properties: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )

    def footprint_m(self, frame: LocalFrame) -> BaseGeometry:
        """The ground the zone covers, in metres of `frame` (corridors buffered by their width)."""
        projected = frame.project(self.geometry)
        if self.kind is ZoneKind.CORRIDOR and self.width_m:
            return projected.buffer(self.width_m / 2.0, cap_style="flat", join_style="round")
        return projected


@dataclass(frozen=True)
class ZoneError:
    """Why one feature was rejected: the feature (name or index), the field, and its kind
    when that could be read (None: it may have been a keep-out or keep-in zone)."""

    feature: str
    field: str
    message: str
    kind: ZoneKind | None = None

    def __str__(self) -> str:
        return f"{self.feature}, field '{self.field}': {self.message}"

    @property
    def bounds_airspace(self) -> bool:
        """True when the rejected feature is (or may be) a no-fly or fence zone."""
        return self.kind is None or self.kind in KEEP_KINDS


@dataclass(frozen=True)
class ZoneSet:
    """The zones that loaded, and one error per rejected feature."""

    zones: tuple[Zone, ...]
    errors: tuple[ZoneError, ...] = ()

    def by_name(self, name: str) -> Zone:
        """The zone called `name` (KeyError naming the known zones otherwise)."""
        for zone in self.zones:
            if zone.name == name:
                return zone
        known = ", ".join(z.name for z in self.zones) or "none"
        raise KeyError(f"no zone named {name!r} (zones: {known})")

    def of_kind(self, *kinds: ZoneKind) -> tuple[Zone, ...]:
        """The zones of the given kinds, in file order."""
        return tuple(z for z in self.zones if z.kind in kinds)

    @property
    def airspace_errors(self) -> tuple[ZoneError, ...]:
        """Rejected features that are, or may be, no-fly or fence zones."""
        return tuple(e for e in self.errors if e.bounds_airspace)


class ZoneFileError(ValueError):
    """The zones file as a whole cannot be read (nothing loads)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class AirspaceZoneError(ZoneFileError):
    """A no-fly or fence zone (or a feature that may be one) failed to load: nothing may be
    planned or checked against the rest of the file, which would fly where it forbids."""

    def __init__(self, path: str, errors: Sequence[ZoneError]) -> None:
        listed = "; ".join(str(e) for e in errors)
        super().__init__(
            path,
            f"{len(errors)} keep-out/keep-in zone(s) rejected, so nothing is planned or "
            f"checked against this file: {listed}",
        )
        self.errors = tuple(errors)


@dataclass(frozen=True)
class ZoneLimits:
    """How big a zone may be and still be flown."""

    max_area_m2: float = 4_000_000.0
    max_extent_m: float = 5_000.0
    max_corridor_width_m: float = 1_000.0


class _Reject(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def load_zones(
    path: str | Path, limits: ZoneLimits = ZoneLimits(), *, allow_airspace_errors: bool = False
) -> ZoneSet:
    """Read a GeoJSON FeatureCollection of zones; bad features are reported, good ones load.
    A rejected no-fly or fence zone raises AirspaceZoneError unless `allow_airspace_errors`."""
    path = Path(path)
    try:
        document = read_json_text(path, "GeoJSON file")
    except ValueError as exc:
        raise ZoneFileError(str(path), str(exc)) from exc
    zones = parse_zones(document, source=str(path), limits=limits)
    if zones.airspace_errors and not allow_airspace_errors:
        raise AirspaceZoneError(str(path), zones.airspace_errors)
    return zones


def parse_zones(
    document: Any, source: str = "<zones>", limits: ZoneLimits = ZoneLimits()
) -> ZoneSet:
    """Validate a GeoJSON FeatureCollection (already parsed) into zones and per-feature errors."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ZoneFileError(source, "expected a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise ZoneFileError(source, "'features' must be a list")
    zones: list[Zone] = []
    errors: list[ZoneError] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        label = _label(feature, index)
        try:
            zone = _parse_feature(feature, limits)
            if zone.name in seen:
                raise _Reject("name", f"duplicate name, already used by feature #{seen[zone.name]}")
        except _Reject as reject:
            errors.append(ZoneError(label, reject.field, reject.message, _kind_of(feature)))
            continue
        seen[zone.name] = index
        zones.append(zone)
    return ZoneSet(tuple(zones), tuple(errors))


def _kind_of(feature: Any) -> ZoneKind | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    kind = props.get("kind") if isinstance(props, dict) else None
    try:
        return ZoneKind(kind) if isinstance(kind, str) else None
    except ValueError:
        return None


def _label(feature: Any, index: int) -> str:
    name = None
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        name = feature["properties"].get("name")
    if isinstance(name, str) and name:
        return f"feature #{index} {shown(name)}"
    return f"feature #{index}"


def _parse_feature(feature: Any, limits: ZoneLimits) -> Zone:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _Reject("type", "expected a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise _Reject("properties", "expected an object of zone properties")
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _Reject("name", "required, a non-empty string")
    kind_text = props.get("kind")
    try:
        kind = ZoneKind(kind_text if isinstance(kind_text, str) else None)
    except ValueError:
        allowed = ", ".join(k.value for k in ZoneKind)
        raise _Reject("kind", f"unknown kind {shown(kind_text)} (one of {allowed})") from None
    is_task = kind in TASK_KINDS
    priority = props.get("priority") if is_task else None  # keep zones: not used
    bad_priority = (
        isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 4
    )
    if is_task and bad_priority:
        raise _Reject(
            "priority", f"must be an integer 1 (critical) … 4 (low), got {shown(priority)}"
        )
    revisit = _number(props, "revisit_minutes", required=True) if is_task else None
    revisit = revisit or None  # 0: not patrolled
    altitude = _number(props, "altitude_m", positive=True)
    speed = _number(props, "speed_mps", positive=True)
    width = _number(props, "width_m", required=kind is ZoneKind.CORRIDOR, positive=True)
    stack = _number(props, "stack_height_m", positive=False)
    if width is not None and width > limits.max_corridor_width_m:
        raise _Reject("width_m", f"{width:g} m is wider than {limits.max_corridor_width_m:g} m")
    pattern = props.get("pattern")
    known = pattern_names(kind)
    if pattern is not None and (not isinstance(pattern, str) or pattern not in known):
        allowed = ", ".join(sorted(known)) or "none"
        raise _Reject(
            "pattern", f"unknown pattern {shown(pattern)} for kind {kind.value} ({allowed})"
        )
    geometry = _geometry(feature.get("geometry"), kind)
    _check_size(geometry, kind, width, limits)
    return Zone(
        name=name,
        kind=kind,
        geometry=geometry,
        priority=priority,
        revisit_minutes=revisit,
        altitude_m=altitude,
        speed_mps=speed,
        pattern=pattern,
        width_m=width,
        stack_height_m=stack,
        properties=MappingProxyType(dict(props)),
    )


def _number(props: dict, key: str, required: bool = False, positive: bool = False) -> float | None:
    value = props.get(key)
    if value is None:
        if required:
            raise _Reject(key, "required, a number")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(key, f"must be a number, got {shown(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise _Reject(key, f"must be finite, got {shown(value)}") from None
    if not math.isfinite(number):
        raise _Reject(key, f"must be finite, got {shown(value)}")
    if number < 0 or (positive and number == 0):
        raise _Reject(key, f"must be {'positive' if positive else 'zero or more'}, got {number:g}")
    return number


def _positions(coords: Any, depth: int) -> list[Sequence[float]]:
    """Flatten GeoJSON coordinates nested `depth` levels above positions."""
    if depth == 0:
        return [coords]
    if not isinstance(coords, list):
        raise _Reject("geometry.coordinates", "malformed coordinates (expected nested arrays)")
    return [p for item in coords for p in _positions(item, depth - 1)]


_DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiPolygon": 3}


def _geometry(geometry: Any, kind: ZoneKind) -> BaseGeometry:
    if not isinstance(geometry, dict):
        raise _Reject("geometry", "missing or empty geometry")
    gtype = geometry.get("type")
    if not isinstance(gtype, str) or gtype not in _GEOMETRY_TYPES[kind]:
        allowed = " or ".join(sorted(_GEOMETRY_TYPES[kind]))
        raise _Reject("geometry.type", f"a {kind.value} zone needs {allowed}, got {shown(gtype)}")
    coords = geometry.get("coordinates")
    if coords is None or coords == []:
        raise _Reject("geometry.coordinates", "empty geometry")
    for position in _positions(coords, _DEPTH[gtype]):
        _check_position(position)
    if gtype in ("Polygon", "MultiPolygon"):
        polygons = [coords] if gtype == "Polygon" else coords
        for polygon in polygons:
            if not isinstance(polygon, list) or not polygon:
                raise _Reject("geometry.coordinates", "empty polygon")
            for ring in polygon:
                if len(ring) < 4:
                    raise _Reject("geometry.coordinates", "a ring needs at least 4 positions")
                if list(ring[0][:2]) != list(ring[-1][:2]):
                    raise _Reject("geometry.coordinates", "ring is not closed (first != last)")
    if gtype == "LineString" and len(coords) < 2:
        raise _Reject("geometry.coordinates", "a line needs at least 2 positions")
    try:
        built = shape(geometry)
    except (ValueError, TypeError, AttributeError) as exc:
        raise _Reject("geometry", f"cannot build geometry: {exc}") from exc
    built = shapely.force_2d(built)
    if built.is_empty:
        raise _Reject("geometry", "empty geometry")
    if not built.is_valid:
        reason = shapely.is_valid_reason(built)
        raise _Reject("geometry", f"invalid {gtype}: {reason}")
    if isinstance(built, LineString) and built.length == 0:
        raise _Reject("geometry", "line has zero length")
    return built


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _check_position(position: Any) -> None:
    if not isinstance(position, list | tuple) or len(position) < 2:
        raise _Reject(
            "geometry.coordinates",
            f"a position needs [longitude, latitude], got {shown(position)}",
        )
    lon, lat = position[0], position[1]
    for value in (lon, lat):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Reject(
                "geometry.coordinates", f"coordinates must be numbers, got {shown(value)}"
            )
        if not _finite(value):
            raise _Reject("geometry.coordinates", f"coordinate is not finite: {shown(value)}")
    if abs(lat) > 90 and abs(lon) <= 90:
        raise _Reject(
            "geometry.coordinates",
            f"latitude {lat} out of range: latitude/longitude look swapped "
            f"(GeoJSON is [longitude, latitude]), position {shown(list(position))}",
        )
    if abs(lat) > 90 or abs(lon) > 180:
        raise _Reject("geometry.coordinates", f"position {shown(list(position))} out of range")


def _check_size(
    geometry: BaseGeometry, kind: ZoneKind, width: float | None, limits: ZoneLimits
) -> None:
    if kind in (ZoneKind.NO_FLY, ZoneKind.FENCE):
        return
    centre = geometry.centroid if not isinstance(geometry, Point) else geometry
    frame = LocalFrame.around(centre.y, centre.x)
    projected = frame.project(geometry)
    minx, miny, maxx, maxy = projected.bounds
    extent = math.hypot(maxx - minx, maxy - miny)
    if extent > limits.max_extent_m:
        raise _Reject(
            "geometry", f"too large to fly: {extent:.0f} m across (limit {limits.max_extent_m:g} m)"
        )
    area = projected.area
    if isinstance(projected, LineString) and width:
        area = projected.length * width
    if isinstance(projected, Polygon | MultiPolygon | LineString) and area > limits.max_area_m2:
        raise _Reject(
            "geometry",
            f"too large to fly: {area / 1e6:.2f} km² (limit {limits.max_area_m2 / 1e6:g} km²)",
        )
