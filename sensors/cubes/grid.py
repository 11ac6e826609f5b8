"""The map grid (a north-up raster in a projected CRS) and gridding of point samples.

Gridding: samples are binned (mean per cell), then empty cells within radius_m of binned
cells are filled by inverse distance weighting (power 2, up to 8 neighbours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

IDW_POWER = 2.0
IDW_NEIGHBOURS = 8


@dataclass(frozen=True)
class MapGrid:
    """North-up grid: CRS, west/north edges (m), cell size (m), columns and rows."""

    crs: str
    west_m: float
    north_m: float
    cell_m: float
    nx: int
    ny: int

    @classmethod
    def around(cls, lat: float, lon: float, half_width_m: float, cell_m: float) -> MapGrid:
        """A square grid centred on (lat, lon) in its UTM zone."""
        zone = int((lon + 180.0) // 6.0) + 1
        epsg = (32600 if lat >= 0 else 32700) + zone
        x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(lon, lat)
        n = max(1, math.ceil(2 * half_width_m / cell_m))
        return cls(f"EPSG:{epsg}", x - n * cell_m / 2, y + n * cell_m / 2, cell_m, n, n)

    @property
    def x(self) -> np.ndarray:
        """Cell-centre eastings (m)."""
        return self.west_m + (np.arange(self.nx) + 0.5) * self.cell_m

    @property
    def y(self) -> np.ndarray:
        """Cell-centre northings (m), north first."""
        return self.north_m - (np.arange(self.ny) + 0.5) * self.cell_m

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL-order affine (a, b, c, d, e, f) of the grid."""
        return (self.cell_m, 0.0, self.west_m, 0.0, -self.cell_m, self.north_m)

    def crs_wkt(self) -> str:
        """The grid's CRS as WKT2."""
        return CRS.from_user_input(self.crs).to_wkt()

    def project(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Eastings and northings (m) of lat/lon points in the grid CRS."""
        t = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x), np.asarray(y)

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and an inside-the-grid mask of projected points."""
        col = np.floor((np.asarray(x) - self.west_m) / self.cell_m).astype(np.int64)
        row = np.floor((self.north_m - np.asarray(y)) / self.cell_m).astype(np.int64)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return row, col, inside

    def to_attrs(self) -> dict[str, float | int | str]:
        """Grid as plain attributes (stored with the map cube)."""
        return {
            "grid_crs": self.crs,
            "grid_west_m": self.west_m,
            "grid_north_m": self.north_m,
            "grid_cell_m": self.cell_m,
            "grid_nx": self.nx,
            "grid_ny": self.ny,
        }

    @classmethod
    def from_attrs(cls, attrs: dict) -> MapGrid:
        """Grid back from to_attrs."""
        return cls(
            str(attrs["grid_crs"]),
            float(attrs["grid_west_m"]),
            float(attrs["grid_north_m"]),
            float(attrs["grid_cell_m"]),
            int(attrs["grid_nx"]),
            int(attrs["grid_ny"]),
        )


def bin_mean(
    grid: MapGrid, x: np.ndarray, y: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean per cell (NaN where empty) and the sample count per cell."""
    v = np.asarray(values, dtype=np.float64)
    row, col, inside = grid.cell_of(x, y)
    keep = inside & np.isfinite(v)
    flat = row[keep] * grid.nx + col[keep]
    total = np.bincount(flat, weights=v[keep], minlength=grid.nx * grid.ny)
    count = np.bincount(flat, minlength=grid.nx * grid.ny)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return mean.reshape(grid.ny, grid.nx), count.reshape(grid.ny, grid.nx)


def idw_fill(grid: MapGrid, binned: np.ndarray, radius_m: float) -> np.ndarray:
    """Binned field with empty cells within radius_m of data filled by IDW (power 2)."""
    out = binned.copy()
    have = np.isfinite(binned)
    if not have.any() or have.all():
        return out
    xx, yy = np.meshgrid(grid.x, grid.y)
    tree = cKDTree(np.column_stack([xx[have], yy[have]]))
    empty = ~have
    k = min(IDW_NEIGHBOURS, int(have.sum()))
    dist, idx = tree.query(
        np.column_stack([xx[empty], yy[empty]]), k=k, distance_upper_bound=radius_m
    )
    dist, idx = dist.reshape(-1, k), idx.reshape(-1, k)
    valid = np.isfinite(dist)
    known = binned[have]
    w = np.where(valid, 1.0 / np.maximum(dist, 1e-9) ** IDW_POWER, 0.0)
    vals = np.where(valid, known[np.minimum(idx, known.size - 1)], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        filled = (w * vals).sum(axis=1) / w.sum(axis=1)
    out[empty] = filled
    return out


def grid_points(
    grid: MapGrid,
    lat: np.ndarray,
    lon: np.ndarray,
    values: np.ndarray,
    radius_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gridded field (bin mean + IDW within radius_m, default 5 cells) and counts per cell."""
    x, y = grid.project(lat, lon)
    binned, count = bin_mean(grid, x, y, values)
    return idw_fill(grid, binned, radius_m if radius_m is not None else 5 * grid.cell_m), count
