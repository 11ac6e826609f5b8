"""AQI: every breakpoint edge of every table, worked values, special rules, properties."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.aqi import MODE_COLUMNS, aqi, iaqi
from sensors.aqi.categories import category
from sensors.aqi.tables import MICRO, STANDARDS, TABLES
from sensors.aqi.vector import aqi_arrays, iaqi_array


def _hand(table, c: Fraction) -> int:
    """The standard's formula worked in exact fractions, rounded as the standard says."""
    for lo, hi, ilo, ihi in zip(table.los, table.his, table.ilos, table.ihis, strict=True):
        lo_f, hi_f = Fraction(lo, MICRO), Fraction(hi, MICRO)
        if lo_f <= c <= hi_f:
            x = Fraction(ihi - ilo) / (hi_f - lo_f) * (c - lo_f) + ilo
            if table.index_rounding == "ceil":
                return math.ceil(x)
            return math.floor(x + Fraction(1, 2))
    raise AssertionError(f"{c} outside {table.column}")


def _step(table) -> Fraction:
    """Smallest distinguishable concentration step above a breakpoint."""
    return Fraction(table.quantum_micro, MICRO) if table.quantum_micro > 1 else Fraction(1, 1000)


EDGES = [
    (std, col, k, side)
    for (std, col), t in TABLES.items()
    for k in range(len(t.los))
    for side in ("lo", "lo+", "hi-", "hi")
]


@pytest.mark.parametrize(("standard", "column", "segment", "side"), EDGES)
def test_every_breakpoint_edge_matches_the_formula(standard, column, segment, side):
    table = TABLES[standard, column]
    lo = Fraction(table.los[segment], MICRO)
    hi = Fraction(table.his[segment], MICRO)
    step = _step(table)
    c = {"lo": lo, "lo+": lo + step, "hi-": hi - step, "hi": hi}[side]
    expected = _hand(table, c)
    if side == "lo":
        assert expected == table.ilos[segment]
    if side == "hi":
        assert expected == table.ihis[segment]
    value = float(Decimal(c.numerator) / Decimal(c.denominator))
    assert iaqi(column, value, standard, unit=table.unit) == expected
    assert iaqi_array(column, np.array([value]), standard, unit=table.unit)[0] == expected


@pytest.mark.parametrize(
    ("column", "c", "v2012", "v2026"),
    [
        ("pm2_5_24h", 75, 100, 114),
        ("pm10_24h", 150, 100, 112),
        ("so2_24h", 100, 75, 75),
        ("co_1h", 65.4, 218, 218),
        ("o3_8h", 120, 67, 67),
        ("no2_1h", 250, 105, 105),
    ],
)
def test_worked_values_of_the_reference(column, c, v2012, v2026):
    assert iaqi(column, c, "hj633-2012") == v2012
    assert iaqi(column, c, "hj633-2026") == v2026
    assert iaqi_array(column, np.array([c]), "hj633-2026")[0] == v2026


def test_2026_rounds_concentrations_half_even_before_the_index():
    # 35.5 → 36 (even), 36.5 → 36 (even): both give ceil(50 + 50·1/25) = 52
    assert iaqi("pm2_5_24h", 35.5, "hj633-2026") == iaqi("pm2_5_24h", 36, "hj633-2026") == 52
    assert iaqi("pm2_5_24h", 36.5, "hj633-2026") == 52
    assert iaqi("pm2_5_24h", 35.4, "hj633-2026") == 50
    assert iaqi("pm2_5_24h", 35.4, "hj633-2012") == 51  # 2012 does not round first
    assert iaqi("co_1h", 5.05, "hj633-2026") == 50  # 5.05 → 5.0
    assert iaqi("co_1h", 5.15, "hj633-2026") == 52  # 5.15 → 5.2 → ceil(50+50·0.2/5)


def test_so2_one_hour_above_800():
    base = {"no2_1h": 10, "co_1h": 0.3, "o3_1h": 20, "pm10_1h": 20, "pm2_5_1h": 10}
    r26 = aqi({**base, "so2_1h": 801}, "hj633-2026")
    assert r26.iaqi["so2_1h"] == 200 and r26.aqi == 200 and r26.primary == ("SO2",)
    r12 = aqi({"so2_1h": 1000, "so2_24h": 1700, "pm2_5_24h": 10}, "hj633-2012")
    assert r12.iaqi["so2_1h"] == iaqi("so2_24h", 1700, "hj633-2012") == 320
    assert r12.aqi == 320
    assert aqi({"so2_1h": 1000, "pm2_5_24h": 10}, "hj633-2012").aqi is None


def test_o3_eight_hour_above_800():
    r26 = aqi(
        {"o3_8h": 900, "so2_24h": 5, "no2_24h": 5, "co_24h": 0.2, "pm10_24h": 5, "pm2_5_24h": 5},
        "hj633-2026",
        "daily",
    )
    assert r26.iaqi["o3_8h"] == 300 and r26.aqi == 300
    r12 = aqi({"o3_8h": 900, "o3_1h": 1100}, "hj633-2012", "daily")
    assert r12.iaqi["o3_8h"] == r12.iaqi["o3_1h"] == 450 and r12.aqi == 450


def test_2026_missing_pollutant_publishes_only_above_100():
    partial = {"pm2_5_1h": 30, "pm10_1h": 40}
    assert aqi(partial, "hj633-2026").aqi is None
    assert aqi({**partial, "pm2_5_1h": 100}, "hj633-2026").aqi == 137
    assert aqi(partial, "hj633-2012", "hourly").aqi is None  # 2012 uses PM 24 h here
    assert aqi({"pm2_5_24h": 30}, "hj633-2012").aqi == 43


def test_primary_pollutants_ties_listed_only_above_50():
    r = aqi({"pm10_24h": 150, "pm2_5_24h": 75, "so2_24h": 5}, "hj633-2012", "daily")
    assert r.aqi == 100 and r.primary == ("PM10", "PM2.5")
    assert aqi({"pm2_5_24h": 20}, "hj633-2012", "daily").primary == ()


def test_above_the_top_breakpoint_is_capped_at_500():
    assert iaqi("pm2_5_24h", 800, "hj633-2026") == 500
    assert iaqi("pm2_5_24h", 400, "epa") == 500


def test_epa_truncates_then_rounds_and_switches_tables():
    assert iaqi("pm2_5_24h", 9.09, "epa") == 50  # 9.09 → 9.0
    assert iaqi("pm2_5_24h", 35.49, "epa") == 100
    assert iaqi("pm2_5_24h", 35.5, "epa") == 101
    assert iaqi("o3_8h", 0.0709, "epa", unit="ppm") == 100
    assert iaqi("o3_8h", 0.201, "epa", unit="ppm") is None
    units = {"o3_8h": "ppm", "o3_1h": "ppm"}
    r = aqi({"o3_8h": 0.25, "o3_1h": 0.25}, "epa", "hourly", units)
    assert r.aqi == iaqi("o3_1h", 0.25, "epa", unit="ppm") == 223
    so2 = aqi({"so2_1h": 400, "so2_24h": 350}, "epa", "hourly", {"so2_1h": "ppb", "so2_24h": "ppb"})
    assert so2.aqi == 216
    assert aqi({"so2_1h": 400}, "epa", "hourly", {"so2_1h": "ppb"}).aqi == 200


def test_epa_converts_mass_concentration_at_25_celsius():
    # 100 ppb NO2 = 100 · 46.0055 / 24.465 µg/m³
    ug = 100 * 46.0055 / 24.465
    assert iaqi("no2_1h", ug + 1e-6, "epa") == iaqi("no2_1h", 100, "epa", unit="ppb") == 100


def test_china_converts_ppb_at_the_reference_state():
    assert iaqi("so2_1h", 150 * 24.465 / 64.066, "hj633-2012", unit="ppb") == 50


@pytest.mark.parametrize(
    ("value", "zh", "en", "rgb"),
    [
        (0, "优", "excellent", (0, 228, 0)),
        (50, "优", "excellent", (0, 228, 0)),
        (51, "良", "good", (255, 255, 0)),
        (100, "良", "good", (255, 255, 0)),
        (101, "轻度污染", "lightly polluted", (255, 126, 0)),
        (150, "轻度污染", "lightly polluted", (255, 126, 0)),
        (151, "中度污染", "moderately polluted", (255, 0, 0)),
        (200, "中度污染", "moderately polluted", (255, 0, 0)),
        (201, "重度污染", "heavily polluted", (153, 0, 76)),
        (300, "重度污染", "heavily polluted", (153, 0, 76)),
        (301, "严重污染", "severely polluted", (126, 0, 35)),
        (500, "严重污染", "severely polluted", (126, 0, 35)),
    ],
)
def test_china_categories_and_colours(value, zh, en, rgb):
    c = category(value)
    assert (c.zh, c.en, c.rgb) == (zh, en, rgb)


def test_epa_very_unhealthy_colour():
    assert category(250, "epa").rgb == (143, 63, 151)


concentration = st.floats(min_value=0, max_value=4000, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(TABLES)), concentration, concentration)
def test_iaqi_is_monotonic_in_concentration(key, a, b):
    standard, column = key
    lo, hi = sorted((a, b))
    ia, ib = iaqi(column, lo, standard), iaqi(column, hi, standard)
    if ia is not None and ib is not None:
        assert ia <= ib


maybe = st.one_of(st.none(), concentration, st.sampled_from([0.0, 35.0, 75.0, 800.0, 800.5]))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(STANDARDS),
    st.sampled_from(["hourly", "daily"]),
    st.fixed_dictionaries(
        {c: maybe for c in sorted({c for v in MODE_COLUMNS.values() for c in v} | {"so2_24h"})}
    ),
)
def test_vectorised_equals_scalar(standard, mode, row):
    scalar = aqi(row, standard, mode)
    arrays = {c: np.array([np.nan if v is None else v]) for c, v in row.items()}
    vec = aqi_arrays(arrays, standard, mode)
    for c, v in scalar.iaqi.items():
        got = vec.iaqi[c][0]
        assert (v is None and np.isnan(got)) or got == v, c
    assert (scalar.aqi is None and np.isnan(vec.aqi[0])) or vec.aqi[0] == scalar.aqi
    assert vec.primary_labels()[0] == ";".join(scalar.primary)
    assert vec.category[0] == (scalar.category.index if scalar.category else -1)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(TABLES)), st.lists(concentration, min_size=1, max_size=200))
def test_iaqi_array_equals_scalar(key, values):
    standard, column = key
    got = iaqi_array(column, np.array(values), standard)
    for v, g in zip(values, got, strict=True):
        want = iaqi(column, v, standard)
        assert (want is None and np.isnan(g)) or g == want
