"""Source tracing on the simulator's world: a crosswind transect flight finds the stack."""

from __future__ import annotations

import math

import pytest

from sensors.tracing import TracingError, WindObs, trace_source
from tests.sensors.flights import SOURCE, single_source_world, transect_flight


def _miss_m(lat: float, lon: float) -> float:
    r = 6_378_137.0
    dn = math.radians(lat - SOURCE["lat"]) * r
    de = math.radians(lon - SOURCE["lon"]) * r * math.cos(math.radians(SOURCE["lat"]))
    return math.hypot(dn, de)


@pytest.mark.parametrize(
    ("gust_mps", "veer_deg", "seed"), [(0.0, 0.0, 1), (0.8, 6.0, 2), (0.8, 6.0, 3)]
)
def test_transect_flight_finds_the_single_source_within_100_m(gust_mps, veer_deg, seed):
    world = single_source_world(gust_mps, veer_deg)
    samples = transect_flight(world, seed=seed)
    speed, from_deg = world.wind.speed_mps, world.wind.from_deg  # the mean wind, as forecast
    est = trace_source(samples, WindObs(speed, from_deg, "D", True))
    miss = _miss_m(est.lat, est.lon)
    assert est.pollutant == "so2"
    assert miss < 100.0
    assert miss <= est.uncertainty_m < 150.0  # the stated radius covers the true error
    assert 10.0 < est.rate_g_s < 30.0  # true 18 g/s


def test_tracing_needs_samples():
    with pytest.raises(TracingError):
        trace_source([], WindObs(3.0, 225.0), pollutant="so2")
