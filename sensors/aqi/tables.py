"""Breakpoint tables of HJ 633-2012, HJ 633-2026 and the US EPA AQI (TAD, May 2024).

Concentrations are held as integers of 1e-6 of the table unit ("micro units") so every
index is computed in exact arithmetic; tables are segments (C_lo, C_hi, I_lo, I_hi).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

MICRO = 1_000_000
"""Micro units per table unit: concentrations are read at 1e-6 resolution."""

STANDARDS = ("hj633-2026", "hj633-2012", "epa")
"""Supported standards; hj633-2026 is the default."""


def _micro(text: str) -> int:
    return int(Decimal(text) * MICRO)


@dataclass(frozen=True)
class Table:
    """One pollutant/averaging table: segments in micro units and how inputs are quantised.

    quantum_micro: step inputs are rounded (``half_even``) or truncated (``truncate``) to
    before lookup; index_rounding: ``ceil`` (China) or ``half_up`` (EPA).
    """

    standard: str
    column: str
    unit: str
    los: tuple[int, ...]
    his: tuple[int, ...]
    ilos: tuple[int, ...]
    ihis: tuple[int, ...]
    quantum_micro: int = 1
    quantize: str = "none"
    index_rounding: str = "ceil"
    above: float = 500.0

    @property
    def top_micro(self) -> int:
        """Highest breakpoint (micro units)."""
        return self.his[-1]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Segments as float64 arrays (exact: every value is an integer below 2**53)."""
        return (
            np.asarray(self.los, dtype=np.float64),
            np.asarray(self.his, dtype=np.float64),
            np.asarray(self.ilos, dtype=np.float64),
            np.asarray(np.subtract(self.ihis, self.ilos), dtype=np.float64),
        )


_IAQI = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633 Table 1 (µg/m³, CO mg/m³); PM10/PM2.5 rows differ at IAQI 100 between versions.
_CHINA_COMMON: dict[str, tuple[str, ...]] = {
    "so2_24h": ("0", "50", "150", "475", "800", "1600", "2100", "2620"),
    "so2_1h": ("0", "150", "500", "650", "800"),
    "no2_24h": ("0", "40", "80", "180", "280", "565", "750", "940"),
    "no2_1h": ("0", "100", "200", "700", "1200", "2340", "3090", "3840"),
    "co_24h": ("0", "2", "4", "14", "24", "36", "48", "60"),
    "co_1h": ("0", "5", "10", "35", "60", "90", "120", "150"),
    "o3_1h": ("0", "160", "200", "300", "400", "800", "1000", "1200"),
    "o3_8h": ("0", "100", "160", "215", "265", "800"),
}
_CHINA_PM = {
    "hj633-2012": {
        "pm10_24h": ("0", "50", "150", "250", "350", "420", "500", "600"),
        "pm2_5_24h": ("0", "35", "75", "115", "150", "250", "350", "500"),
    },
    "hj633-2026": {
        "pm10_24h": ("0", "50", "120", "250", "350", "420", "500", "600"),
        "pm2_5_24h": ("0", "35", "60", "115", "150", "250", "350", "500"),
    },
}


def _china(standard: str, column: str, points: tuple[str, ...]) -> Table:
    bp = [_micro(p) for p in points]
    n = len(bp) - 1
    unit = "mg m-3" if column.startswith("co") else "ug m-3"
    if standard == "hj633-2026":
        # GB/T 8170 rounding first: integers, CO one decimal.
        quantum = MICRO // 10 if column.startswith("co") else MICRO
        quantize = "half_even"
    else:
        quantum, quantize = 1, "none"
    # Above the top breakpoint: SO2 1 h > 800 and O3 8 h > 800 have their own rules
    # (2026: IAQI 200 / 300; 2012: substitute the 24 h / 1 h index, NaN here); the others
    # are capped at 500, common practice where the standard is silent.
    above = 500.0
    if column == "so2_1h":
        above = 200.0 if standard == "hj633-2026" else float("nan")
    elif column == "o3_8h":
        above = 300.0 if standard == "hj633-2026" else float("nan")
    return Table(
        standard,
        column,
        unit,
        tuple(bp[:n]),
        tuple(bp[1:]),
        _IAQI[:n],
        _IAQI[1 : n + 1],
        quantum,
        quantize,
        "ceil",
        above,
    )


# US EPA, Technical Assistance Document for the Reporting of Daily Air Quality (May 2024).
# (unit, truncation step, rows of (C_lo, C_hi, I_lo, I_hi))
_EPA: dict[str, tuple[str, str, tuple[tuple[str, str, int, int], ...]]] = {
    "o3_8h": (
        "ppm",
        "0.001",
        (
            ("0.000", "0.054", 0, 50),
            ("0.055", "0.070", 51, 100),
            ("0.071", "0.085", 101, 150),
            ("0.086", "0.105", 151, 200),
            ("0.106", "0.200", 201, 300),
        ),
    ),
    "o3_1h": (
        "ppm",
        "0.001",
        (
            ("0.125", "0.164", 101, 150),
            ("0.165", "0.204", 151, 200),
            ("0.205", "0.404", 201, 300),
            ("0.405", "0.604", 301, 500),
        ),
    ),
    "pm2_5_24h": (
        "ug m-3",
        "0.1",
        (
            ("0.0", "9.0", 0, 50),
            ("9.1", "35.4", 51, 100),
            ("35.5", "55.4", 101, 150),
            ("55.5", "125.4", 151, 200),
            ("125.5", "225.4", 201, 300),
            ("225.5", "325.4", 301, 500),
        ),
    ),
    "pm10_24h": (
        "ug m-3",
        "1",
        (
            ("0", "54", 0, 50),
            ("55", "154", 51, 100),
            ("155", "254", 101, 150),
            ("255", "354", 151, 200),
            ("355", "424", 201, 300),
            ("425", "604", 301, 500),
        ),
    ),
    "co_8h": (
        "ppm",
        "0.1",
        (
            ("0.0", "4.4", 0, 50),
            ("4.5", "9.4", 51, 100),
            ("9.5", "12.4", 101, 150),
            ("12.5", "15.4", 151, 200),
            ("15.5", "30.4", 201, 300),
            ("30.5", "50.4", 301, 500),
        ),
    ),
    "so2_1h": (
        "ppb",
        "1",
        (
            ("0", "35", 0, 50),
            ("36", "75", 51, 100),
            ("76", "185", 101, 150),
            ("186", "304", 151, 200),
        ),
    ),
    "so2_24h": ("ppb", "1", (("305", "604", 201, 300), ("605", "1004", 301, 500))),
    "no2_1h": (
        "ppb",
        "1",
        (
            ("0", "53", 0, 50),
            ("54", "100", 51, 100),
            ("101", "360", 101, 150),
            ("361", "649", 151, 200),
            ("650", "1249", 201, 300),
            ("1250", "2049", 301, 500),
        ),
    ),
}


def _epa(column: str) -> Table:
    unit, step, rows = _EPA[column]
    # O3 8 h above 0.200 ppm uses the 1 h table; SO2 1 h above 304 ppb uses the 24 h table.
    above = float("nan") if column in ("o3_8h", "so2_1h") else 500.0
    return Table(
        "epa",
        column,
        unit,
        tuple(_micro(r[0]) for r in rows),
        tuple(_micro(r[1]) for r in rows),
        tuple(r[2] for r in rows),
        tuple(r[3] for r in rows),
        _micro(step),
        "truncate",
        "half_up",
        above,
    )


def _build() -> dict[tuple[str, str], Table]:
    tables: dict[tuple[str, str], Table] = {}
    for std in ("hj633-2012", "hj633-2026"):
        for column, points in {**_CHINA_COMMON, **_CHINA_PM[std]}.items():
            tables[std, column] = _china(std, column, points)
    for column in _EPA:
        tables["epa", column] = _epa(column)
    return tables


TABLES: dict[tuple[str, str], Table] = _build()
"""All tables by (standard, column), column being ``<pollutant>_<averaging>``."""


def table_for(standard: str, column: str) -> Table | None:
    """The table a concentration column is indexed against (None if the standard has none).

    HJ 633-2026 indexes the 1-hour PM concentrations against the 24-hour breakpoints.
    """
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}; expected one of {STANDARDS}")
    if standard == "hj633-2026" and column in ("pm10_1h", "pm2_5_1h"):
        column = column.replace("_1h", "_24h")
    return TABLES.get((standard, column))
