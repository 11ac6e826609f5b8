"""The synthetic top-down view under a drone: fields, a road grid, enterprise roofs at the world's
sources and the ground-level plume tinted by its concentration, with a burnt-in overlay.

The ground is a periodic texture in world metres (fixed to the ground, so it slides and turns as
the drone flies); Pillow's affine transform samples it at the camera's footprint, in C.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from simulator import geo
from simulator.video.state import CameraState
from simulator.world import World

HFOV_DEG = 78.0
"""Horizontal field of view of the camera, pointing straight down."""
TEXTURE_M_PER_PX = 0.5
"""Ground resolution of the texture (m per texel)."""
PERIOD_M = 512.0
"""The ground pattern repeats every PERIOD_M metres east and north."""
ROAD_SPACING_M = 256.0
"""Roads run north-south and east-west every ROAD_SPACING_M metres."""
ROAD_WIDTH_M = 10.0
MIN_VIEW_ALT_M = 8.0
"""The view is drawn as from at least this height (a landed drone still sees the pad)."""
MAX_VIEW_ALT_M = 250.0
"""Above this the footprint would outgrow the texture; the view stops widening."""
PLUME_GRID = (9, 16)
"""Rows and columns where the plume is evaluated; the tint is interpolated between them."""
PLUME_HEIGHT_M = 1.5
"""Height above ground of the concentration shown (breathing height)."""

# Excess over background at which the tint is full, per pollutant (µg/m³, CO mg/m³): about the
# HJ 633 hourly IAQI-100 breakpoints.
_TINT_FULL = {
    "pm2_5": 75.0,
    "pm10": 150.0,
    "so2": 150.0,
    "no2": 200.0,
    "co": 10.0,
    "o3": 200.0,
    "voc": 300.0,
}
_TINT_RGB = (196, 120, 40)
_CROPS = ((70, 110, 55), (105, 135, 60), (150, 130, 95), (120, 100, 70), (85, 120, 90))
"""Field colours (RGB): wheat, young maize, bare soil, stubble, vegetables."""
_TINT_MAX_ALPHA = 170

_OVERLAY_NAMES = (
    ("PM2_5", "PM2.5"),
    ("PM10", "PM10"),
    ("SO2", "SO2"),
    ("NO2", "NO2"),
    ("CO", "CO"),
    ("O3", "O3"),
    ("VOC", "VOC"),
)


@dataclass(frozen=True)
class Footprint:
    """The ground seen in one frame: metres per output pixel and the view's height (m)."""

    m_per_px: float
    view_alt_m: float


def footprint(alt_m: float, width_px: int) -> Footprint:
    """Metres per pixel of a frame width_px wide seen from alt_m (clamped to the texture)."""
    view = min(max(alt_m, MIN_VIEW_ALT_M), MAX_VIEW_ALT_M)
    width_m = 2.0 * view * math.tan(math.radians(HFOV_DEG / 2.0))
    return Footprint(width_m / width_px, view)


def ground_texture(seed: int = 0) -> Image.Image:
    """A 2×2-period RGB texture: fields and scrub from value noise, roads with centre lines."""
    rng = np.random.default_rng(seed)
    n = round(PERIOD_M / TEXTURE_M_PER_PX)
    field = np.zeros((n, n), np.float32)
    for cells, weight in ((8, 0.55), (32, 0.3), (128, 0.15)):
        coarse = rng.random((cells, cells), dtype=np.float32)
        tiled = np.tile(coarse, (3, 3))  # wrap-around for a seamless resize
        big = Image.fromarray(tiled).resize((3 * n, 3 * n), Image.Resampling.BICUBIC)
        field += weight * np.asarray(big)[n : 2 * n, n : 2 * n]
    parcels = rng.integers(0, len(_CROPS), (16, 16))
    crop = np.kron(parcels, np.ones((n // 16, n // 16), np.int64))
    shade = np.clip(field, 0.0, 1.0)[..., None]
    rgb = np.asarray(_CROPS, np.float32)[crop] * (0.75 + 0.5 * shade)
    rgb = np.clip(rgb, 0, 255)
    coords = np.arange(n) * TEXTURE_M_PER_PX
    half = ROAD_WIDTH_M / 2.0
    off = np.mod(coords + half, ROAD_SPACING_M) - half
    road = np.abs(off) < half
    centre = np.abs(off) < 0.4
    dash = np.mod(coords, 12.0) < 6.0
    across = road[:, None] | road[None, :]
    marking = (centre[None, :] & dash[:, None] & ~road[:, None]) | (
        centre[:, None] & dash[None, :] & ~road[None, :]
    )
    rgb[across] = (95, 95, 100)
    rgb[marking] = (230, 230, 220)
    tile = Image.fromarray(rgb.astype(np.uint8), "RGB")
    out = Image.new("RGB", (2 * n, 2 * n))
    for dx in (0, n):
        for dy in (0, n):
            out.paste(tile, (dx, dy))
    return out


class SceneRenderer:
    """Draws frames of one world for any camera state; holds the texture and the font."""

    def __init__(self, world: World, width: int, height: int, seed: int = 0) -> None:
        if width < 64 or height < 36:
            raise ValueError(f"frame {width}x{height} is too small (at least 64x36)")
        self.world = world
        self.width, self.height = width, height
        self.texture = ground_texture(seed)
        size = max(11, height // 26)
        self.font = ImageFont.load_default(size=size)
        self.bar_px = size + size // 2 + 4
        self._shade = Image.new("L", (width, self.bar_px), 120)

    def render(self, state: CameraState, name: str = "") -> Image.Image:
        """The RGB frame the camera of `state` sees, with the overlay burnt in."""
        fp = footprint(state.alt_m, self.width)
        img = self._ground(state, fp)
        self._roofs(img, state, fp)
        self._plume(img, state, fp)
        self._overlay(img, state, name)
        return img

    # --- layers ------------------------------------------------------------------------------
    def _ground(self, state: CameraState, fp: Footprint) -> Image.Image:
        north, east = geo.offset_m(
            self.world.origin_lat, self.world.origin_lon, state.lat_deg, state.lon_deg
        )
        col0 = (math.fmod(east, PERIOD_M) % PERIOD_M + PERIOD_M / 2) / TEXTURE_M_PER_PX
        row0 = (math.fmod(-north, PERIOD_M) % PERIOD_M + PERIOD_M / 2) / TEXTURE_M_PER_PX
        k = fp.m_per_px / TEXTURE_M_PER_PX
        h = math.radians(state.heading_deg)
        c, s = math.cos(h) * k, math.sin(h) * k
        w2, h2 = self.width / 2.0, self.height / 2.0
        coeffs = (c, -s, col0 - c * w2 + s * h2, s, c, row0 - s * w2 - c * h2)
        return self.texture.transform(
            (self.width, self.height),
            Image.Transform.AFFINE,
            coeffs,
            resample=Image.Resampling.NEAREST,
        )

    def _to_screen(
        self, state: CameraState, fp: Footprint, north_m: float, east_m: float
    ) -> tuple[float, float]:
        """Pixel (x, y) of a ground point north_m/east_m from the drone."""
        h = math.radians(state.heading_deg)
        right = east_m * math.cos(h) - north_m * math.sin(h)
        up = east_m * math.sin(h) + north_m * math.cos(h)
        return self.width / 2.0 + right / fp.m_per_px, self.height / 2.0 - up / fp.m_per_px

    def _to_ground(
        self, state: CameraState, fp: Footprint, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """North and east metres from the drone of pixels (x, y)."""
        h = math.radians(state.heading_deg)
        right = (x - self.width / 2.0) * fp.m_per_px
        up = (self.height / 2.0 - y) * fp.m_per_px
        return up * math.cos(h) - right * math.sin(h), right * math.cos(h) + up * math.sin(h)

    def _roofs(self, img: Image.Image, state: CameraState, fp: Footprint) -> None:
        draw = ImageDraw.Draw(img)
        reach = math.hypot(self.width, self.height) * fp.m_per_px
        for src in self.world.sources:
            north, east = geo.offset_m(state.lat_deg, state.lon_deg, src.lat, src.lon)
            half = 10.0 + src.stack_height_m / 4.0
            if math.hypot(north, east) > reach + 2 * half:
                continue
            corners = [
                self._to_screen(state, fp, north + dn, east + de)
                for dn, de in ((half, -1.5 * half), (half, 1.5 * half), (-half, 1.5 * half))
            ]
            corners.append(self._to_screen(state, fp, north - half, east - 1.5 * half))
            roof = (120, 60, 50) if src.stack_height_m >= 20 else (200, 180, 120)
            draw.polygon(corners, fill=roof, outline=(40, 30, 30))
            cx, cy = self._to_screen(state, fp, north, east)
            r = max(2.0, 4.0 / fp.m_per_px)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(60, 60, 60), outline=(20, 20, 20))
            draw.text((cx + r + 3, cy - r), src.id, fill=(255, 255, 255), font=self.font)

    def _plume(self, img: Image.Image, state: CameraState, fp: Footprint) -> None:
        rows, cols = PLUME_GRID
        ys = (np.arange(rows) + 0.5) * self.height / rows
        xs = (np.arange(cols) + 0.5) * self.width / cols
        gx, gy = np.meshgrid(xs, ys)
        north, east = self._to_ground(state, fp, gx, gy)
        background = self.world.background
        alpha = np.zeros((rows, cols), np.float32)
        for idx in np.ndindex(rows, cols):
            lat, lon = geo.destination(
                state.lat_deg, state.lon_deg, float(north[idx]), float(east[idx])
            )
            values = self.world.concentration(lat, lon, PLUME_HEIGHT_M, state.sim_t_s)
            alpha[idx] = max(
                (values.get(p, 0.0) - background.get(p, 0.0)) / full
                for p, full in _TINT_FULL.items()
            )
        if float(alpha.max()) <= 0.02:
            return
        mask = np.clip(alpha, 0.0, 1.0) * _TINT_MAX_ALPHA
        small = Image.fromarray(mask.astype(np.uint8), "L")
        img.paste(_TINT_RGB, None, small.resize(img.size, Image.Resampling.BILINEAR))

    def _overlay(self, img: Image.Image, state: CameraState, name: str) -> None:
        w, bar = self.width, self.bar_px
        black = (0, 0, 0)
        img.paste(black, (0, 0, w, bar), self._shade)
        img.paste(black, (0, self.height - bar, w, self.height), self._shade)
        draw = ImageDraw.Draw(img)
        when = datetime.fromtimestamp(state.time_unix_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        ns = "N" if state.lat_deg >= 0 else "S"
        ew = "E" if state.lon_deg >= 0 else "W"
        top = (
            f"{name}  {when}  {abs(state.lat_deg):.6f}{ns} {abs(state.lon_deg):.6f}{ew}  "
            f"ALT {state.alt_m:.1f} m  HDG {state.heading_deg % 360:03.0f}"
        )
        readings = dict(state.readings)
        bottom = "  ".join(
            f"{label} {readings[key]:.{2 if key == 'CO' else 0}f}"
            for key, label in _OVERLAY_NAMES
            if key in readings
        )
        pad = 3
        draw.text((pad + 2, pad), top.strip(), fill=(255, 255, 255), font=self.font)
        if bottom:
            draw.text(
                (pad + 2, self.height - bar + pad),
                bottom + "  (ug/m3, CO mg/m3)",
                fill=(255, 240, 160),
                font=self.font,
            )
