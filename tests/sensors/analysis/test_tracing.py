"""Source tracing on the simulator's world: a crosswind transect flight finds the stack."""

from __future__ import annotations

import math

import pytest

from sensors.analysis.tracing import TracingError, WindObs, trace_source
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


def test_plume_fit_is_a_true_non_negative_least_squares() -> None:
    """When the background would be negative, the rate is refitted with it held at zero."""
    import numpy as np

    from sensors.analysis.tracing import _fit_linear

    rss, b, q = _fit_linear(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([0.0, 0.0, 1.0, 10.0]))
    assert b[0] == 0.0
    assert q[0] == pytest.approx(43 / 30)  # Σfc / Σff = 43 / 30
    assert rss[0] == pytest.approx(39.3667, abs=1e-3)
    rss, b, q = _fit_linear(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([3.0, 5.0, 7.0, 9.0]))
    assert (b[0], q[0], rss[0]) == pytest.approx((1.0, 2.0, 0.0))
