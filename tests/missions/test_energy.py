import math

import pytest

from missions.checks import Limits, check_mission
from missions.endurance import battery_needed_pct, endurance_findings
from missions.energy import ARDUCOPTER_SITL_QUAD, SURVEY_QUAD, EnergyModel, calibration_factor
from missions.estimate import estimate_flight
from tests.missions.sorties import sitl_sortie


def test_the_sitl_sortie_is_estimated_near_what_sitl_drained():
    """ArduCopter SITL drained 67 % of its pack on this sortie; a flat 25-minute endurance
    said 16 %. Its default frame hovers at 29.3 A on a 3300 mAh pack."""
    estimate = estimate_flight(sitl_sortie(), energy=ARDUCOPTER_SITL_QUAD)
    flat = 100 * estimate.time_s / (25 * 60)
    assert 14 <= flat <= 18
    needed = battery_needed_pct(estimate, ARDUCOPTER_SITL_QUAD)
    assert abs(needed - 67) <= 8, needed
    # the same sortie on the survey quad's 10 Ah pack is a small share
    assert battery_needed_pct(estimate, SURVEY_QUAD) < 25


def test_calibration_from_a_flown_sortie_makes_the_model_match_it():
    estimate = estimate_flight(sitl_sortie(), energy=ARDUCOPTER_SITL_QUAD)
    factor = calibration_factor(estimate.energy_mah, measured_pct=67.0, capacity_mah=3300.0)
    calibrated = ARDUCOPTER_SITL_QUAD.calibrated(factor)
    assert battery_needed_pct(estimate, calibrated) == pytest.approx(67.0)
    by_mah = calibration_factor(estimate.energy_mah, measured_mah=0.67 * 3300.0)
    assert by_mah == pytest.approx(factor)
    # a calibrated model shortens the hover endurance by the same factor
    assert calibrated.hover_endurance_s == pytest.approx(
        ARDUCOPTER_SITL_QUAD.hover_endurance_s / factor
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"measured_mah": 100.0, "measured_pct": 10.0, "capacity_mah": 3300.0},
        {"measured_pct": 50.0},
        {"measured_pct": 0.0, "capacity_mah": 3300.0},
        {"measured_pct": 150.0, "capacity_mah": 3300.0},
        {"measured_mah": math.nan},
        {"measured_mah": 50_000.0},  # 20 × the estimate: the model or the measure is wrong
    ],
)
def test_calibration_refuses_what_it_cannot_judge(kwargs):
    with pytest.raises(ValueError):
        calibration_factor(2000.0, **kwargs)


def test_energy_model_shape_and_validation():
    model = SURVEY_QUAD
    assert model.hover_endurance_s == pytest.approx(10_000 * 3.6 / 18.0)
    assert model.level_current_a(10.0) > model.level_current_a(0.0) == model.hover_current_a
    assert model.climb_current_a(2.5) > model.hover_current_a
    assert model.with_hover_endurance(600.0).hover_endurance_s == pytest.approx(600.0)
    assert model.with_capacity(5000.0).hover_endurance_s == pytest.approx(
        model.hover_endurance_s / 2
    )
    with pytest.raises(ValueError, match="hover_current_a"):
        EnergyModel("broken", 3300.0, math.nan, 0.0, 0.0)


def test_endurance_uses_the_remaining_battery_and_the_reserve():
    estimate = estimate_flight(sitl_sortie(), energy=ARDUCOPTER_SITL_QUAD)
    small = ARDUCOPTER_SITL_QUAD.with_capacity(10_000.0)  # needs about 21 %
    assert endurance_findings(estimate, small, 0.25) == []
    assert endurance_findings(estimate, small, 0.25, battery_remaining_pct=100.0) == []
    low = endurance_findings(estimate, small, 0.25, battery_remaining_pct=45.0)
    assert [f.code for f in low] == ["ENDURANCE"] and "45%" in low[0].message
    tight = endurance_findings(estimate, small, 0.25, battery_remaining_pct=48.0)
    assert [f.code for f in tight] == ["ENDURANCE_TIGHT"]
    for unknown in (-1.0, math.nan, 130.0):
        found = endurance_findings(estimate, small, 0.25, battery_remaining_pct=unknown)
        assert [f.code for f in found] == ["BATTERY_UNKNOWN"]


def test_limits_endurance_rescales_the_model_and_bad_limits_are_refused():
    limits = Limits(endurance_s=10 * 60.0)
    assert limits.battery.hover_endurance_s == pytest.approx(600.0)
    assert limits.usable_endurance_s == pytest.approx(450.0)
    codes = {f.code for f in check_mission(sitl_sortie(), limits=Limits(endurance_s=120.0))}
    assert "ENDURANCE" in codes
    for bad in ({"reserve_fraction": 1.0}, {"ceiling_m": math.nan}, {"endurance_s": 0.0}):
        with pytest.raises(ValueError, match="limits"):
            Limits(**bad)
