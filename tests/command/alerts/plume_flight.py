"""Drone samples of a simulated plume along a planned response, for the tracing tests: the
simulator's world (Gaussian plume, wind with gusts and veer) sampled at 1 Hz with sensor noise."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np

from command.alerts.response import ResponsePlan
from sensors.cubes.trajectory import DroneSample
from simulator.world import World
from tests.sensors.flights import single_source_world

EARTH_RADIUS_M = 6_378_137.0


def stack_world(lat: float, lon: float, gust_mps: float = 0.0, veer_deg: float = 0.0) -> World:
    """The sensors tests' one-stack world (45 m, SO2 18 g/s; wind 3 m/s from 225°, class D)
    with its stack moved to lat/lon."""
    world = single_source_world(gust_mps, veer_deg)
    return replace(world, sources=(replace(world.sources[0], lat=lat, lon=lon),))


def downwind_point(world: World, distance_m: float) -> tuple[float, float]:
    """The point distance_m downwind of the world's first source (mean wind)."""
    src = world.sources[0]
    towards = math.radians(world.wind.from_deg + 180.0)
    north, east = distance_m * math.cos(towards), distance_m * math.sin(towards)
    lat = src.lat + math.degrees(north / EARTH_RADIUS_M)
    lon = src.lon + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(src.lat))))
    return lat, lon


def fly_pattern(
    plan: ResponsePlan, world: World, seed: int, speed_mps: float = 5.0
) -> list[DroneSample]:
    """Samples every second along the plan's pattern legs, at the mission's altitude."""
    rng = np.random.default_rng(seed)
    altitude = max(item.altitude_m for item in plan.mission.items)
    samples: list[DroneSample] = []
    t_s = 0.0
    for leg in plan.pattern_xy:
        for a, b in itertools.pairwise(leg):
            steps = max(1, int(math.dist(a, b) / speed_mps))
            for i in range(steps):
                x = a[0] + (b[0] - a[0]) * i / steps
                y = a[1] + (b[1] - a[1]) * i / steps
                lon, lat = plan.frame.to_lonlat(x, y)
                truth = world.concentration(lat, lon, altitude, t_s)
                values = {
                    p: max(0.0, v * (1 + 0.05 * rng.standard_normal()) + rng.standard_normal())
                    for p, v in truth.items()
                }
                samples.append(
                    DroneSample(
                        "uav-1",
                        "7",
                        1_777_622_400_000 + int(t_s * 1000),
                        lat,
                        lon,
                        altitude,
                        values,
                    )
                )
                t_s += 1.0
    return samples


def distance_m(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Ground distance (m) between two nearby points."""
    dn = math.radians(lat_b - lat_a) * EARTH_RADIUS_M
    de = math.radians(lon_b - lon_a) * EARTH_RADIUS_M * math.cos(math.radians(lat_a))
    return math.hypot(dn, de)
