"""Rasters: GeoTIFF reprojection keeps values and CRS; S5P qa filter; camera footprints."""

from __future__ import annotations

import math
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import rasterio
from pyproj import Geod
from rasterio.transform import Affine

from sensors.analysis.rasters import footprint, grid_s5p_no2, reproject_geotiff
from sensors.cubes.grid import MapGrid

GRID = MapGrid.around(36.65, 116.93, 2000.0, 200.0)


def test_geotiff_in_wgs84_reprojected_onto_the_utm_grid(tmp_path: Path):
    path = tmp_path / "aod.tif"
    west, north, step = 116.88, 36.70, 0.002
    cols = np.arange(60)
    data = np.tile(cols.astype(np.float32), (50, 1))  # value = column index (west→east)
    data[0, 0] = -1
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=50,
        width=60,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        nodata=-1,
        transform=Affine(step, 0, west, 0, -step, north),
    ) as dst:
        dst.write(data, 1)
    da = reproject_geotiff(path, GRID)
    assert da.shape == (GRID.ny, GRID.nx) and "32650" in da.spatial_ref.attrs["crs_wkt"]
    assert da.attrs["source_crs"] == "EPSG:4326"
    # value at a cell centre ≈ the source column holding that longitude
    x, y = GRID.x[5], GRID.y[5]
    from pyproj import Transformer

    lon, _ = Transformer.from_crs(GRID.crs, "EPSG:4326", always_xy=True).transform(x, y)
    assert float(da[5, 5]) == pytest.approx((lon - west) / step - 0.5, abs=0.6)
    assert np.all(np.diff(da.values[10]) > 0)  # increases eastwards


def test_s5p_no2_keeps_only_good_pixels(tmp_path: Path):
    path = tmp_path / "S5P_NRTI_L2__NO2.nc"
    lat = np.linspace(36.60, 36.70, 4)
    lon = np.linspace(116.88, 116.98, 4)
    glat, glon = np.meshgrid(lat, lon, indexing="ij")
    with netCDF4.Dataset(path, "w") as nc:
        g = nc.createGroup("PRODUCT")
        for name, size in (("time", 1), ("scanline", 4), ("ground_pixel", 4)):
            g.createDimension(name, size)
        dims = ("time", "scanline", "ground_pixel")
        g.createVariable("latitude", "f4", dims)[:] = glat[None]
        g.createVariable("longitude", "f4", dims)[:] = glon[None]
        no2 = np.full((1, 4, 4), 1e-4)
        no2[0, 1, 2] = 9e-4
        g.createVariable("nitrogendioxide_tropospheric_column", "f4", dims)[:] = no2
        qa = np.full((1, 4, 4), 1.0)
        qa[0, 1, 2] = 0.5  # the high pixel is poor quality
        g.createVariable("qa_value", "f4", dims)[:] = qa
    da = grid_s5p_no2(path, GRID)
    assert da.attrs["standard_name"] == "troposphere_mole_content_of_nitrogen_dioxide"
    assert da.attrs["units"] == "mol m-2"
    assert np.nanmax(da.values) == pytest.approx(1e-4)
    assert np.isfinite(da.values).all()
    loose = grid_s5p_no2(path, GRID, qa_min=0.4)
    assert np.nanmax(loose.values) == pytest.approx(9e-4)


def test_nadir_camera_footprint_size_and_heading():
    poly = footprint(36.65, 116.93, 100.0, 90.0, hfov_deg=84.0, vfov_deg=62.0)
    geod = Geod(ellps="WGS84")
    area, _ = geod.polygon_area_perimeter(*poly.exterior.xy)
    w, h = 2 * 100 * math.tan(math.radians(42)), 2 * 100 * math.tan(math.radians(31))
    assert abs(area) == pytest.approx(w * h, rel=1e-3)
    lons, _ = poly.exterior.xy
    east_extent = (max(lons) - min(lons)) * 111_320 * math.cos(math.radians(36.65))
    assert east_extent == pytest.approx(h, rel=1e-2)  # heading east: image height along x
    with pytest.raises(ValueError):
        footprint(36.65, 116.93, 0.0, 0.0, 84.0, 62.0)
