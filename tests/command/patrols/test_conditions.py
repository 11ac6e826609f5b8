"""Flying conditions at their boundaries: wind limits, report age and reach, night, windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import box

from command.patrols import Cause, Conditions, FlyingRules, NightRule, NoFlyWindow, WindReport
from command.patrols.conditions import sun_elevation_deg

from .district import place

T0 = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)
HERE = place(0.0, 0.0)


def wind(speed: float, at: datetime = T0, east_km: float = 0.0, source: str = "s1") -> WindReport:
    lat, lon = place(east_km, 0.0)
    return WindReport(source, lat, lon, speed, at)


def conditions(**rules: object) -> Conditions:
    return Conditions(FlyingRules(**rules))  # type: ignore[arg-type]


def test_wind_at_the_limit_flies_and_just_above_it_waits_naming_the_report() -> None:
    c = conditions(wind_limit_mps=8.0)
    c.report_wind(wind(8.0))
    assert c.forbids(*HERE, 2, T0) is None
    c.report_wind(wind(8.01, T0 + timedelta(minutes=1)))
    hold = c.forbids(*HERE, 2, T0 + timedelta(minutes=1))
    assert hold is not None and hold.cause is Cause.WIND
    assert hold.reason == "wind 8.0 m/s at s1 above the 8 m/s limit"


def test_critical_work_has_its_own_wind_limit() -> None:
    c = conditions(wind_limit_mps=8.0, critical_wind_limit_mps=12.0)
    c.report_wind(wind(10.0))
    assert c.forbids(*HERE, 1, T0) is None
    assert c.forbids(*HERE, 2, T0).cause is Cause.WIND  # type: ignore[union-attr]
    c.report_wind(wind(12.5, T0 + timedelta(seconds=1)))
    assert c.forbids(*HERE, 1, T0 + timedelta(seconds=1)).cause is Cause.WIND  # type: ignore[union-attr]


def test_the_strongest_fresh_report_nearby_counts() -> None:
    c = conditions(wind_limit_mps=8.0, wind_radius_m=5000.0)
    c.report_wind(wind(4.0, source="near"))
    c.report_wind(wind(9.0, east_km=4.9, source="edge"))
    c.report_wind(wind(20.0, east_km=5.2, source="far"))
    hold = c.forbids(*HERE, 2, T0)
    assert hold is not None and "edge" in hold.reason


def test_without_a_fresh_report_nearby_the_wind_check_refuses() -> None:
    c = conditions(wind_limit_mps=8.0, wind_max_age_s=1800.0, wind_radius_m=5000.0)
    assert c.forbids(*HERE, 2, T0).cause is Cause.WIND_UNKNOWN  # type: ignore[union-attr]
    c.report_wind(wind(3.0, at=T0 - timedelta(seconds=1800)))
    assert c.forbids(*HERE, 2, T0) is None  # exactly the maximum age: still fresh
    later = T0 + timedelta(seconds=1)
    hold = c.forbids(*HERE, 2, later)
    assert hold is not None and hold.cause is Cause.WIND_UNKNOWN
    assert hold.reason == "no wind report within 5 km in the last 30 min"
    c.report_wind(wind(3.0, at=later, east_km=5.1, source="far"))
    assert c.forbids(*HERE, 2, later).cause is Cause.WIND_UNKNOWN  # type: ignore[union-attr]


def test_no_wind_limit_means_no_wind_check() -> None:
    assert conditions(wind_limit_mps=None).forbids(*HERE, 3, T0) is None


def test_an_older_report_does_not_replace_a_newer_one_and_bad_speeds_are_refused() -> None:
    c = conditions(wind_limit_mps=8.0)
    c.report_wind(wind(9.0, T0))
    c.report_wind(wind(2.0, T0 - timedelta(minutes=5)))
    assert c.forbids(*HERE, 2, T0).cause is Cause.WIND  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="speed nan"):
        c.report_wind(wind(float("nan")))


def test_night_follows_the_sun_elevation_at_the_zone_with_the_boundary_flying() -> None:
    dusk = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)  # 20:00 in Jinan, the sun near −5°
    sun = sun_elevation_deg(*HERE, dusk)
    assert -10.0 < sun < 0.0
    at_limit = conditions(wind_limit_mps=None, night=NightRule(sun_below_deg=sun))
    assert at_limit.forbids(*HERE, 2, dusk) is None
    above = conditions(wind_limit_mps=None, night=NightRule(sun_below_deg=sun + 0.01))
    hold = above.forbids(*HERE, 2, dusk)
    assert hold is not None and hold.cause is Cause.NIGHT
    assert sun_elevation_deg(*HERE, T0) > 40.0  # 10:00 local: broad daylight
    assert above.forbids(*HERE, 2, T0) is None


def test_night_exempts_critical_work_when_configured() -> None:
    midnight = datetime(2026, 6, 2, 16, 0, tzinfo=UTC)  # 00:00 in Jinan
    c = conditions(wind_limit_mps=None, night=NightRule(exempt_max_priority=1))
    assert c.forbids(*HERE, 1, midnight) is None
    hold = c.forbids(*HERE, 2, midnight)
    assert hold is not None and "only priority 1 and above fly at night" in hold.reason
    strict = conditions(wind_limit_mps=None, night=NightRule())
    assert strict.forbids(*HERE, 1, midnight).cause is Cause.NIGHT  # type: ignore[union-attr]


def test_no_fly_window_starts_inclusive_ends_exclusive_and_covers_only_its_area() -> None:
    lat, lon = HERE
    area = box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    window = NoFlyWindow("marathon", T0, T0 + timedelta(hours=2), area)
    c = conditions(wind_limit_mps=None, windows=(window,))
    assert c.forbids(lat, lon, 1, T0 - timedelta(seconds=1)) is None
    hold = c.forbids(lat, lon, 1, T0)
    assert hold is not None and hold.cause is Cause.NO_FLY
    assert hold.reason == "no-fly window 'marathon' until 2026-06-02 04:00 UTC"
    assert c.forbids(lat, lon, 1, T0 + timedelta(hours=2)) is None
    assert c.forbids(lat + 0.02, lon, 1, T0 + timedelta(hours=1)) is None
    c.remove_window("marathon")
    assert c.forbids(lat, lon, 1, T0) is None
    c.add_window(NoFlyWindow("everywhere", T0, T0 + timedelta(minutes=1)))
    assert c.forbids(lat + 0.5, lon, 1, T0).cause is Cause.NO_FLY  # type: ignore[union-attr]


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="'x': end is not after start"):
        NoFlyWindow("x", T0, T0)


def test_a_wind_report_newer_than_the_rounds_now_still_counts() -> None:
    """Each drone's newest report replaces the one before many times a second, so while a round
    judges (its `now` taken at the start) the held report is often younger than `now`."""

    conditions = Conditions(FlyingRules())
    now = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
    conditions.report_wind(WindReport("d1", 36.65, 116.93, 3.0, now + timedelta(seconds=0.2)))
    assert conditions.forbids(36.65, 116.93, 2, now) is None
