"""The value checks every ingest path shares, vectorised: sentinels, signs, physical range, time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensors.reasons import NO_REASON, Reason
from sensors.units import POLLUTANTS

SENTINELS = (-9999.0, -999.0, -99.0, 9999.0, 99999.0)
"""Numbers station feeds use for "no data"."""

SENTINEL_WORDS = frozenset(
    {"nan", "na", "n/a", "null", "none", "—", "-", "--", "inf", "-inf", "+inf", "infinity"}
)
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

_FIRST_HIGH_SENTINEL = min(s for s in SENTINELS if s > 0)

FUTURE_TOLERANCE_S = 3600.0
"""How far past the ingest clock a time may lie (station clocks drift; periods end on the hour)."""


def cell_reasons(values: np.ndarray, pollutant: str, text: np.ndarray | None = None) -> np.ndarray:
    """Reason code per value of one pollutant (0 = plausible), storage units.

    text, when given, is the raw text of each cell: a cell whose text did not read as a
    number is a sentinel word or not a number. One pass finds the plausible cells; only
    the others are looked at closely.
    """
    v = np.asarray(values, dtype=np.float64)
    reason = np.zeros(v.shape, dtype=np.uint8)
    top = MAX_VALUE[pollutant]
    odd = np.flatnonzero(~((v >= 0) & (v < min(top, _FIRST_HIGH_SENTINEL))))
    if odd.size == 0:
        return reason
    x = v[odd]
    r = np.zeros(odd.size, dtype=np.uint8)
    r[x > top] = Reason.OUT_OF_RANGE
    r[x < 0] = Reason.NEGATIVE
    r[np.isin(x, SENTINELS) | ~np.isfinite(x)] = Reason.NAN_OR_SENTINEL
    if text is not None:
        nan = np.flatnonzero(np.isnan(x))
        raw = np.asarray(text[odd[nan]], dtype=object)
        written = raw != ""
        if written.any():  # each distinct text judged once: sentinels cost what blanks cost
            codes, distinct = pd.factorize(raw[written])
            judged = np.array([text_reason(str(t)) for t in distinct], dtype=np.uint8)
            r[nan[written]] = judged[codes]
    reason[odd] = r
    return reason


def text_reason(raw: str) -> Reason:
    """Reason for a cell whose text did not read as a number."""
    return Reason.NAN_OR_SENTINEL if raw.strip().lower() in SENTINEL_WORDS else Reason.NOT_A_NUMBER


def future_rows(time_ms: np.ndarray, now_ms: int, tolerance_s: float) -> np.ndarray:
    """Rows stamped later than now_ms by more than tolerance_s."""
    return np.asarray(time_ms) > now_ms + int(tolerance_s * 1000)


def value_reasons(pollutant_index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Reason code per value of mixed pollutants (index into POLLUTANTS), 0 = plausible."""
    v = np.asarray(values, dtype=np.float64)
    p = np.asarray(pollutant_index)
    out = np.full(v.shape, NO_REASON, dtype=np.uint8)
    for k in np.unique(p):
        sel = p == k
        out[sel] = cell_reasons(v[sel], POLLUTANTS[int(k)])
    return out
