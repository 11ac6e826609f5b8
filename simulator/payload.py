"""The drone's air-quality payload: samples the world's field where the vehicle is, with sensor
noise, for NAMED_VALUE_FLOAT at about 1 Hz.

Names (at most 10 characters, as NAMED_VALUE_FLOAT allows) and units:
PM2_5, PM10, SO2, NO2, O3, VOC in µg/m³; CO in mg/m³.
"""

from __future__ import annotations

import random

from simulator.world import POLLUTANTS, World

PAYLOAD_NAMES = {
    "pm2_5": "PM2_5",
    "pm10": "PM10",
    "so2": "SO2",
    "no2": "NO2",
    "co": "CO",
    "o3": "O3",
    "voc": "VOC",
}
"""NAMED_VALUE_FLOAT name of each pollutant key."""

# Sensor noise: relative standard deviation and an absolute floor (same units as the value).
_NOISE = {
    "pm2_5": (0.05, 1.5),
    "pm10": (0.05, 2.0),
    "so2": (0.05, 2.0),
    "no2": (0.05, 2.0),
    "co": (0.05, 0.03),
    "o3": (0.05, 3.0),
    "voc": (0.08, 3.0),
}


class Payload:
    """A seeded multi-gas/particle sensor head."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)

    def sample(self, lat: float, lon: float, height_m: float, t_s: float) -> dict[str, float]:
        """One reading per pollutant key, never negative."""
        true = self.world.concentration(lat, lon, height_m, t_s)
        out = {}
        for key in POLLUTANTS:
            rel, floor = _NOISE[key]
            value = true.get(key, 0.0)
            sigma = max(rel * value, floor)
            out[key] = max(0.0, value + self.rng.gauss(0.0, sigma))
        return out
