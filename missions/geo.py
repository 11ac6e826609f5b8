"""Local metric frame: WGS84 lat/lon <-> UTM metres (plan in metres, convert at the edge)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry


@lru_cache(maxsize=32)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    """WGS84 <-> UTM transformers for one EPSG code (cached: creation is slow)."""
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    inverse = Transformer.from_crs(epsg, 4326, always_xy=True)
    return forward, inverse


def utm_epsg(latitude_deg: float, longitude_deg: float) -> int:
    """EPSG code of the WGS84 UTM zone holding a point (326xx north, 327xx south)."""
    zone = math.floor((longitude_deg + 180.0) / 6.0) % 60 + 1
    return (32600 if latitude_deg >= 0 else 32700) + zone


@dataclass(frozen=True)
class LocalFrame:
    """A UTM projection chosen for one place; x east and y north in metres."""

    epsg: int

    @classmethod
    def around(cls, latitude_deg: float, longitude_deg: float) -> LocalFrame:
        """The UTM frame of the zone that holds the given point."""
        return cls(utm_epsg(latitude_deg, longitude_deg))

    def to_xy(self, longitude_deg: float, latitude_deg: float) -> tuple[float, float]:
        """Project one longitude/latitude (degrees) to x/y metres."""
        x, y = _transformers(self.epsg)[0].transform(longitude_deg, latitude_deg)
        return float(x), float(y)

    def to_lonlat(self, x_m: float, y_m: float) -> tuple[float, float]:
        """Unproject one x/y (metres) to longitude/latitude (degrees)."""
        lon, lat = _transformers(self.epsg)[1].transform(x_m, y_m)
        return float(lon), float(lat)

    def to_xy_many(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project arrays of longitude/latitude (degrees) to x/y metres."""
        x, y = _transformers(self.epsg)[0].transform(np.asarray(lon), np.asarray(lat))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_lonlat_many(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unproject arrays of x/y metres to longitude/latitude (degrees)."""
        lon, lat = _transformers(self.epsg)[1].transform(np.asarray(x), np.asarray(y))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def project(self, geometry: BaseGeometry) -> BaseGeometry:
        """A shapely geometry in longitude/latitude projected to metres."""
        return shapely.transform(geometry, lambda x, y: self.to_xy_many(x, y), interleaved=False)

    def unproject(self, geometry: BaseGeometry) -> BaseGeometry:
        """A shapely geometry in metres unprojected to longitude/latitude."""
        return shapely.transform(
            geometry, lambda x, y: self.to_lonlat_many(x, y), interleaved=False
        )
