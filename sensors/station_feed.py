"""Turn rows of each station layout into candidate values (one per station, time, pollutant)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sensors import units
from sensors.cube_station import StationMeta
from sensors.layouts import (
    LOCAL_OFFSET_H,
    POLLUTANT_ALIASES,
    Candidates,
    IngestError,
    WideColumns,
    numbers,
    parse_times,
)
from sensors.quarantine import Rejected
from sensors.units import POLLUTANTS, UnitError
from sensors.validate import (
    MAX_VALUE,
    REASONS,
    SENTINELS,
    constant,
    text_reason,
    value_reasons,
)

_POL_INDEX = pd.Index(POLLUTANTS)
_MAX_BY_INDEX = np.array([MAX_VALUE[p] for p in POLLUTANTS])


def _finish(
    line: np.ndarray,
    field: np.ndarray,
    station: np.ndarray,
    time_ms: np.ndarray,
    bad_time: np.ndarray,
    pollutant: np.ndarray,
    value: np.ndarray,
    text: np.ndarray,
    unit: np.ndarray,
    blank: np.ndarray,
) -> Candidates:
    """Apply the shared checks in priority order and drop blank cells."""
    keep = ~blank
    line, field, station, time_ms, bad_time = (
        a[keep] for a in (line, field, station, time_ms, bad_time)
    )
    pollutant, value, text, unit = (a[keep] for a in (pollutant, value, text, unit))
    pol = _POL_INDEX.get_indexer(pollutant)
    value = value.copy()
    reason = constant(value.size, "")
    # unit conversion to storage units
    for u in pd.unique(unit):
        sel = unit == u
        if u == "":
            reason[sel] = "unit_missing"
            continue
        for k in np.unique(pol[sel]):
            if k < 0:
                continue
            rows = sel & (pol == k)
            try:
                f = units.factor(POLLUTANTS[k], u, units.INFO[POLLUTANTS[k]].units)
            except UnitError:
                reason[rows] = "unit_unknown"
                continue
            if f != 1.0:
                value[rows] *= f
    ok = reason == ""
    notnum = ok & np.isnan(value) & (text != "")
    vr = value_reasons(np.maximum(pol, 0), value)
    reason[ok] = vr[ok]
    for i in np.flatnonzero(notnum):
        reason[i] = text_reason(text[i])
    reason[(pol < 0)] = "unknown_pollutant"
    reason[bad_time] = "bad_time"
    no_station = np.asarray(pd.isna(station) | (station == ""), dtype=bool)
    reason[no_station & (reason == "")] = "unknown_station"
    return Candidates(line, field, station, time_ms, pollutant, value, text, unit, reason)


def long_candidates(chunk: pd.DataFrame, lines: np.ndarray) -> Candidates:
    """Candidates from the documented long layout (time_utc,station_id,pollutant,value,unit)."""
    cols = {c.lower(): c for c in chunk.columns}
    station = np.asarray(
        chunk[cols["station_id"]].astype("string").fillna("").str.strip(), dtype=object
    )
    t_ms, bad = parse_times(chunk[cols["time_utc"]])
    raw_pol = chunk[cols["pollutant"]].astype("string").fillna("").str.strip().str.lower()
    pollutant = np.asarray(raw_pol.map(lambda p: POLLUTANT_ALIASES.get(p, p)), dtype=object)
    v, text, blank_value = numbers(chunk[cols["value"]])
    unit = np.asarray(chunk[cols["unit"]].astype("string").fillna("").str.strip(), dtype=object)
    blank = blank_value & (station == "") & (raw_pol == "").to_numpy()
    bad = bad & ~blank
    field = constant(len(v), cols["value"])
    text = np.where(blank_value & ~blank, "", text)
    # an empty value cell in a long row is a missing value (NaN → nan_or_sentinel)
    return _finish(lines, field, station, t_ms, bad, pollutant, v, text, unit, blank)


def openaq_candidates(path: Path) -> Iterator[Candidates]:
    """Candidates from OpenAQ-style JSON measurements (``results`` list, v2 fields)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IngestError(path, 0, "file", exc.strerror or str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise IngestError(path, exc.lineno, "json", exc.msg) from exc
    records = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise IngestError(path, 1, "results", "expected a list of measurements")
    rows = []
    for i, r in enumerate(records, start=1):
        if not isinstance(r, dict):
            rows.append((i, "", "", "", "", ""))
            continue
        date = r.get("date")
        when = date.get("utc") if isinstance(date, dict) else r.get("datetime", date)
        station = r.get("locationId", r.get("location_id", r.get("location", "")))
        rows.append(
            (
                i,
                str(station if station is not None else ""),
                str(when or ""),
                str(r.get("parameter", "")).lower(),
                r.get("value"),
                str(r.get("unit") or ""),
            )
        )
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=["record", "station", "time", "parameter", "value", "unit"])
    t_ms, bad = parse_times(frame["time"])
    pollutant = np.asarray(
        frame["parameter"].map(lambda p: POLLUTANT_ALIASES.get(p, p)), dtype=object
    )
    value_col = frame["value"].map(lambda v: "" if v is None else str(v))
    v, text, blank = numbers(value_col)
    c = _finish(
        frame["record"].to_numpy(np.int64),
        constant(len(frame), "value"),
        np.asarray(frame["station"], dtype=object),
        t_ms,
        bad,
        pollutant,
        v,
        text,
        np.asarray(frame["unit"], dtype=object),
        np.zeros(len(frame), dtype=bool),
    )
    reason = c.reason.copy()
    reason[blank & (reason == "")] = "nan_or_sentinel"
    yield Candidates(
        c.line, c.field, c.station_id, c.time_ms, c.pollutant, c.value, c.text, c.unit, reason
    )


def read_meta(path: Path) -> tuple[list[StationMeta], list[Rejected]]:
    """Stations of a metadata CSV (station_id,name,latitude,longitude,height_m) and bad rows."""
    frame = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip().lower() for c in frame.columns]
    stations: list[StationMeta] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        sid = (row.station_id or "").strip()
        try:
            lat, lon = float(row.latitude), float(row.longitude)
            height = float(row.height_m) if (row.height_m or "").strip() else float("nan")
        except ValueError:
            rejected.append(
                Rejected(
                    i,
                    "latitude/longitude/height_m",
                    f"{row.latitude},{row.longitude},{row.height_m}",
                    "not_a_number",
                )
            )
            continue
        if not sid:
            rejected.append(Rejected(i, "station_id", "", "unknown_station", "empty id"))
        elif sid in seen:
            rejected.append(Rejected(i, "station_id", sid, "duplicate"))
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180) or not np.isfinite(lat + lon):
            rejected.append(Rejected(i, "latitude/longitude", f"{lat},{lon}", "out_of_range"))
        else:
            seen.add(sid)
            stations.append(StationMeta(sid, (row.name or sid).strip(), lat, lon, height))
    return stations, rejected


@dataclass(frozen=True)
class WideBatch:
    """A batch of wide rows kept as a (row × pollutant) matrix through the checks.

    Each row's station id is ``station_names[station_code]`` ("" = missing).
    ``reason`` holds an index into ``REASON_CODES`` per cell (0 = plausible so far);
    ``blank`` marks empty cells, which are not values. ``text`` is the raw text of
    non-numeric columns (None for columns pandas parsed as numbers).
    """

    line: np.ndarray
    station_names: np.ndarray
    station_code: np.ndarray
    time_ms: np.ndarray
    pollutant_index: np.ndarray
    columns: tuple[str, ...]
    value: np.ndarray
    blank: np.ndarray
    text: list[np.ndarray | None]
    reason: np.ndarray


REASON_CODES = ("", *REASONS)
"""Reason per code of WideBatch.reason (0 = none)."""

CODE = {r: i for i, r in enumerate(REASON_CODES)}


def _station_and_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct stripped station ids ("" last, for a missing id) and a code per row into them."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = pd.Series(column.cat.categories.astype(str)).str.strip().to_numpy(dtype=object)
        codes = column.cat.codes.to_numpy().astype(np.int64)
        return np.append(cats, ""), np.where(codes < 0, len(cats), codes)
    ids = np.asarray(column.astype("string").fillna("").str.strip(), dtype=object)
    codes, uniques = pd.factorize(ids)
    return np.asarray(uniques, dtype=object), codes.astype(np.int64)


def times_of(column: pd.Series, local_offset_h: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """parse_times, but parsing each distinct text once (categorical columns)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return parse_times(column, local_offset_h)
    cats = pd.Series(column.cat.categories.astype(str))
    ms_c, bad_c = parse_times(cats, local_offset_h)
    ms_c, bad_c = np.append(ms_c, 0), np.append(bad_c, True)  # code -1 (missing) → bad
    codes = column.cat.codes.to_numpy()
    return ms_c[codes], bad_c[codes]


def wide_matrix(
    chunk: pd.DataFrame, lines: np.ndarray, cols: WideColumns, local: bool
) -> WideBatch:
    """Wide rows checked per cell of a (row × pollutant) matrix, as _finish checks long rows.

    Most cells are plausible numbers; one pass per column finds them, and only the others
    are looked at closely.
    """
    names, st_code = _station_and_codes(chunk[cols.station])
    offset = 0 if cols.time_is_utc or not local else LOCAL_OFFSET_H
    t_ms, bad_time = times_of(chunk[cols.time], offset)
    n, k = len(chunk), len(cols.pollutants)
    pidx = np.array([POLLUTANTS.index(p) for p in cols.pollutants], dtype=np.int64)
    value = np.empty((n, k), dtype=np.float64, order="F")
    blank = np.zeros((n, k), dtype=bool, order="F")
    reason = np.zeros((n, k), dtype=np.uint8, order="F")
    texts: list[np.ndarray | None] = []
    for j, column in enumerate(cols.pollutants.values()):
        col = chunk[column]
        text = None
        if pd.api.types.is_numeric_dtype(col.dtype):
            value[:, j] = col.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            value[:, j], text, blank[:, j] = numbers(col)
        texts.append(text)
        v = value[:, j]
        upper = min(_MAX_BY_INDEX[pidx[j]], _FIRST_HIGH_SENTINEL)
        odd = np.flatnonzero(~((v >= 0) & (v < upper)))  # NaN, sentinel, negative, too high
        if odd.size:
            if text is None:
                blank[odd, j] = np.isnan(v[odd])
            reason[odd, j] = _cell_reasons(v[odd], pidx[j], None if text is None else text[odd])
    if bad_time.any():
        reason[bad_time] = CODE["bad_time"]
    no_station = names == ""
    if no_station.any():
        rows = no_station[st_code]
        reason[rows[:, None] & (reason == 0)] = CODE["unknown_station"]
    batch = WideBatch(
        lines,
        names,
        st_code,
        t_ms,
        pidx,
        tuple(cols.pollutants.values()),
        value,
        blank,
        texts,
        reason,
    )
    return batch


_FIRST_HIGH_SENTINEL = min(s for s in SENTINELS if s > 0)


def _cell_reasons(v: np.ndarray, pollutant_index: int, text: np.ndarray | None) -> np.ndarray:
    """Reason codes of a column's odd cells (0 for a number that is plausible after all)."""
    reason = np.zeros(v.size, dtype=np.uint8)
    reason[v > _MAX_BY_INDEX[pollutant_index]] = CODE["out_of_range"]
    reason[v < 0] = CODE["negative"]
    reason[np.isin(v, SENTINELS) | ~np.isfinite(v)] = CODE["nan_or_sentinel"]
    if text is not None:
        for i in np.flatnonzero(np.isnan(v) & (text != "")):
            reason[i] = CODE[text_reason(text[i])]
    return reason
