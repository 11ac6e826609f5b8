"""Rasters onto the base map: reprojected to Web Mercator (EPSG:3857) and coloured as RGBA.

Leaflet stretches an image overlay linearly between its corners in Web Mercator, so an image
lines up with the tiles only when its rows and columns are evenly spaced in EPSG:3857; every
raster and sample grid is warped there with rasterio first (NaN stays transparent).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from rasterio.crs import CRS as RioCRS
from rasterio.errors import CRSError as RioCRSError
from rasterio.transform import Affine, array_bounds
from rasterio.warp import Resampling, calculate_default_transform, reproject

from maps.model import MapError, RasterOverlay, SampleGrid
from sensors.aqi.categories import categories, category_index_array
from sensors.aqi.tables import table_for
from sensors.aqi.vector import iaqi_array

WEB_MERCATOR = "EPSG:3857"
MAX_SIDE_PX = 2048
"""Largest side of a warped image (pixels); bigger rasters are drawn coarser."""
_TO_LATLON = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)


@dataclass(frozen=True, eq=False)
class MercatorImage:
    """A warped image: RGBA rows north first, bounds (west, south, east, north) in EPSG:3857 m."""

    rgba: np.ndarray
    bounds_m: tuple[float, float, float, float]

    @property
    def latlon_bounds(self) -> list[list[float]]:
        """[[south, west], [north, east]] in degrees, as Leaflet takes them."""
        west, south, east, north = self.bounds_m
        lon0, lat0 = _TO_LATLON.transform(west, south)
        lon1, lat1 = _TO_LATLON.transform(east, north)
        return [[lat0, lon0], [lat1, lon1]]


def _is_mercator(crs: str) -> bool:
    return CRS.from_user_input(crs) == CRS.from_epsg(3857)


def _default_transform(
    src_crs: RioCRS,
    width: int,
    height: int,
    bounds: tuple[float, float, float, float],
    size: tuple[int, int] | None = None,
) -> tuple[Affine, int, int]:
    """Rasterio's Web Mercator grid for a source (its own Affine arithmetic warns; muted)."""
    extra = {} if size is None else {"dst_width": size[0], "dst_height": size[1]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return calculate_default_transform(src_crs, WEB_MERCATOR, width, height, *bounds, **extra)


def to_web_mercator(
    values: np.ndarray,
    crs: str,
    bounds: tuple[float, float, float, float],
    resampling: Resampling = Resampling.nearest,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Values warped to EPSG:3857 (NaN outside the source) and their bounds in metres."""
    try:
        src_crs = RioCRS.from_user_input(crs)
        mercator = _is_mercator(crs)
    except (CRSError, RioCRSError) as exc:
        raise MapError("raster", "crs", f"unknown CRS {crs!r}") from exc
    height, width = values.shape
    if mercator:
        return values.astype(np.float64), tuple(float(b) for b in bounds)
    west, south, east, north = bounds
    src_transform = Affine((east - west) / width, 0.0, west, 0.0, -(north - south) / height, north)
    dst_transform, dst_w, dst_h = _default_transform(src_crs, width, height, bounds)
    scale = max(dst_w, dst_h) / MAX_SIDE_PX
    if scale > 1:
        size = (max(1, round(dst_w / scale)), max(1, round(dst_h / scale)))
        dst_transform, dst_w, dst_h = _default_transform(src_crs, width, height, bounds, size)
    out = np.full((dst_h, dst_w), np.nan, dtype=np.float64)
    reproject(
        source=np.ascontiguousarray(values, dtype=np.float64),
        destination=out,
        src_transform=src_transform,
        src_crs=src_crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=resampling,
    )
    return out, tuple(float(b) for b in array_bounds(dst_h, dst_w, dst_transform))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def ramp_rgba(
    values: np.ndarray, colours: tuple[str, ...], vmin: float | None, vmax: float | None
) -> np.ndarray:
    """RGBA of values along evenly spaced colour stops; NaN transparent."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros((*values.shape, 4), dtype=np.uint8)
    lo = float(np.nanmin(values)) if vmin is None else vmin
    hi = float(np.nanmax(values)) if vmax is None else vmax
    frac = np.clip((values - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros(values.shape)
    stops = np.linspace(0.0, 1.0, len(colours))
    table = np.array([_rgb(c) for c in colours], dtype=np.float64)
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    f = np.where(finite, frac, 0.0)
    for channel in range(3):
        rgba[..., channel] = np.rint(np.interp(f, stops, table[:, channel])).astype(np.uint8)
    rgba[..., 3] = np.where(finite, 255, 0)
    return rgba


def category_rgba(iaqi: np.ndarray, standard: str) -> np.ndarray:
    """RGBA of IAQI values in their AQI category colours; NaN transparent."""
    index = category_index_array(np.where(np.isfinite(iaqi), np.ceil(iaqi), np.nan))
    palette = np.array([(*b.rgb, 255) for b in categories(standard)] + [(0, 0, 0, 0)], np.uint8)
    return palette[index]  # index −1 picks the transparent last row


def raster_image(raster: RasterOverlay) -> MercatorImage:
    """A satellite raster warped to Web Mercator (bilinear) and coloured along its ramp."""
    warped, bounds = to_web_mercator(raster.values, raster.crs, raster.bounds, Resampling.bilinear)
    return MercatorImage(ramp_rgba(warped, raster.colours, raster.vmin, raster.vmax), bounds)


def grid_column(grid: SampleGrid) -> str | None:
    """The concentration column a sample grid's cells are indexed as (None: no IAQI table)."""
    for averaging in ("1h", "8h", "24h"):
        column = f"{grid.pollutant}_{averaging}"
        if table_for(grid.standard, column) is not None:
            return column
    return None


SAMPLE_RAMP = ("#ffffcc", "#fd8d3c", "#bd0026")
"""Colours of a sample grid whose pollutant has no IAQI (e.g. VOC), low to high."""


def grid_image(grid: SampleGrid) -> MercatorImage:
    """A map-cube hour warped to Web Mercator (cells kept whole), coloured by IAQI category."""
    warped, bounds = to_web_mercator(grid.values, grid.crs, grid.bounds, Resampling.nearest)
    column = grid_column(grid)
    if column is None:
        return MercatorImage(ramp_rgba(warped, SAMPLE_RAMP, None, None), bounds)
    iaqi = iaqi_array(column, warped, grid.standard, grid.unit)
    return MercatorImage(category_rgba(iaqi, grid.standard), bounds)
