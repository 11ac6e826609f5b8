"""Simulated drone flights through a simulator world, for the tracing and mapping tests."""

from __future__ import annotations

import math

import numpy as np

from sensors.cubes.trajectory import DroneSample
from simulator.world import World, parse_world

SOURCE = {"lat": 36.6462, "lon": 116.9240}


def single_source_world(gust_mps: float = 0.0, veer_deg: float = 0.0) -> World:
    """The default world's wind and background with one stack (SO2 18 g/s, 45 m)."""
    return parse_world(
        {
            "name": "one stack",
            "origin": {"lat": 36.6512, "lon": 116.9303, "alt_m": 32.0},
            "wind": {
                "speed_mps": 3.0,
                "from_deg": 225.0,
                "gust_mps": gust_mps,
                "veer_deg": veer_deg,
                "stability": "D",
                "urban": True,
                "seed": 7,
            },
            "background": {
                "pm2_5": 38.0,
                "pm10": 70.0,
                "so2": 9.0,
                "no2": 28.0,
                "co": 0.6,
                "o3": 85.0,
                "voc": 40.0,
            },
            "sources": [
                {
                    "id": "S1",
                    "lat": SOURCE["lat"],
                    "lon": SOURCE["lon"],
                    "stack_height_m": 45.0,
                    "emissions_g_s": {"so2": 18.0, "no2": 14.0, "co": 9.0, "pm2_5": 2.5},
                }
            ],
        }
    )


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """Point north_m/east_m metres from (lat, lon) (flat earth, as the simulator uses)."""
    r = 6_378_137.0
    return (
        lat + math.degrees(north_m / r),
        lon + math.degrees(east_m / (r * math.cos(math.radians(lat)))),
    )


def transect_flight(
    world: World,
    downwind_m: tuple[float, ...] = (300.0, 500.0, 700.0),
    half_width_m: float = 350.0,
    height_m: float = 60.0,
    speed_mps: float = 5.0,
    seed: int = 1,
    t0_ms: int = 1_777_593_600_000,
) -> list[DroneSample]:
    """Crosswind legs downwind of the world's first source, sampled at 1 Hz with sensor noise."""
    rng = np.random.default_rng(seed)
    src = world.sources[0]
    rad = math.radians(world.wind.from_deg)
    to_n, to_e = -math.cos(rad), -math.sin(rad)
    cross_n, cross_e = to_e, -to_n
    samples: list[DroneSample] = []
    t_s = 0.0
    for leg, d in enumerate(downwind_m):
        sign = 1 if leg % 2 == 0 else -1
        length = 2 * half_width_m
        for i in range(int(length / speed_mps) + 1):
            s = sign * (-half_width_m + i * speed_mps)
            n_m = d * to_n + s * cross_n
            e_m = d * to_e + s * cross_e
            lat, lon = offset(src.lat, src.lon, n_m, e_m)
            truth = world.concentration(lat, lon, height_m, t_s)
            values = {
                p: max(0.0, v * (1 + 0.05 * rng.standard_normal()) + 1.0 * rng.standard_normal())
                for p, v in truth.items()
            }
            samples.append(
                DroneSample(
                    "uav-1", "sortie-1", t0_ms + int(t_s * 1000), lat, lon, height_m, values
                )
            )
            t_s += 1.0
        t_s += 40.0  # transit to the next leg
    return samples
