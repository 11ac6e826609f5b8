"""The simulated world: plume physics and world-file validation."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import geo
from simulator.plume import plume_g_m3, sigma_y_m, sigma_z_m
from simulator.world import WorldError, load_world, parse_world

ONE_SOURCE = {
    "name": "test",
    "origin": {"lat": 36.65, "lon": 116.93, "alt_m": 30},
    "wind": {"speed_mps": 4.0, "from_deg": 270.0, "stability": "D"},
    "background": {"so2": 5.0},
    "sources": [
        {
            "id": "S1",
            "lat": 36.65,
            "lon": 116.93,
            "stack_height_m": 30.0,
            "emissions_g_s": {"so2": 20.0},
        }
    ],
}


def test_default_world_loads_with_sources_and_stations() -> None:
    w = load_world()
    assert w.sources and w.stations
    assert 36.5 < w.origin_lat < 36.8 and 116.8 < w.origin_lon < 117.1


def test_downwind_exceeds_upwind_and_background_far_away() -> None:
    w = parse_world(ONE_SOURCE)
    # Wind from the west blows east: east of the stack is downwind.
    down = geo.destination(36.65, 116.93, 0.0, 600.0)
    up = geo.destination(36.65, 116.93, 0.0, -600.0)
    c_down = w.concentration(*down, 30.0, 0.0)["so2"]
    c_up = w.concentration(*up, 30.0, 0.0)["so2"]
    assert c_up == pytest.approx(5.0)
    assert c_down > 50.0
    # Crosswind 500 m off the axis at 600 m downwind the plume has almost vanished.
    off = geo.destination(36.65, 116.93, 500.0, 600.0)
    assert w.concentration(*off, 30.0, 0.0)["so2"] < 5.0 + 0.01 * (c_down - 5.0)


def test_plume_centreline_matches_the_formula() -> None:
    x, h, u, q = 800.0, 30.0, 4.0, 20.0
    sy, sz = sigma_y_m(x, "D", True), sigma_z_m(x, "D", True)
    # Receptor at stack height on the axis: direct term 1, reflected term exp(-(2h)²/2σz²).
    expected = q / (2 * math.pi * u * sy * sz) * (1.0 + math.exp(-((2 * h) ** 2) / (2 * sz * sz)))
    assert plume_g_m3(q, x, 0.0, h, h, u, "D", True) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(x=st.floats(50, 5000), y=st.floats(0, 500), dy=st.floats(1, 200))
def test_plume_falls_off_crosswind(x: float, y: float, dy: float) -> None:
    near = plume_g_m3(10.0, x, y, 20.0, 20.0, 3.0)
    far = plume_g_m3(10.0, x, y + dy, 20.0, 20.0, 3.0)
    assert far <= near


def test_source_switches_on_at_its_time() -> None:
    doc = json.loads(json.dumps(ONE_SOURCE))
    doc["sources"][0]["on_s"] = 100.0
    w = parse_world(doc)
    p = geo.destination(36.65, 116.93, 0.0, 600.0)
    assert w.concentration(*p, 30.0, 50.0)["so2"] == pytest.approx(5.0)
    assert w.concentration(*p, 30.0, 150.0)["so2"] > 50.0


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"origin": {"lat": 95, "lon": 116.9}}, "origin.lat"),
        ({"wind": {"stability": "Q"}}, "wind.stability"),
        ({"wind": {"speed_mps": "fast"}}, "wind.speed_mps"),
        (
            {"sources": [{"id": "S", "lat": 36.6, "lon": 116.9, "emissions_g_s": {"dust": 1}}]},
            "sources[0].emissions_g_s.dust",
        ),
        (
            {"sources": [{"id": "S", "lat": 36.6, "lon": 116.9, "emissions_g_s": {"so2": -1}}]},
            "sources[0].emissions_g_s.so2",
        ),
        (
            {
                "stations": [
                    {"id": "A", "lat": 36.6, "lon": 116.9},
                    {"id": "A", "lat": 36.6, "lon": 116.9},
                ]
            },
            "stations",
        ),
        ({"start_utc": "yesterday"}, "start_utc"),
    ],
)
def test_bad_world_names_the_field(patch: dict, where: str) -> None:
    doc = {**ONE_SOURCE, **patch}
    with pytest.raises(WorldError) as err:
        parse_world(doc, "w.json")
    assert err.value.where == where
    assert "w.json" in str(err.value)


def test_unreadable_world_file_gives_line(tmp_path) -> None:
    p = tmp_path / "w.json"
    p.write_text('{"origin": {"lat": 36.6,\n "lon": }}')
    with pytest.raises(WorldError, match="line 2"):
        load_world(p)
