"""The documented long layout: ``time_utc,station_id,pollutant,value,unit``, one value per row.

Columns in any order; pollutant ``pm2_5 pm10 so2 no2 co o3 voc`` (also ``PM2.5``, ``pm25``);
unit ``ug/m3``, ``µg/m³``, ``mg/m3``, ``ppb``, ``ppm``. The matrix has one column per
pollutant and one value per row; an empty value cell is a missing value, not a blank.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.feeds.csv_text import header_of, read_csv_batches
from sensors.feeds.protocol import FeedBatch, FeedFile
from sensors.feeds.values import (
    UnitError,
    numbers,
    pollutant_key,
    station_codes,
    times_of,
    to_storage,
)
from sensors.reasons import Reason, Rejected
from sensors.units import POLLUTANTS

HEADER = ("time_utc", "station_id", "pollutant", "value", "unit")

_ALL = np.arange(len(POLLUTANTS), dtype=np.int64)


class LongFeed:
    """One value per row with its own unit."""

    name = "long"
    priority = 20

    def can_open(self, feed: FeedFile) -> bool:
        """True for a CSV whose header holds exactly the five long columns."""
        return feed.header is not None and {h.lower() for h in feed.header} == set(HEADER)

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """Rows as matrices of the seven pollutants (one cell per row holds the value)."""
        cols = {h.lower(): h for h in header_of(path)}
        dtype = {cols[c]: "category" for c in ("time_utc", "station_id", "pollutant", "unit")}
        dtype[cols["value"]] = "string"

        def convert(chunk: pd.DataFrame, lines: np.ndarray, malformed: list) -> FeedBatch:
            batch = rows_batch(
                lines,
                chunk[cols["station_id"]],
                chunk[cols["time_utc"]],
                chunk[cols["pollutant"]],
                chunk[cols["value"]],
                chunk[cols["unit"]],
                cols["value"],
            )
            batch.rejected += [
                Rejected(line, "*", "", Reason.MALFORMED, detail) for line, detail in malformed
            ]
            batch.rows = len(lines) + len(malformed)
            return batch

        yield from read_csv_batches(path, batch_rows, dtype, convert)


def rows_batch(
    line: np.ndarray,
    station: pd.Series,
    time: pd.Series | tuple[np.ndarray, np.ndarray],
    pollutant: pd.Series,
    value: pd.Series,
    unit: pd.Series,
    field: str,
) -> FeedBatch:
    """A FeedBatch from one-value-per-row columns (time as texts, or UTC ms and a bad mask)."""
    n = len(line)
    ids, codes = station_codes(station)
    t_ms, bad_time = times_of(time) if isinstance(time, pd.Series) else time
    raw_pol = pollutant.astype(str).fillna("").str.strip().to_numpy(dtype=object)
    keys = pd.Series(raw_pol).map(lambda p: pollutant_key(p) or "").to_numpy(dtype=object)
    pol = pd.Index(POLLUTANTS).get_indexer(keys)
    v, text, blank_value = numbers(value)
    units = unit.astype(str).fillna("").str.strip().to_numpy(dtype=object)
    blank_row = blank_value & (ids[codes] == "") & (raw_pol == "")
    stored = v.copy()
    cell_reason = np.zeros(n, dtype=np.uint8)
    for u in pd.unique(units):
        sel = units == u
        if u == "":
            cell_reason[sel] = Reason.UNIT_MISSING
            continue
        for k in np.unique(pol[sel]):
            if k < 0:
                continue
            rows = sel & (pol == k)
            try:
                stored[rows], cell_reason[rows] = to_storage(POLLUTANTS[k], v[rows], u)
            except UnitError:
                cell_reason[rows] = Reason.UNIT_UNKNOWN
    rejected = []
    for i in np.flatnonzero((pol < 0) & ~blank_row):
        shown = text[i] if text is not None and text[i] != "" else _fmt(v[i])
        rejected.append(
            Rejected(
                int(line[i]),
                field,
                str(shown),
                Reason.UNKNOWN_POLLUTANT,
                f"station {ids[codes[i]]}",
            )
        )
    k = len(POLLUTANTS)
    matrix = np.full((n, k), np.nan, order="F")
    blank = np.ones((n, k), dtype=bool, order="F")
    reason = np.zeros((n, k), dtype=np.uint8, order="F")
    has = np.flatnonzero((pol >= 0) & ~blank_row)
    matrix[has, pol[has]] = stored[has]
    blank[has, pol[has]] = False
    reason[has, pol[has]] = cell_reason[has]
    if text is None:
        text = np.full(n, "", dtype=object)
    return FeedBatch(
        np.asarray(line, dtype=np.int64),
        ids,
        codes,
        t_ms,
        bad_time & ~blank_row,
        _ALL,
        (field,) * k,
        matrix,
        blank,
        [text] * k,
        reason,
        rejected,
        n,
    )


def _fmt(v: float) -> str:
    return "" if np.isnan(v) else repr(float(v))


LAYOUT = LongFeed()
