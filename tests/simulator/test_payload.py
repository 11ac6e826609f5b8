"""The air-quality payload samples the plume the world model predicts."""

from __future__ import annotations

import json
import statistics

from simulator import geo
from simulator.world import parse_world
from tests.helpers.sitl import Gcs, sitl
from tests.simulator.flying import go_to, take_off

HOME = (36.6512, 116.9303)
SOURCE = geo.destination(*HOME, 0.0, -200.0)  # 200 m west of home
WORLD = {
    "name": "one stack",
    "origin": {"lat": HOME[0], "lon": HOME[1], "alt_m": 30.0},
    "wind": {"speed_mps": 4.0, "from_deg": 270.0, "stability": "D"},  # blows toward the east
    "background": {
        "so2": 6.0,
        "pm2_5": 30.0,
        "pm10": 50.0,
        "no2": 20.0,
        "co": 0.5,
        "o3": 80.0,
        "voc": 30.0,
    },
    "sources": [
        {
            "id": "STACK",
            "lat": SOURCE[0],
            "lon": SOURCE[1],
            "stack_height_m": 30.0,
            "emissions_g_s": {"so2": 25.0},
        }
    ],
}


def _hover_samples(
    g: Gcs, home, north: float, east: float, n: int = 12
) -> tuple[list[float], list[float]]:
    go_to(g, home, north, east, 30)
    target = geo.destination(*home, north, east)
    g.recv(
        "GLOBAL_POSITION_INT",
        lambda m: geo.offset_m(target[0], target[1], m.lat / 1e7, m.lon / 1e7)[1] ** 2 < 4,
        timeout=60,
    )
    world = parse_world(WORLD)
    measured, expected = [], []
    pos = None
    while len(measured) < n:
        m = g.recv(["NAMED_VALUE_FLOAT", "GLOBAL_POSITION_INT"])
        if m.get_type() == "GLOBAL_POSITION_INT":
            pos = m
        elif m.name == "SO2" and pos is not None:
            measured.append(m.value)
            expected.append(
                world.concentration(
                    pos.lat / 1e7, pos.lon / 1e7, pos.relative_alt / 1000, m.time_boot_ms / 1000
                )["so2"]
            )
    return measured, expected


def test_downwind_samples_exceed_upwind_and_match_the_plume(tmp_path) -> None:
    path = tmp_path / "world.json"
    path.write_text(json.dumps(WORLD))
    with sitl(tmp_path, speedup=20, world=path) as s:
        g = Gcs(s.url())
        g.request_streams(4)
        home = take_off(g, 30)
        down, down_expected = _hover_samples(g, home, 0.0, 300.0)  # 500 m downwind
        up, up_expected = _hover_samples(g, home, 0.0, -400.0)  # 200 m upwind
        names = {m.name for m in g.seen if m.get_type() == "NAMED_VALUE_FLOAT"}
        assert names == {"PM2_5", "PM10", "SO2", "NO2", "CO", "O3", "VOC"}
        g.close()
    assert statistics.mean(down) > 5 * statistics.mean(up)
    assert abs(statistics.mean(up) - 6.0) < 1.5  # background only
    assert abs(statistics.mean(down) - statistics.mean(down_expected)) < 0.1 * statistics.mean(
        down_expected
    )
    assert statistics.mean(up_expected) == 6.0
