"""Rasters line up with the base map: warped to Web Mercator, coloured, transparent where NaN."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer
from rasterio.warp import transform_bounds

from maps.builder import Overlay, build_map
from maps.model import MapError, MapSnapshot, RasterOverlay, SampleGrid
from maps.raster import (
    WEB_MERCATOR,
    MercatorImage,
    category_rgba,
    grid_image,
    ramp_rgba,
    raster_image,
    to_web_mercator,
)
from sensors.aqi.categories import CHINA
from sensors.cubes.grid import MapGrid

BOX = (116.90, 36.60, 117.02, 36.70)  # west, south, east, north (deg), Jinan
UTM = "EPSG:32650"
TO_MERC = Transformer.from_crs("EPSG:4326", WEB_MERCATOR, always_xy=True)


def pixel_size(image: MercatorImage) -> tuple[float, float]:
    west, south, east, north = image.bounds_m
    h, w = image.rgba.shape[:2]
    return (east - west) / w, (north - south) / h


def hot_spot(image: MercatorImage) -> tuple[float, float]:
    """Web Mercator centre (m) of the image's brightest-red pixels (the landmark)."""
    red = (image.rgba[..., 0] == 255) & (image.rgba[..., 3] == 255)
    rows, cols = np.nonzero(red)
    assert rows.size, "landmark lost in the warp"
    west, _, _, north = image.bounds_m
    px, py = pixel_size(image)
    return west + (cols.mean() + 0.5) * px, north - (rows.mean() + 0.5) * py


def landmark_raster(crs: str, bounds: tuple[float, ...], lon: float, lat: float, n: int = 120):
    """A zero raster on bounds in crs, with a 3×3 block of 1 around (lon, lat)."""
    west, south, east, north = bounds
    values = np.zeros((n, n))
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    col = int((x - west) / (east - west) * n)
    row = int((north - y) / (north - south) * n)
    values[row - 1 : row + 2, col - 1 : col + 2] = 1.0
    return RasterOverlay("landmark", values, crs, bounds, colours=("#000000", "#ff0000"))


def test_geographic_raster_lands_on_its_mercator_corners() -> None:
    image = raster_image(
        RasterOverlay("NO2", np.random.default_rng(1).random((50, 60)), "EPSG:4326", BOX)
    )
    west, south = TO_MERC.transform(BOX[0], BOX[1])
    east, north = TO_MERC.transform(BOX[2], BOX[3])
    px, py = pixel_size(image)
    for got, want, tol in zip(
        image.bounds_m, (west, south, east, north), (px, py, px, py), strict=True
    ):
        assert abs(got - want) < tol
    (s, w), (n, e) = image.latlon_bounds
    assert (w, s, e, n) == pytest.approx(BOX, abs=2e-3)


def test_utm_and_geographic_rasters_line_up() -> None:
    lon, lat = 116.9613, 36.6517  # a landmark inside both
    geo = raster_image(landmark_raster("EPSG:4326", BOX, lon, lat))
    utm_box = transform_bounds("EPSG:4326", UTM, *BOX)
    utm = raster_image(landmark_raster(UTM, utm_box, lon, lat))
    want = TO_MERC.transform(lon, lat)
    tolerance = 2.5 * max(*pixel_size(geo), *pixel_size(utm))  # the landmark's own 3 px
    for image in (geo, utm):
        x, y = hot_spot(image)
        assert abs(x - want[0]) < tolerance and abs(y - want[1]) < tolerance
    # the UTM box covers the geographic box (it was made to), never less
    gw, gs, ge, gn = geo.bounds_m
    uw, us, ue, un = utm.bounds_m
    px, py = pixel_size(geo)
    assert uw <= gw + px and us <= gs + py and ue >= ge - px and un >= gn - py


def test_mercator_raster_is_drawn_as_given() -> None:
    bounds = (13_020_000.0, 4_390_000.0, 13_030_000.0, 4_400_000.0)
    values = np.arange(12.0).reshape(3, 4)
    warped, got = to_web_mercator(values, "EPSG:3857", bounds)
    assert got == bounds and np.array_equal(warped, values)


def test_unknown_crs_is_refused() -> None:
    with pytest.raises(MapError, match="crs: unknown CRS 'EPSG:999999'"):
        raster_image(RasterOverlay("x", np.zeros((2, 2)), "EPSG:999999", (0, 0, 1, 1)))


def test_ramp_colours_ends_and_nan() -> None:
    rgba = ramp_rgba(np.array([[0.0, 5.0, 10.0, np.nan]]), ("#000000", "#ffffff"), None, None)
    assert rgba[0, :, 0].tolist() == [0, 128, 255, 0]
    assert rgba[0, :, 3].tolist() == [255, 255, 255, 0]
    clipped = ramp_rgba(np.array([[-5.0, 50.0]]), ("#000000", "#ff0000"), 0.0, 10.0)
    assert clipped[0, :, 0].tolist() == [0, 255]


def test_sample_grid_cells_coloured_by_iaqi_category() -> None:
    # HJ 633-2026 (PM 1 h on the 24 h breakpoints): PM2.5 35 µg/m³ is IAQI 50 (优), 36 is 52
    # (良), 100 is 137 (轻度污染)
    values = np.array([[35.0, 36.0], [np.nan, 100.0]])
    rgba = category_rgba(np.array([[50.0, 52.0], [np.nan, 151.0]]), "hj633-2026")
    assert rgba[0, 0, :3].tolist() == list(CHINA[0].rgb)
    assert rgba[0, 1, :3].tolist() == list(CHINA[1].rgb)
    assert rgba[1, 0, 3] == 0 and rgba[1, 1, :3].tolist() == list(CHINA[3].rgb)
    grid = SampleGrid("pm2_5", values, UTM, (490_000, 4_056_000, 490_200, 4_056_200))
    image = grid_image(grid)
    colours = {tuple(c) for c in image.rgba.reshape(-1, 4) if c[3]}
    assert colours == {(*CHINA[0].rgb, 255), (*CHINA[1].rgb, 255), (*CHINA[2].rgb, 255)}


def test_voc_grid_without_iaqi_uses_its_ramp() -> None:
    grid = SampleGrid(
        "voc", np.array([[1.0, 2.0], [3.0, 4.0]]), UTM, (490_000, 4_056_000, 490_200, 4_056_200)
    )
    colours = {tuple(c[:3]) for c in grid_image(grid).rgba.reshape(-1, 4) if c[3]}
    assert (255, 255, 204) in colours and (189, 0, 38) in colours  # the ramp's two ends


def test_overlays_go_to_sky_and_air_with_their_bounds() -> None:
    raster = RasterOverlay("NO2", np.ones((10, 10)), "EPSG:4326", BOX, opacity=0.4)
    grid = SampleGrid("pm2_5", np.full((4, 4), 20.0), UTM, (490_000, 4_056_000, 490_400, 4_056_400))
    m = build_map(MapSnapshot(rasters=[raster], grids=[grid]))
    overlays = {
        g.layer_name: [c for c in g._children.values() if isinstance(c, Overlay)]
        for g in m._children.values()
        if hasattr(g, "layer_name")
    }
    sky, air = overlays["天 · 卫星遥感"], overlays["空 · 无人机"]
    assert len(sky) == 1 and len(air) == 1
    assert sky[0].options["opacity"] == 0.4
    assert sky[0].bounds == raster_image(raster).latlon_bounds
    assert air[0].bounds == grid_image(grid).latlon_bounds
    assert sky[0].url.startswith("data:image/png;base64,")


def test_sample_grid_on_the_map_cube_grid_is_centred_where_it_was_made() -> None:
    cube_grid = MapGrid.around(36.6512, 116.9660, half_width_m=600.0, cell_m=50.0)
    values = np.full((cube_grid.ny, cube_grid.nx), 30.0)
    grid = SampleGrid.on(cube_grid, "pm2_5", values)
    assert grid.crs == cube_grid.crs and grid.bounds[3] == cube_grid.north_m
    (s, w), (n, e) = grid_image(grid).latlon_bounds
    assert ((s + n) / 2, (w + e) / 2) == pytest.approx((36.6512, 116.9660), abs=3e-4)  # < 1 cell
    with pytest.raises(MapError, match="values: shape"):
        SampleGrid.on(cube_grid, "pm2_5", np.zeros((3, 3)))
