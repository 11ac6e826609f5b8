"""The camera's synthetic view: fixed to the ground, turned by the heading, roofs where the
world's sources are, the plume tinted where it is, the overlay burnt in."""

from __future__ import annotations

import numpy as np

from simulator import geo
from simulator.video.scene import MIN_VIEW_ALT_M, SceneRenderer, footprint
from simulator.video.state import CameraState
from simulator.world import load_world

WORLD = load_world()
PLANT = WORLD.sources[0]  # 80 m stack
SITE = WORLD.sources[1]  # ground-level dust, on from 600 s


def _state(lat: float, lon: float, alt: float = 100.0, heading: float = 0.0, t: float = 900.0):
    return CameraState(0, lat, lon, alt, heading, 1.8e9, t, (("PM2_5", 41.0), ("CO", 0.62)))


def _frame(renderer: SceneRenderer, state: CameraState) -> np.ndarray:
    return np.asarray(renderer.render(state, "UAV-1"), dtype=np.int16)


def test_frames_have_the_stream_size_and_follow_the_drone() -> None:
    r = SceneRenderer(WORLD, 320, 180)
    here = _frame(r, _state(WORLD.origin_lat, WORLD.origin_lon))
    assert here.shape == (180, 320, 3)
    again = _frame(r, _state(WORLD.origin_lat, WORLD.origin_lon))
    assert np.array_equal(here, again)
    lat, lon = geo.destination(WORLD.origin_lat, WORLD.origin_lon, 0.0, 40.0)
    moved = _frame(r, _state(lat, lon))
    body = slice(r.bar_px, 180 - r.bar_px)
    assert np.abs(moved[body] - here[body]).mean() > 5  # the ground slid under the camera


def test_the_ground_turns_with_the_heading() -> None:
    r = SceneRenderer(WORLD, 200, 200)
    lat, lon = geo.destination(WORLD.origin_lat, WORLD.origin_lon, -300.0, 100.0)
    north_up = _frame(r, _state(lat, lon, heading=0.0))
    east_up = _frame(r, _state(lat, lon, heading=90.0))
    core = (slice(40, 160), slice(40, 160))
    # facing east, what lay to the right (east) is now at the top: a quarter turn left
    turned = np.rot90(north_up[core], k=1)
    assert (
        np.abs(east_up[core] - turned).mean() < 0.2 * np.abs(east_up[core] - north_up[core]).mean()
    )


def test_an_enterprise_roof_is_drawn_where_its_source_is() -> None:
    r = SceneRenderer(WORLD, 320, 180)
    lat, lon = geo.destination(PLANT.lat, PLANT.lon, 0.0, -30.0)  # plant 30 m east of centre
    frame = _frame(r, _state(lat, lon, alt=120.0))
    m_per_px = footprint(120.0, 320).m_per_px
    x = round(160 + 30.0 / m_per_px)
    stack = frame[90, x]
    roof = frame[90, x - round(12 / m_per_px)]  # (the label is on the right)
    assert (stack == (60, 60, 60)).all()  # the stack, seen from above
    assert (roof == (120, 60, 50)).all()  # the plant's roof around it


def test_the_plume_is_tinted_downwind_of_an_active_source_only() -> None:
    r = SceneRenderer(WORLD, 320, 180)
    # wind from 225° blows north-east: 150 m downwind of the ground-level dust source
    lat, lon = geo.destination(SITE.lat, SITE.lon, 106.0, 106.0)
    on = _frame(r, _state(lat, lon, t=900.0))
    off = _frame(r, _state(lat, lon, t=100.0))  # before the site starts (on_s 600)
    body = (slice(r.bar_px, 180 - r.bar_px), slice(None))
    diff = on[body] - off[body]
    assert diff.mean() > 3  # tinted
    red, blue = diff[..., 0].mean(), diff[..., 2].mean()
    assert red > blue  # towards the plume's brown-orange
    upwind = geo.destination(SITE.lat, SITE.lon, -300.0, -300.0)
    clear_on = _frame(r, _state(*upwind, t=900.0))
    clear_off = _frame(r, _state(*upwind, t=100.0))
    assert np.array_equal(clear_on, clear_off)


def test_the_overlay_shows_time_position_and_readings() -> None:
    r = SceneRenderer(WORLD, 640, 360)
    a = _state(WORLD.origin_lat, WORLD.origin_lon)
    b = CameraState(0, a.lat_deg, a.lon_deg, a.alt_m, 0.0, a.time_unix_s + 1, 900.0, a.readings)
    c = CameraState(0, a.lat_deg, a.lon_deg, a.alt_m, 0.0, a.time_unix_s, 900.0, (("PM2_5", 99.0),))
    fa, fb, fc = _frame(r, a), _frame(r, b), _frame(r, c)
    top, bottom = slice(0, r.bar_px), slice(360 - r.bar_px, 360)
    middle = slice(r.bar_px, 360 - r.bar_px)
    assert not np.array_equal(fa[top], fb[top])  # the clock ticked
    assert np.array_equal(fa[middle], fb[middle])
    assert not np.array_equal(fa[bottom], fc[bottom])  # another reading
    assert (fa[top].max(axis=2) >= 250).any()  # white text on the dark bar


def test_a_landed_drone_still_sees_the_ground() -> None:
    assert footprint(0.0, 640) == footprint(MIN_VIEW_ALT_M, 640)
    assert footprint(120.0, 640).m_per_px > footprint(30.0, 640).m_per_px
