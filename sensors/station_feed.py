"""Turn rows of each station layout into candidate values (one per station, time, pollutant)."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from sensors.validate import constant, text_reason, value_reasons

_POL_INDEX = pd.Index(POLLUTANTS)


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


def wide_candidates(
    chunk: pd.DataFrame, lines: np.ndarray, cols: WideColumns, local: bool
) -> Candidates:
    """Candidates from wide rows (simulator feed or national hourly layout)."""
    station = np.asarray(chunk[cols.station].astype("string").fillna("").str.strip(), dtype=object)
    offset = 0 if cols.time_is_utc or not local else LOCAL_OFFSET_H
    t_ms, bad = parse_times(chunk[cols.time], offset)
    parts = []
    for pollutant, column in cols.pollutants.items():
        v, text, blank = numbers(chunk[column])
        n = len(v)
        parts.append(
            (
                lines,
                constant(n, column),
                station,
                t_ms,
                bad,
                constant(n, pollutant),
                v,
                text,
                constant(n, units.INFO[pollutant].units),
                blank,
            )
        )
    stacked = [np.concatenate([p[i] for p in parts]) for i in range(10)]
    # rows entirely blank (empty lines) carry no values
    return _finish(*stacked)


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
