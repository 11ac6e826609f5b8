"""Scalar AQI: IAQI per concentration, AQI, primary pollutant(s) and category.

China HJ 633-2026 (default), HJ 633-2012 and US EPA (TAD 2024). Concentrations are µg/m³
(CO mg/m³) unless a unit is given; EPA converts them to ppm/ppb at 298.15 K, 1013.25 hPa.
Every index is computed in exact integer arithmetic on the input read at 1e-6 resolution;
the vectorised form (sensors.aqi_vector) gives the same values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sensors import units
from sensors.aqi.categories import Category, category
from sensors.aqi.tables import MICRO, STANDARDS, Table, table_for

MODES = ("hourly", "daily")

COLUMNS = (
    "so2_1h",
    "so2_24h",
    "no2_1h",
    "no2_24h",
    "co_1h",
    "co_8h",
    "co_24h",
    "o3_1h",
    "o3_8h",
    "pm10_1h",
    "pm10_24h",
    "pm2_5_1h",
    "pm2_5_24h",
)
"""Concentration columns ``<pollutant>_<averaging>`` the AQI functions understand."""

LABELS = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "co": "CO", "o3": "O3", "pm2_5": "PM2.5"}
"""Primary-pollutant labels, in the order HJ 633 lists the pollutants."""

_EPA_COLUMNS = ("o3_8h", "o3_1h", "pm2_5_24h", "pm10_24h", "co_8h", "so2_1h", "no2_1h")
MODE_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    # 2012 real time: gases 1 h (O3 also its 8 h moving average), PM 24 h moving averages.
    ("hj633-2012", "hourly"): (
        "so2_1h",
        "no2_1h",
        "co_1h",
        "o3_1h",
        "o3_8h",
        "pm10_24h",
        "pm2_5_24h",
    ),
    # 2026 real time: PM 1 h against the 24 h breakpoints.
    ("hj633-2026", "hourly"): (
        "so2_1h",
        "no2_1h",
        "co_1h",
        "o3_1h",
        "o3_8h",
        "pm10_1h",
        "pm2_5_1h",
    ),
    # 2012 daily: seven indices (O3 daily max 1 h and max 8 h); 2026 daily: six.
    ("hj633-2012", "daily"): (
        "so2_24h",
        "no2_24h",
        "co_24h",
        "o3_1h",
        "o3_8h",
        "pm10_24h",
        "pm2_5_24h",
    ),
    ("hj633-2026", "daily"): ("so2_24h", "no2_24h", "co_24h", "o3_8h", "pm10_24h", "pm2_5_24h"),
    ("epa", "hourly"): _EPA_COLUMNS,
    ("epa", "daily"): _EPA_COLUMNS,
}
"""Columns whose IAQI enter the AQI, per (standard, mode)."""

REQUIRED_2026 = {
    "hourly": ("so2_1h", "no2_1h", "co_1h", "o3_1h", "pm10_1h", "pm2_5_1h"),
    "daily": ("so2_24h", "no2_24h", "co_24h", "o3_8h", "pm10_24h", "pm2_5_24h"),
}
"""HJ 633-2026 §5.3.1: with one of these missing the AQI is published only if above 100."""


SUBSTITUTES = {"so2_1h": "so2_24h", "o3_8h": "o3_1h"}
"""Column whose index stands in when a column is above its table (2012; EPA O3)."""


def pollutant_of(column: str) -> str:
    """Pollutant key of a ``<pollutant>_<averaging>`` column."""
    return column.rsplit("_", 1)[0]


def check(standard: str, mode: str = "hourly") -> None:
    """Raise ValueError for an unknown standard or mode."""
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}; expected one of {', '.join(STANDARDS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")


def to_table_unit(table: Table, column: str, value: float, unit: str | None) -> float:
    """Value converted from unit (default: storage unit) to the table's unit."""
    pollutant = pollutant_of(column)
    f = units.factor(pollutant, unit or units.INFO[pollutant].units, table.unit)
    return value if f == 1.0 else value * f


def quantised_micro(table: Table, value: float) -> int:
    """Value (table unit) in micro units, rounded half-even or truncated as the table says."""
    m = round(value * MICRO)
    q = table.quantum_micro
    if table.quantize == "half_even":
        k, r = divmod(m, q)
        if 2 * r > q or (2 * r == q and k % 2 == 1):
            k += 1
        return k * q
    if table.quantize == "truncate":
        return (m // q) * q
    return m


def _index(table: Table, m: int) -> float:
    """Index of a quantised micro concentration: NaN below the table, table.above above it."""
    if m > table.top_micro:
        return table.above
    for lo, hi, ilo, ihi in zip(table.los, table.his, table.ilos, table.ihis, strict=True):
        if m <= hi:
            if m < lo:
                return math.nan
            num, den = (ihi - ilo) * (m - lo), hi - lo
            if table.index_rounding == "ceil":
                return float(ilo + -((-num) // den))
            return float(ilo + (2 * num + den) // (2 * den))
    return math.nan  # pragma: no cover - m <= top always finds a segment


def _micro_or_none(standard: str, column: str, value: float | None, unit: str | None):
    table = table_for(standard, column)
    if table is None or value is None or not math.isfinite(value) or value < 0:
        return table, None
    return table, quantised_micro(table, to_table_unit(table, column, value, unit))


def iaqi(
    column: str, value: float | None, standard: str = "hj633-2026", unit: str | None = None
) -> int | None:
    """Individual index of one concentration column (None: missing, negative or undefined).

    Only the table's own rules apply here (e.g. HJ 633-2026 SO2 1 h above 800 → 200); the
    rules that need another column (2012 substitutions, EPA O3/SO2) live in ``aqi``.
    """
    check(standard)
    table, m = _micro_or_none(standard, column, value, unit)
    if table is None or m is None:
        return None
    x = _index(table, m)
    return None if math.isnan(x) else int(x)


@dataclass(frozen=True)
class AqiResult:
    """IAQI per column, AQI (None = "NA"), primary pollutant labels and category."""

    iaqi: Mapping[str, int | None]
    aqi: int | None
    primary: tuple[str, ...]
    category: Category | None


def column_iaqis(
    values: Mapping[str, float | None],
    standard: str = "hj633-2026",
    mode: str = "hourly",
    units_by_column: Mapping[str, str] | None = None,
) -> dict[str, int | None]:
    """IAQI of every known column in values, after the rules that couple columns."""
    return _coupled(values, standard, mode, units_by_column)[0]


def _coupled(
    values: Mapping[str, float | None],
    standard: str,
    mode: str,
    units_by_column: Mapping[str, str] | None,
) -> tuple[dict[str, int | None], set[str]]:
    """Column IAQIs and the columns above their table whose substitute is missing."""
    check(standard, mode)
    micro: dict[str, int | None] = {}
    out: dict[str, float] = {}
    for column, value in values.items():
        if column not in COLUMNS:
            continue
        unit = (units_by_column or {}).get(column)
        table, m = _micro_or_none(standard, column, value, unit)
        micro[column] = m
        out[column] = math.nan if table is None or m is None else _index(table, m)

    def above(column: str) -> bool:
        table, m = table_for(standard, column), micro.get(column)
        return table is not None and m is not None and m > table.top_micro

    if standard == "hj633-2012":
        if above("so2_1h"):
            out["so2_1h"] = out.get("so2_24h", math.nan)
        if above("o3_8h"):
            out["o3_8h"] = out.get("o3_1h", math.nan)
    elif standard == "epa" and above("so2_1h"):
        s24 = out.get("so2_24h", math.nan)
        out["so2_1h"] = 200.0 if math.isnan(s24) else s24
    unresolved = {
        c
        for c, alt in SUBSTITUTES.items()
        if above(c) and math.isnan(out[c]) and math.isnan(out.get(alt, math.nan))
    }
    return {c: (None if math.isnan(x) else int(x)) for c, x in out.items()}, unresolved


def aqi(
    values: Mapping[str, float | None],
    standard: str = "hj633-2026",
    mode: str = "hourly",
    units_by_column: Mapping[str, str] | None = None,
) -> AqiResult:
    """AQI report of one place and time from its concentration columns.

    The AQI is None ("NA") when no used column has an index, when a column above its table
    lacks the substitute the standard names (2012: SO2 1 h > 800 without SO2 24 h, O3 8 h >
    800 without O3 1 h; EPA: O3 8 h > 0.200 ppm without O3 1 h), and under HJ 633-2026 when a
    required pollutant is missing and the AQI would be 100 or less.
    """
    idx, unresolved = _coupled(values, standard, mode, units_by_column)
    used = [c for c in MODE_COLUMNS[standard, mode] if idx.get(c) is not None]
    if not used or unresolved & set(MODE_COLUMNS[standard, mode]):
        return AqiResult(idx, None, (), None)
    top = max(idx[c] or 0 for c in used)
    value: int | None = min(top, 500)
    if standard == "hj633-2026":
        value = max(value, 1)
        missing = [c for c in REQUIRED_2026[mode] if idx.get(c) is None]
        if missing and value <= 100:
            value = None
    if value is None:
        return AqiResult(idx, None, (), None)
    primary: tuple[str, ...] = ()
    if value > 50:
        hit = {pollutant_of(c) for c in used if idx[c] == top}
        primary = tuple(label for key, label in LABELS.items() if key in hit)
    return AqiResult(idx, value, primary, category(value, standard))
