"""Each rule kind fires just past its threshold and stays quiet at it (and cannot judge without
the readings it needs, which never fires)."""

from __future__ import annotations

import math

import pytest

from command.alerts.engine import AlertEngine
from command.alerts.rules import build_rule
from command.events.types import AlertRaised
from tests.command.alerts.conftest import at, drone, station


def _engine(zones=(), **table) -> AlertEngine:
    names = {z.name for z in zones}
    return AlertEngine([build_rule({"name": "r", **table}, zones=names)], zones)


def _raised(outcome) -> list[AlertRaised]:
    return [e for e in outcome.events if isinstance(e, AlertRaised)]


@pytest.mark.parametrize(
    ("table", "pollutant", "quiet", "fires"),
    [
        # HJ 633-2026: PM2.5 1 h against the 24 h breakpoints, concentrations rounded half-even
        ({"category": 2}, "pm2_5", 60.5, 60.6),
        ({"iaqi_above": 100}, "pm2_5", 60.0, 61.0),
        ({"category": 3}, "pm10", 250.0, 251.0),
        ({"category": 2}, "so2", 500.0, 501.0),  # 1 h table
        ({"category": 2}, "co", 10.0, 10.1),
        ({"category": 2}, "o3", 200.0, 201.0),
        ({"category": 2, "standard": "hj633-2012"}, "pm2_5", 75.0, 75.1),
        ({"category": 2, "standard": "epa"}, "pm2_5", 35.4, 35.5),
    ],
)
def test_aqi_rule_fires_just_above_its_category_or_value(table, pollutant, quiet, fires) -> None:
    engine = _engine(kind="aqi", pollutants=[pollutant], **table)
    assert _raised(engine.observe(station(**{pollutant: quiet}), at(0))) == []
    (raised,) = _raised(engine.observe(station(minutes=60, **{pollutant: fires}), at(60)))
    assert raised.pollutant == pollutant and raised.value > 100
    assert raised.place == "station:S1"


def test_aqi_rule_on_the_overall_aqi_names_the_primary_pollutant() -> None:
    engine = _engine(kind="aqi", pollutants=["aqi"], iaqi_above=150)
    clean = {"pm2_5": 30.0, "pm10": 60.0, "so2": 10.0, "no2": 30.0, "co": 0.8, "o3": 90.0}
    assert _raised(engine.observe(station(**{**clean, "pm2_5": 115.0}), at(0))) == []  # AQI 150
    (raised,) = _raised(engine.observe(station(minutes=60, **{**clean, "pm2_5": 116.0}), at(60)))
    assert raised.value == 152 and "primary PM2.5" in raised.message


def test_aqi_rule_cannot_judge_a_pollutant_the_reading_lacks() -> None:
    engine = _engine(kind="aqi", pollutants=["pm2_5"], category=2)
    assert engine.observe(station(so2=900.0), at(0)).events == ()
    assert engine.open_alerts() == ()


def _rise_engine(**extra):
    return _engine(kind="rise_rate", pollutants=["so2"], rise_per_hour=25.0, **extra)


def test_rise_rate_fires_above_its_slope_not_at_it() -> None:
    engine = _rise_engine()
    for k, value in enumerate((100.0, 125.0, 150.0)):  # exactly 25 per hour
        assert _raised(engine.observe(station(minutes=60 * k, so2=value), at(60 * k))) == []
    engine = _rise_engine()
    outcomes = [
        engine.observe(station(minutes=60 * k, so2=v), at(60 * k))
        for k, v in enumerate((100.0, 125.0, 150.3))
    ]
    (raised,) = _raised(outcomes[-1])
    assert raised.value == pytest.approx(25.15)
    assert "rising 25.1" in raised.message or "rising 25.2" in raised.message


def test_rise_rate_needs_its_readings_within_the_window() -> None:
    engine = _rise_engine(min_readings=3, window_minutes=120)
    engine.observe(station(minutes=0, so2=10.0), at(0))
    engine.observe(station(minutes=180, so2=200.0), at(180))  # the first is out of the window
    assert engine.open_alerts() == ()  # two readings: cannot judge, never fires
    engine.observe(station(minutes=240, so2=300.0), at(240))
    assert engine.open_alerts() == ()  # still only two within 120 min
    engine.observe(station(minutes=270, so2=400.0), at(270))
    assert len(engine.open_alerts()) == 1


def test_rise_rate_ignores_a_repeated_or_older_period() -> None:
    engine = _rise_engine(min_readings=2)
    engine.observe(station(minutes=60, so2=10.0), at(60))
    engine.observe(station(minutes=0, so2=500.0), at(61))  # late and older: already past
    engine.observe(station(minutes=60, so2=900.0), at(62))  # the same period again
    assert engine.open_alerts() == ()


RING = [(36.651 + 0.01 * math.cos(a), 116.93 + 0.012 * math.sin(a)) for a in range(5)]


def _ring(engine: AlertEngine, values, minutes: float = 0.0) -> None:
    for k, ((lat, lon), value) in enumerate(zip(RING, values, strict=True)):
        engine.observe(station(f"N{k}", minutes, lat, lon, pm10=value), at(minutes))


@pytest.mark.parametrize(("value", "fires"), [(58.7, False), (58.8, True)])
def test_hot_spot_fires_past_z_min_robust_sigma(value: float, fires: bool) -> None:
    # neighbours 48..52: median 50, spread max(1.4826 MAD, 5 % of the median) = 2.5 → 58.75
    engine = _engine(kind="hot_spot", pollutants=["pm10"], radius_km=3.0, z_min=3.5)
    _ring(engine, [48.0, 50.0, 52.0, 49.0, 51.0])
    far = engine.observe(station("FAR", 0, 36.80, 117.20, pm10=900.0), at(0))
    assert _raised(far) == []  # no neighbours within 3 km: cannot judge
    raised = _raised(engine.observe(station("HOT", 0, 36.651, 116.93, pm10=value), at(1)))
    assert bool(raised) is fires
    if fires:
        assert "against 50" in raised[0].message and "5 stations within 3 km" in raised[0].message


def test_hot_spot_needs_min_excess_and_recent_neighbours() -> None:
    engine = _engine(kind="hot_spot", pollutants=["pm10"], min_excess=10.0, max_age_minutes=90)
    _ring(engine, [48.0, 50.0, 52.0, 49.0, 51.0])
    assert _raised(engine.observe(station("HOT", 0, 36.651, 116.93, pm10=59.0), at(0))) == []
    assert len(_raised(engine.observe(station("HOT", 60, 36.651, 116.93, pm10=61.0), at(60)))) == 1
    engine = _engine(kind="hot_spot", pollutants=["pm10"], max_age_minutes=90)
    _ring(engine, [48.0, 50.0, 52.0, 49.0, 51.0])
    late = engine.observe(station("HOT", 120, 36.651, 116.93, pm10=200.0), at(120))
    assert _raised(late) == []  # neighbours 2 h old: cannot judge


def test_silence_fires_after_its_minutes_on_tick_and_clears_when_the_station_reports() -> None:
    engine = _engine(kind="silence", silent_minutes=90)
    engine.observe(station(minutes=0, pm2_5=30.0), at(0))
    assert engine.tick(at(90)).events == ()
    (raised,) = _raised(engine.tick(at(90.02)))
    assert raised.pollutant == "all" and "no reading for 90 min" in raised.message
    assert engine.tick(at(120)).events == ()  # still the same alert, nothing new
    back = engine.observe(station(minutes=150, pm2_5=30.0), at(150))
    assert "cleared" in back.events[0].message
    (alert,) = engine.open_alerts()
    assert alert.cleared and alert.is_open


def test_silence_of_one_pollutant_and_of_a_listed_station_never_heard() -> None:
    names = {"S1", "S2"}
    rule = build_rule(
        {
            "name": "r",
            "kind": "silence",
            "silent_minutes": 60,
            "pollutants": ["so2"],
            "stations": ["S1", "S2"],
        },
        stations=names,
    )
    engine = AlertEngine([rule])
    engine.tick(at(0))  # monitoring begins
    engine.observe(station("S1", 30, pm2_5=30.0), at(30))  # reports, but no SO2
    raised = {e.place: e for e in _raised(engine.tick(at(61)))}
    assert set(raised) == {"station:S1", "station:S2"}
    assert raised["station:S1"].pollutant == "so2"
    assert "since monitoring began" in raised["station:S2"].message


@pytest.mark.parametrize(("value", "fires"), [(500.0, False), (500.1, True)])
def test_drone_sample_fires_above_its_value(value: float, fires: bool) -> None:
    engine = _engine(kind="drone_sample", pollutants=["so2"], above=500.0)
    raised = _raised(engine.observe(drone(so2=value, pm2_5=900.0), at(0)))
    assert bool(raised) is fires
    if fires:
        assert raised[0].place.startswith("cell:") and raised[0].latitude_deg == 36.66


def test_a_rule_on_a_zone_reads_only_what_lies_in_it(zones) -> None:
    engine = _engine(
        zones,
        kind="drone_sample",
        pollutants=["voc"],
        above=300.0,
        zone="yanshan-construction-site",
    )
    assert engine.observe(drone(36.6600, 116.9600, voc=900.0), at(0)).events == ()
    (raised,) = _raised(engine.observe(drone(36.6411, 116.9212, voc=900.0), at(1)))
    assert raised.place == "zone:yanshan-construction-site"
    station_rule = _engine(zones, kind="aqi", pollutants=["pm10"], category=2, zone="wetland-park")
    assert station_rule.observe(station(lat=36.60, lon=116.90, pm10=400.0), at(0)).events == ()
