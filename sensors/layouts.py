"""Station feed layouts: detect a file's layout by its header and read it as candidate values.

Layouts: ``meta`` (station_id,name,latitude,longitude,height_m), ``simulator`` (the SITL
station feed), ``long`` (time_utc,station_id,pollutant,value,unit — the documented layout),
``wide`` (the national hourly layout: station, time, SO2, NO2, CO, O3, PM10, PM2.5; local
time UTC+8 unless the column is time_utc or the value carries an offset) and ``openaq``
(OpenAQ-style JSON measurements).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.csv_blocks import BlockError, parse_blocks
from sensors.units import POLLUTANTS

SIM_HEADER = ("time_utc", "station_id", "station_name", "latitude", "longitude", *POLLUTANTS)
META_HEADER = ("station_id", "name", "latitude", "longitude", "height_m")
LONG_HEADER = ("time_utc", "station_id", "pollutant", "value", "unit")

_STATION_NAMES = {"station_id", "stationcode", "station_code", "code", "站点编码", "监测点编码"}
_TIME_NAMES = {"time_utc", "timepoint", "time", "datetime", "time_local", "date_time", "时间"}
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
"""Column or parameter names accepted for each pollutant (lower-cased)."""

LOCAL_OFFSET_H = 8
"""China Standard Time, used for wide-layout times without an offset."""

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


class IngestError(ValueError):
    """A file that cannot be ingested at all; names the file, line and field. Nothing is written."""

    def __init__(self, path: Path | str, line: int, field: str, reason: str) -> None:
        super().__init__(f"{path}:{line}: {field}: {reason}")
        self.path, self.line, self.field, self.reason = str(path), line, field, reason


@dataclass(frozen=True)
class Candidates:
    """Values read from a batch of rows, before the cube's checks; reason '' = plausible so far."""

    line: np.ndarray
    field: np.ndarray
    station_id: np.ndarray
    time_ms: np.ndarray
    pollutant: np.ndarray
    value: np.ndarray
    text: np.ndarray
    unit: np.ndarray
    reason: np.ndarray


@dataclass(frozen=True)
class WideColumns:
    """Where the wide layout keeps station, time and each pollutant."""

    station: str
    time: str
    pollutants: dict[str, str]
    time_is_utc: bool


def header_of(path: Path) -> list[str]:
    """Field names of a CSV's first line."""
    try:
        with path.open("rb") as f:
            first = f.readline().decode("utf-8-sig")
    except OSError as exc:
        raise IngestError(path, 0, "file", exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise IngestError(path, 1, "header", "not UTF-8 text") from exc
    return [h.strip() for h in first.rstrip("\r\n").split(",")]


def detect(path: Path) -> str:
    """Layout name of a station file, from its extension and header."""
    if path.suffix.lower() in (".json", ".ndjson"):
        return "openaq"
    header = header_of(path)
    lowered = tuple(h.lower() for h in header)
    if lowered == SIM_HEADER:
        return "simulator"
    if lowered == META_HEADER:
        return "meta"
    if set(lowered) == set(LONG_HEADER):
        return "long"
    if wide_columns(header) is not None:
        return "wide"
    raise IngestError(path, 1, "header", f"layout not recognised: {','.join(header)!r}")


def wide_columns(header: list[str]) -> WideColumns | None:
    """Station, time and pollutant columns of a wide header (None if it is not one)."""
    station = next((h for h in header if h.lower().replace(" ", "") in _STATION_NAMES), None)
    time = next((h for h in header if h.lower().replace(" ", "") in _TIME_NAMES), None)
    pollutants = {}
    for h in header:
        key = POLLUTANT_ALIASES.get(h.lower().replace(" ", ""))
        if key is not None and key not in pollutants:
            pollutants[key] = h
    if station is None or time is None or not pollutants:
        return None
    return WideColumns(station, time, pollutants, time.lower() == "time_utc")


def parse_times(text: pd.Series, local_offset_h: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """UTC milliseconds and a bad-time mask; values without an offset are local_offset_h ahead."""
    s = text.astype("string").str.strip()
    t = pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
    bad = t.isna().to_numpy()
    ms = t.to_numpy(dtype="datetime64[ms]", na_value=np.datetime64(0, "ms")).astype(np.int64)
    if local_offset_h:
        naive = ~s.str.contains(_OFFSET, na=False).to_numpy()
        ms = ms - naive * (local_offset_h * 3_600_000)
    return ms, bad


def numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, raw text and a "cell was blank" mask of one column (any dtype)."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        v = column.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(v)
        text = np.empty(v.size, dtype=object)
        text[:] = ""  # numbers need no text; rejected ones are printed from the value
        return v, text, blank
    text = column.astype("string").fillna("").str.strip()
    blank = (text == "").to_numpy()
    v = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    return v, np.asarray(text, dtype=object), blank


def read_csv_batches(
    path: Path, batch_rows: int, text_columns: tuple[str, ...], categorical: bool = False
) -> Iterator[tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]]:
    """Batches of at most batch_rows rows, their line numbers and malformed (line, text).

    text_columns are read as strings, or as pandas categoricals (each distinct text once)
    with categorical; blocks of the file are parsed side by side on worker threads.
    """
    header = header_of(path)
    dtype = dict.fromkeys(text_columns, "category" if categorical else "string")
    try:
        for block in parse_blocks(path, header, dtype):
            malformed = block.malformed
            for start in range(0, max(len(block.frame), 1), batch_rows):
                stop = start + batch_rows
                frame = block.frame if len(block.frame) <= batch_rows else block.frame[start:stop]
                yield frame, block.lines[start:stop], malformed
                malformed = []
    except BlockError as exc:
        raise IngestError(path, exc.line, "row", exc.detail) from exc
