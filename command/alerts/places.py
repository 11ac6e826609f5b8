"""Where an alert is: a station, a task zone holding a drone sample, or the ~200 m grid cell of
the sample; and which zone holds a point (footprints in metres of the local UTM frame)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from missions.geo import LocalFrame
from missions.zones import TASK_KINDS, Zone

CELL_M = 200.0
"""Side (m) of the grid cells drone alerts are de-duplicated on outside task zones."""

POINT_ZONE_RADIUS_M = 300.0
"""An enterprise zone given as a point holds what lies this close to it."""


@dataclass(frozen=True)
class Place:
    """An alert's place: a stable key, a label for people, a position (degrees)."""

    key: str
    label: str
    latitude_deg: float
    longitude_deg: float


def station_place(station_id: str, name: str, latitude_deg: float, longitude_deg: float) -> Place:
    """The place of a station's alerts."""
    label = f"station {station_id}" + (f" {name}" if name and name != station_id else "")
    return Place(f"station:{station_id}", label, latitude_deg, longitude_deg)


def latlon_text(latitude_deg: float, longitude_deg: float) -> str:
    """'36.64620 N, 116.92400 E'."""
    ns = "N" if latitude_deg >= 0 else "S"
    ew = "E" if longitude_deg >= 0 else "W"
    return f"{abs(latitude_deg):.5f} {ns}, {abs(longitude_deg):.5f} {ew}"


class ZoneIndex:
    """The zones' footprints per UTM frame, for 'which zone holds this point' in metres."""

    def __init__(self, zones: Sequence[Zone] = ()) -> None:
        self.zones = tuple(zones)
        self.names = frozenset(z.name for z in self.zones)
        self._frames: dict[int, tuple[shapely.STRtree, list[Zone], list[BaseGeometry]]] = {}
        # task zones first by priority (1 critical … 4 low), then in file order
        self._order = sorted(
            range(len(self.zones)),
            key=lambda i: (self.zones[i].kind not in TASK_KINDS, self.zones[i].priority or 9, i),
        )

    def _frame(self, epsg: int) -> tuple[shapely.STRtree, list[Zone], list[BaseGeometry]]:
        found = self._frames.get(epsg)
        if found is None:
            frame = LocalFrame(epsg)
            zones = [self.zones[i] for i in self._order]
            shapes = []
            for zone in zones:
                footprint = zone.footprint_m(frame)
                if footprint.geom_type == "Point":
                    footprint = footprint.buffer(POINT_ZONE_RADIUS_M)
                shapely.prepare(footprint)
                shapes.append(footprint)
            found = (shapely.STRtree(shapes), zones, shapes)
            self._frames[epsg] = found
        return found

    def holding(
        self, latitude_deg: float, longitude_deg: float, task_only: bool = True
    ) -> list[Zone]:
        """The zones whose footprint holds the point, highest priority first."""
        frame = LocalFrame.around(latitude_deg, longitude_deg)
        tree, zones, shapes = self._frame(frame.epsg)
        point = Point(frame.to_xy(longitude_deg, latitude_deg))
        hits = sorted(int(i) for i in tree.query(point))
        return [
            zones[i]
            for i in hits
            if shapes[i].covers(point) and (not task_only or zones[i].kind in TASK_KINDS)
        ]

    def holds(self, zone_name: str, latitude_deg: float, longitude_deg: float) -> bool:
        """True when the named zone's footprint holds the point."""
        return any(
            z.name == zone_name for z in self.holding(latitude_deg, longitude_deg, task_only=False)
        )

    def sample_place(self, latitude_deg: float, longitude_deg: float) -> Place:
        """A drone sample's place: the task zone holding it, else its grid cell."""
        held = self.holding(latitude_deg, longitude_deg)
        if held:
            zone = held[0]
            return Place(f"zone:{zone.name}", f"zone {zone.name}", latitude_deg, longitude_deg)
        frame = LocalFrame.around(latitude_deg, longitude_deg)
        x, y = frame.to_xy(longitude_deg, latitude_deg)
        ix, iy = math.floor(x / CELL_M), math.floor(y / CELL_M)
        lon, lat = frame.to_lonlat((ix + 0.5) * CELL_M, (iy + 0.5) * CELL_M)
        label = f"{CELL_M:.0f} m cell at {latlon_text(lat, lon)}"
        return Place(f"cell:{frame.epsg}:{ix}:{iy}", label, latitude_deg, longitude_deg)
