"""Source tracing for an alert: samples of a simulated plume flown along the planned transects
find the stack within 100 m and name the enterprise zone inside the uncertainty circle."""

from __future__ import annotations

import pytest

from command.alerts.response import ResponsePlanner
from command.alerts.rules import Pattern
from command.alerts.source import trace_for_alert
from missions.items import Position
from sensors.analysis.tracing import TracingError, WindObs
from tests.command.alerts.plume_flight import (
    distance_m,
    downwind_point,
    fly_pattern,
    stack_world,
)

HOME = Position(36.6440, 116.9420, 30.0)
PLANT = (36.648, 116.945)  # the huaiyin-thermal-plant zone's point
WIND = WindObs(3.0, 225.0, "D", True)  # the mean wind, as the drones report it


@pytest.mark.parametrize(
    ("downwind_m", "gust_mps", "veer_deg", "seed"),
    [(300.0, 0.0, 0.0, 1), (600.0, 0.8, 6.0, 2), (1000.0, 0.8, 6.0, 3)],
)
def test_transects_of_the_response_trace_the_stack_and_name_its_zone(
    zones, downwind_m, gust_mps, veer_deg, seed
) -> None:
    world = stack_world(*PLANT, gust_mps, veer_deg)
    reading = downwind_point(world, downwind_m)
    plan = ResponsePlanner(zones).plan_at(*reading, Pattern.TRANSECTS, WIND, HOME)
    samples = fly_pattern(plan, world, seed)
    finding = trace_for_alert(samples, WIND, zones, pollutant="so2")
    est = finding.estimate
    miss = distance_m(PLANT[0], PLANT[1], est.lat, est.lon)
    assert miss < 100.0
    assert miss <= est.uncertainty_m
    assert 10.0 < est.rate_g_s < 30.0  # 18 g/s emitted
    assert finding.candidates[0].name == "huaiyin-thermal-plant"
    assert finding.candidates[0].distance_m == pytest.approx(miss, abs=1.0)
    assert "huaiyin-thermal-plant" in finding.message and "sulfur dioxide" in finding.message


def test_the_most_prominent_pollutant_is_traced_when_the_alert_names_none(zones) -> None:
    world = stack_world(*PLANT)
    plan = ResponsePlanner(zones).plan_at(
        *downwind_point(world, 400.0), Pattern.TRANSECTS, WIND, HOME
    )
    finding = trace_for_alert(fly_pattern(plan, world, 4), WIND, zones, pollutant="aqi")
    assert finding.estimate.pollutant in ("so2", "no2")


def test_a_source_away_from_every_enterprise_names_none(zones) -> None:
    stack = (36.6560, 116.9550)  # 1.3 km from the plant, no zone there
    world = stack_world(*stack)
    plan = ResponsePlanner(zones).plan_at(
        *downwind_point(world, 300.0), Pattern.TRANSECTS, WIND, Position(36.652, 116.951, 30.0)
    )
    finding = trace_for_alert(fly_pattern(plan, world, 5), WIND, zones, pollutant="so2")
    assert distance_m(*stack, finding.estimate.lat, finding.estimate.lon) < 100.0
    assert finding.candidates == ()
    assert "no enterprise zone within" in finding.message


def test_too_few_samples_cannot_be_traced(zones) -> None:
    with pytest.raises(TracingError):
        trace_for_alert([], WIND, zones, pollutant="so2")
