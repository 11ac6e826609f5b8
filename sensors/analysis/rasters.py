"""Rasters onto the map grid: GeoTIFFs in any CRS, Sentinel-5P NO2 columns, image footprints."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import xarray as xr
from pyproj import Transformer
from rasterio.transform import Affine
from scipy.spatial import cKDTree
from shapely.geometry import Polygon

from sensors.cubes.grid import MapGrid

S5P_QA_MIN = 0.75
"""Keep Sentinel-5P pixels with qa_value at or above this (the product's recommendation)."""


def _grid_dataarray(grid: MapGrid, values: np.ndarray, name: str, attrs: dict) -> xr.DataArray:
    wkt = grid.crs_wkt()
    return xr.DataArray(
        values,
        dims=("y", "x"),
        name=name,
        coords={
            "y": ("y", grid.y, {"standard_name": "projection_y_coordinate", "units": "m"}),
            "x": ("x", grid.x, {"standard_name": "projection_x_coordinate", "units": "m"}),
            "spatial_ref": ((), 0, {"crs_wkt": wkt, "spatial_ref": wkt}),
        },
        attrs={**attrs, "grid_mapping": "spatial_ref"},
    )


def reproject_geotiff(
    path: str | Path, grid: MapGrid, band: int = 1, resampling: str = "bilinear"
) -> xr.DataArray:
    """Band of a GeoTIFF (any CRS) reprojected onto the grid; nodata becomes NaN, CRS kept."""
    import rasterio
    from rasterio.warp import Resampling, reproject

    with rasterio.open(path) as src:
        if src.crs is None:
            raise ValueError(f"{path}: band {band}: the raster has no CRS")
        data = src.read(band).astype(np.float64)
        if src.nodata is not None:
            data[data == src.nodata] = np.nan
        out = np.full((grid.ny, grid.nx), np.nan)
        reproject(
            data,
            out,
            src_transform=src.transform,
            src_crs=src.crs,
            src_nodata=np.nan,
            dst_transform=Affine(*grid.transform),
            dst_crs=grid.crs,
            dst_nodata=np.nan,
            resampling=getattr(Resampling, resampling),
        )
        attrs = {
            "source": str(path),
            "source_crs": src.crs.to_string(),
            "resampling": resampling,
            "units": src.units[band - 1] or "1",
        }
    return _grid_dataarray(grid, out, Path(path).stem, attrs)


def grid_s5p_no2(
    path: str | Path, grid: MapGrid, qa_min: float = S5P_QA_MIN, max_distance_m: float = 4000.0
) -> xr.DataArray:
    """Tropospheric NO2 column (mol m-2) of a Sentinel-5P L2 file on the grid (nearest pixel)."""
    import netCDF4

    with netCDF4.Dataset(path) as nc:
        if "PRODUCT" not in nc.groups:
            raise ValueError(f"{path}: group PRODUCT: missing (not a Sentinel-5P L2 file)")
        g = nc.groups["PRODUCT"]
        lat = np.ma.filled(g["latitude"][:].astype(np.float64), np.nan).ravel()
        lon = np.ma.filled(g["longitude"][:].astype(np.float64), np.nan).ravel()
        no2 = np.ma.filled(
            g["nitrogendioxide_tropospheric_column"][:].astype(np.float64), np.nan
        ).ravel()
        qa = np.ma.filled(g["qa_value"][:].astype(np.float64), np.nan).ravel()
    good = (qa >= qa_min) & np.isfinite(no2) & np.isfinite(lat) & np.isfinite(lon)
    out = np.full((grid.ny, grid.nx), np.nan)
    if good.any():
        x, y = grid.project(lat[good], lon[good])
        tree = cKDTree(np.column_stack([x, y]))
        xx, yy = np.meshgrid(grid.x, grid.y)
        dist, idx = tree.query(
            np.column_stack([xx.ravel(), yy.ravel()]), distance_upper_bound=max_distance_m
        )
        hit = np.isfinite(dist)
        flat = out.ravel()
        flat[hit] = no2[good][idx[hit]]
        out = flat.reshape(grid.ny, grid.nx)
    return _grid_dataarray(
        grid,
        out,
        "no2_tropospheric_column",
        {
            "standard_name": "troposphere_mole_content_of_nitrogen_dioxide",
            "units": "mol m-2",
            "source": str(path),
            "ecopatrol_qa_min": qa_min,
            "ecopatrol_method": f"nearest pixel centre within {max_distance_m:g} m",
        },
    )


def footprint(
    lat: float, lon: float, altitude_m: float, heading_deg: float, hfov_deg: float, vfov_deg: float
) -> Polygon:
    """Ground footprint (lon/lat polygon) of a nadir camera at altitude_m above flat ground.

    The image's width (hfov) lies across the heading, its height (vfov) along it.
    """
    if altitude_m <= 0:
        raise ValueError(f"altitude_m: {altitude_m} must be above ground")
    half_w = altitude_m * math.tan(math.radians(hfov_deg) / 2)
    half_h = altitude_m * math.tan(math.radians(vfov_deg) / 2)
    h = math.radians(heading_deg)
    fwd = (math.cos(h), math.sin(h))  # north, east
    right = (-math.sin(h), math.cos(h))
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m"
    to_ll = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    corners = []
    for a, b in ((1, -1), (1, 1), (-1, 1), (-1, -1)):
        n = a * half_h * fwd[0] + b * half_w * right[0]
        e = a * half_h * fwd[1] + b * half_w * right[1]
        corners.append(to_ll.transform(e, n))
    return Polygon(corners)
