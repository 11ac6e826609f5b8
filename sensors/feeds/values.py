"""Reading cells the way every layout needs: pollutant names, times, station ids, numbers, units."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sensors import units
from sensors.reasons import Reason
from sensors.units import POLLUTANTS, UnitError

POLLUTANT_ALIASES = {
    "so2": "so2",
    "no2": "no2",
    "co": "co",
    "o3": "o3",
    "o3_1h": "o3",
    "pm10": "pm10",
    "pm2.5": "pm2_5",
    "pm2_5": "pm2_5",
    "pm25": "pm2_5",
    "voc": "voc",
    "tvoc": "voc",
}
"""Column or parameter names accepted for each pollutant (lower-cased, spaces removed)."""

LOCAL_OFFSET_H = 8
"""China Standard Time, the national feeds' local time."""

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
_ZONE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d\d))?$", re.IGNORECASE)

HOUR_MS = 3_600_000

_CANONICAL_UTC = re.compile(r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n)+")
"""Texts all written ``YYYY-MM-DDTHH:MM:SSZ``, one per line."""

_CANONICAL_SPAN_MS = (
    int(np.datetime64("1678-01-01", "ms").astype(np.int64)),
    int(np.datetime64("2262-01-01", "ms").astype(np.int64)),
)
"""Times the canonical fast path reads itself; pandas reads any others."""


def pollutant_key(name: str) -> str | None:
    """Pollutant key of a column or parameter name (None if not a pollutant)."""
    return POLLUTANT_ALIASES.get(name.strip().lower().replace(" ", ""))


@dataclass(frozen=True)
class TimeZone:
    """Time zone of times written without an offset: a fixed offset or an IANA name."""

    offset_ms: int = 0
    name: str | None = None

    @classmethod
    def parse(cls, text: str) -> TimeZone:
        """``UTC``, ``UTC+8``, ``+08:00``, ``UTC-05:30`` or an IANA name (``Asia/Shanghai``)."""
        t = text.strip()
        if t.upper() in ("UTC", "GMT", "Z"):
            return cls()
        m = _ZONE.match(t)
        if m:
            hours, minutes = int(m.group(2)), int(m.group(3) or 0)
            if hours > 14 or minutes >= 60:
                raise ValueError(f"offset out of range: {text!r}")
            sign = -1 if m.group(1) == "-" else 1
            return cls(sign * (hours * HOUR_MS + minutes * 60_000))
        try:
            pd.Timestamp("2026-01-01").tz_localize(t)
        except Exception as exc:  # pytz/zoneinfo raise several types for an unknown name
            raise ValueError(f"unknown time zone {text!r}") from exc
        return cls(0, t)


UTC = TimeZone()


def parse_times(text: pd.Series, zone: TimeZone = UTC) -> tuple[np.ndarray, np.ndarray]:
    """UTC milliseconds and a bad-time mask of ISO 8601 texts (without an offset: in zone)."""
    s = text.astype("string").str.strip()
    has_offset = s.str.contains(_OFFSET, na=False).to_numpy()
    t = pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
    ms, bad = _ms(t)
    if zone.name is None:
        if zone.offset_ms:
            ms = ms - ~has_offset * zone.offset_ms
        return ms, bad
    naive = ~has_offset & ~bad
    if naive.any():
        local = pd.DatetimeIndex(t[naive]).tz_localize(None)
        zoned = local.tz_localize(zone.name, ambiguous="NaT", nonexistent="NaT")
        z_ms, z_bad = _ms(pd.Series(zoned))
        ms[naive], bad[naive] = z_ms, z_bad
    return ms, bad


def local_parts_ms(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray, zone: TimeZone
) -> tuple[np.ndarray, np.ndarray]:
    """UTC milliseconds and a bad mask of local times given as year, month, day, hour numbers.

    Hour 24 is midnight at the end of the day (as daily files often write it).
    """
    n = len(year)
    parts = np.vstack([year, month, day, hour]).astype(np.float64)
    bad = ~np.isfinite(parts).all(axis=0)
    whole = np.where(bad[None, :], 0, parts)
    bad |= (whole != np.round(whole)).any(axis=0)
    y, mo, d, h = (whole[i].astype(np.int64) for i in range(4))
    bad |= (y < 1970) | (y > 2200) | (mo < 1) | (mo > 12) | (d < 1) | (d > 31) | (h < 0) | (h > 24)
    ok = ~bad
    frame = pd.DataFrame({"year": y[ok], "month": mo[ok], "day": d[ok]})
    dates = pd.to_datetime(frame, errors="coerce")
    ms = np.zeros(n, dtype=np.int64)
    d_ms, d_bad = _ms(pd.Series(dates))
    ms[ok] = d_ms + h[ok] * HOUR_MS
    bad[ok] = d_bad
    if zone.name is None:
        return ms - zone.offset_ms, bad
    good = ~bad
    local = pd.DatetimeIndex(ms[good].astype("datetime64[ms]"))
    zoned = local.tz_localize(zone.name, ambiguous="NaT", nonexistent="NaT")
    z_ms, z_bad = _ms(pd.Series(zoned))
    ms[good], bad[good] = z_ms, z_bad
    return ms, bad


def _ms(t: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds since the epoch (UTC) and a missing mask of a datetime series."""
    bad = t.isna().to_numpy().copy()
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    ms = t.to_numpy(dtype="datetime64[ms]", na_value=np.datetime64(0, "ms")).astype(np.int64)
    return ms.copy(), bad


def times_of(column: pd.Series, zone: TimeZone = UTC) -> tuple[np.ndarray, np.ndarray]:
    """parse_times, reading each distinct text once for a categorical column."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return parse_times(column, zone)
    cats = pd.Series(column.cat.categories.astype(str))
    ms_c = _canonical_utc_ms(cats.tolist())
    if ms_c is not None:
        bad_c = np.zeros(ms_c.size, dtype=bool)
    else:
        ms_c, bad_c = parse_times(cats, zone)
    ms_c, bad_c = np.append(ms_c, 0), np.append(bad_c, True)  # code -1 (missing) → bad
    codes = column.cat.codes.to_numpy()
    return ms_c[codes], bad_c[codes]


def _canonical_utc_ms(texts: list[str]) -> np.ndarray | None:
    """UTC milliseconds of texts all written ``YYYY-MM-DDTHH:MM:SSZ`` with valid dates and
    times in 1678–2261 (what parse_times makes of them, read in one pass), else None."""
    if not texts or not _CANONICAL_UTC.fullmatch("\n".join(texts) + "\n"):
        return None
    try:
        ms = np.array([t[:-1] for t in texts], dtype="datetime64[ms]").astype(np.int64)
    except ValueError:  # a day, hour, minute or second out of range: pandas says which
        return None
    lo, hi = _CANONICAL_SPAN_MS
    if ms.size and (ms.min() < lo or ms.max() >= hi):
        return None
    return ms


def station_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct stripped station ids ("" for a missing id) and each row's code into them."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = pd.Series(column.cat.categories.astype(str)).str.strip().to_numpy(dtype=object)
        codes = column.cat.codes.to_numpy().astype(np.int64)
        return np.append(cats, ""), np.where(codes < 0, len(cats), codes)
    ids = np.asarray(column.astype("string").fillna("").str.strip(), dtype=object)
    codes, uniques = pd.factorize(ids)
    return np.asarray(uniques, dtype=object), codes.astype(np.int64)


def numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Values, raw text (None for a column pandas read as numbers) and a blank-cell mask.

    A column holding text (``NA``, ``-``…) is read through its distinct texts, so sentinels
    cost about what blank cells cost.
    """
    if pd.api.types.is_numeric_dtype(column.dtype):
        v = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return v, None, np.isnan(v)
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, distinct = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, distinct = pd.factorize(column)
    text_u = pd.Series(np.asarray(distinct, dtype=object), dtype=object).astype(str).str.strip()
    blank_u = (text_u == "").to_numpy()
    v_u = pd.to_numeric(text_u.where(~blank_u, None), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    missing = codes < 0
    take = np.where(missing, 0, codes) if missing.any() else codes
    if len(text_u) == 0:
        n = len(codes)
        return np.full(n, np.nan), np.full(n, "", dtype=object), np.ones(n, dtype=bool)
    v = v_u[take]
    blank = blank_u[take]
    text = np.asarray(text_u, dtype=object)[take]
    if missing.any():
        v[missing], blank[missing], text[missing] = np.nan, True, ""
    return v, text, blank


def to_storage(pollutant: str, values: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Values converted from unit to the pollutant's storage unit, and the reason code per value.

    UnitError if the unit is unknown or cannot be converted for the pollutant. A CO value
    plausible only in the other mass unit gets ``unit_suspect``.
    """
    f = units.factor(pollutant, unit, units.INFO[pollutant].units)
    out = values * f if f != 1.0 else values
    reason = np.zeros(out.shape, dtype=np.uint8)
    reason[units.mass_unit_suspect(pollutant, out, unit)] = Reason.UNIT_SUSPECT
    return out, reason


def check_unit(pollutant: str, unit: str) -> None:
    """UnitError unless values of pollutant in unit can be stored."""
    units.factor(pollutant, unit, units.INFO[pollutant].units)


__all__ = [
    "LOCAL_OFFSET_H",
    "POLLUTANTS",
    "POLLUTANT_ALIASES",
    "UTC",
    "TimeZone",
    "UnitError",
    "check_unit",
    "local_parts_ms",
    "numbers",
    "parse_times",
    "pollutant_key",
    "station_codes",
    "times_of",
    "to_storage",
]
