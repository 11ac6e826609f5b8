"""Quarantine reasons and the value checks every ingest path shares (vectorised)."""

from __future__ import annotations

import numpy as np

from sensors.units import POLLUTANTS

REASONS = {
    "negative": "concentration below zero",
    "nan_or_sentinel": "NaN, infinite or a missing-data sentinel such as -9999",
    "not_a_number": "value is not a number",
    "out_of_range": "concentration above the physical range",
    "unknown_station": "station id not in the station metadata",
    "unknown_pollutant": "pollutant name not recognised",
    "unit_missing": "no unit given for the value",
    "unit_unknown": "unit not recognised or not convertible for this pollutant",
    "duplicate": "same station/vehicle, time and pollutant already accepted",
    "out_of_order": "time earlier than the series' latest time by more than the window",
    "bad_time": "time missing or not ISO 8601",
    "malformed": "row cannot be split into the header's fields",
    "no_position": "drone position unknown (no fix yet, or none near the sample time)",
    "no_time": "no wall-clock time for the drone sample (no SYSTEM_TIME yet)",
}
"""Every quarantine reason with its meaning."""

SENTINELS = (-9999.0, -999.0, -99.0, 9999.0, 99999.0)
"""Numbers station feeds use for "no data"."""

SENTINEL_WORDS = frozenset({"nan", "na", "n/a", "null", "none", "—", "-", "--", "inf", "-inf"})
"""Text station feeds use for "no data" (compared lower-cased)."""

MAX_VALUE = {
    "pm2_5": 2000.0,
    "pm10": 10000.0,
    "so2": 10000.0,
    "no2": 4000.0,
    "co": 150.0,
    "o3": 1500.0,
    "voc": 100000.0,
}
"""Upper physical range per pollutant in storage units (µg/m³; CO mg/m³)."""

_MAX = np.array([MAX_VALUE[p] for p in POLLUTANTS])


def constant(n: int, value: object) -> np.ndarray:
    """Object array of n copies of value (much faster than np.full for objects)."""
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def value_reasons(pollutant_index: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Reason per value ('' = plausible): NaN/sentinel, negative or out of range."""
    v = np.asarray(value, dtype=np.float64)
    reason = constant(v.size, "").reshape(v.shape)
    reason[v > _MAX[np.asarray(pollutant_index)]] = "out_of_range"
    reason[v < 0] = "negative"
    reason[np.isin(v, SENTINELS) | ~np.isfinite(v)] = "nan_or_sentinel"
    return reason


def text_reason(raw: str) -> str:
    """Reason for a cell whose text did not parse as a number."""
    return "nan_or_sentinel" if raw.strip().lower() in SENTINEL_WORDS else "not_a_number"
