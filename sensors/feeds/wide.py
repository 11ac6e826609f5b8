"""Wide station rows (a station, a time, one column per pollutant) read as FeedBatch matrices.

The simulator feed, the national hourly layout and every TOML mapping are wide; they differ
only in the WideSpec: where the station and time are, the time zone, each column's unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.feeds.csv_text import header_of, read_csv_batches
from sensors.feeds.protocol import FeedBatch
from sensors.feeds.values import (
    UTC,
    TimeZone,
    local_parts_ms,
    numbers,
    station_codes,
    times_of,
    to_storage,
)
from sensors.reasons import Reason, Rejected
from sensors.units import POLLUTANTS


@dataclass(frozen=True)
class WideColumn:
    """One pollutant column: its field name, pollutant key and the unit the file gives it in."""

    field: str
    pollutant: str
    unit: str


@dataclass(frozen=True)
class WideSpec:
    """Where a wide file keeps each thing.

    The station is a column or one fixed id; the time is one column (ISO 8601, or ``time_format``
    for strptime) or year/month/day/hour columns; times without an offset are in ``zone``;
    ``hour_label`` "start" shifts times by an hour to the end of the averaging period.
    """

    pollutants: tuple[WideColumn, ...]
    station_column: str | None = None
    station_id: str | None = None
    time_column: str | None = None
    time_parts: tuple[str, str, str, str] | None = None
    time_format: str | None = None
    zone: TimeZone = UTC
    hour_label: str = "end"

    def used_columns(self) -> set[str]:
        """Columns this spec reads."""
        used = {c.field for c in self.pollutants}
        for name in (self.station_column, self.time_column, *(self.time_parts or ())):
            if name:
                used.add(name)
        return used

    def text_columns(self, header: list[str]) -> tuple[str, ...]:
        """Columns read as categoricals: station, time and the unused text columns."""
        numeric = {c.field for c in self.pollutants} | set(self.time_parts or ())
        return tuple(h for h in header if h not in numeric and h.lower() not in _COORDS)


_COORDS = {"latitude", "longitude", "lat", "lon"}


def read_wide(path: Path, spec: WideSpec, batch_rows: int) -> Iterator[FeedBatch]:
    """The rows of a wide file as FeedBatch matrices, in file order (built on parse threads)."""
    header = header_of(path)
    dtype = dict.fromkeys(spec.text_columns(header), "category")

    def convert(chunk: pd.DataFrame, lines: np.ndarray, malformed: list) -> FeedBatch:
        batch = wide_batch(chunk, lines, spec)
        for c in spec.pollutants:  # a column with text in it: later blocks read it as categories
            if not pd.api.types.is_numeric_dtype(chunk[c.field].dtype):
                dtype[c.field] = "category"
        batch.rejected = [
            Rejected(line, "*", "", Reason.MALFORMED, detail) for line, detail in malformed
        ]
        batch.rows = len(lines) + len(malformed)
        return batch

    yield from read_csv_batches(path, batch_rows, dtype, convert)


def wide_batch(chunk: pd.DataFrame, lines: np.ndarray, spec: WideSpec) -> FeedBatch:
    """A parsed chunk of wide rows as a matrix, values converted to storage units."""
    n, k = len(chunk), len(spec.pollutants)
    if spec.station_column is not None:
        ids, codes = station_codes(chunk[spec.station_column])
    else:
        ids, codes = np.array([spec.station_id or ""], dtype=object), np.zeros(n, np.int64)
    t_ms, bad_time = _times(chunk, spec)
    pidx = np.array([POLLUTANTS.index(c.pollutant) for c in spec.pollutants], dtype=np.int64)
    value = np.empty((n, k), dtype=np.float64, order="F")
    blank = np.zeros((n, k), dtype=bool, order="F")
    reason = np.zeros((n, k), dtype=np.uint8, order="F")
    texts: list[np.ndarray | None] = []
    for j, c in enumerate(spec.pollutants):
        v, text, blank[:, j] = numbers(chunk[c.field])
        value[:, j], reason[:, j] = to_storage(c.pollutant, v, c.unit)
        texts.append(text)
    return FeedBatch(
        lines,
        ids,
        codes,
        t_ms,
        bad_time,
        pidx,
        tuple(c.field for c in spec.pollutants),
        value,
        blank,
        texts,
        reason,
    )


def _times(chunk: pd.DataFrame, spec: WideSpec) -> tuple[np.ndarray, np.ndarray]:
    if spec.time_parts is not None:
        parts = [numbers(chunk[c])[0] for c in spec.time_parts]
        ms, bad = local_parts_ms(*parts, zone=spec.zone)
    else:
        assert spec.time_column is not None
        column = chunk[spec.time_column]
        if spec.time_format is None:
            ms, bad = times_of(column, spec.zone)
        else:
            ms, bad = _formatted(column, spec.time_format, spec.zone)
    if spec.hour_label == "start":
        ms = ms + 3_600_000
    return ms, bad


def _formatted(column: pd.Series, fmt: str, zone: TimeZone) -> tuple[np.ndarray, np.ndarray]:
    """Times in a strptime format, each distinct text parsed once."""
    cats = column.astype("category")
    texts = pd.Series(cats.cat.categories.astype(str)).str.strip()
    t = pd.to_datetime(texts, format=fmt, errors="coerce")
    iso = t.dt.strftime("%Y-%m-%dT%H:%M:%S").where(t.notna(), "")
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        iso = t.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(t.notna(), "")
    ms_c, bad_c = times_of(pd.Series(pd.Categorical(iso)), zone)
    ms_c, bad_c = np.append(ms_c, 0), np.append(bad_c, True)
    codes = cats.cat.codes.to_numpy()
    return ms_c[codes], bad_c[codes]
