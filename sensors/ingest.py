"""Ingest station files into the station cube: every value accepted or quarantined.

``ingest_file(path, cubes_dir)`` detects the layout, reads the file in batches, checks each
value, commits each batch to ``<cubes_dir>/stations.zarr`` and writes rejected values to
``<cubes_dir>/quarantine/``. Accepted data is on disk (committed) before it returns; a
file that cannot be read at all raises IngestError and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sensors import cube_station
from sensors.cube_station import StationRows
from sensors.layouts import (
    Candidates,
    IngestError,
    detect,
    header_of,
    read_csv_batches,
    wide_columns,
)
from sensors.quarantine import QuarantineFile, Rejected
from sensors.report import IngestReport
from sensors.station_feed import (
    CODE,
    REASON_CODES,
    WideBatch,
    long_candidates,
    openaq_candidates,
    read_meta,
    wide_matrix,
)

DEFAULT_CUBES = Path("var/cubes")
STATIONS = "stations.zarr"
TRAJECTORIES = "trajectories.zarr"
MAP = "map.zarr"
QUARANTINE = "quarantine"

Progress = Callable[[int], None]


def ingest_file(
    path: str | Path,
    cubes_dir: str | Path = DEFAULT_CUBES,
    *,
    batch_rows: int = 200_000,
    late_window_s: float = 3600.0,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one station data or station metadata file; returns counts and the quarantine path."""
    path, cubes_dir = Path(path), Path(cubes_dir)
    if not path.is_file():
        raise IngestError(path, 0, "file", "no such file")
    layout = detect(path)
    quarantine = QuarantineFile(path, cubes_dir / QUARANTINE)
    cube_path = cubes_dir / STATIONS
    if layout == "meta":
        stations, rejected = read_meta(path)
        added = 0
        if stations:
            added, _ = cube_station.register(cube_path, stations)
        quarantine.write(rejected)
        return IngestReport(
            str(path),
            layout,
            len(stations) + len(rejected),
            len(stations),
            len(rejected),
            dict(quarantine.counts),
            quarantine.path,
            added,
            cube_path,
        )
    if layout in ("simulator", "wide"):
        return _ingest_wide(
            path, layout, cube_path, quarantine, batch_rows, late_window_s, progress
        )
    if layout == "openaq":
        batches: Iterable[tuple[Candidates, list[Rejected], int]] = (
            (c, [], len(c.line)) for c in openaq_candidates(path)
        )
    else:
        batches = _long_batches(path, batch_rows)
    store = cube_station.open_store(cube_path) if (cube_path / "zarr.json").exists() else None
    rows = accepted = 0
    for cands, malformed, n_rows in batches:
        rows += n_rows
        reason = cands.reason.copy()
        ok = np.flatnonzero(reason == "")
        if store is None:
            reason[ok] = "unknown_station"
        elif ok.size:
            written = cube_station.append(
                store,
                StationRows(
                    cands.station_id[ok],
                    cands.time_ms[ok],
                    cands.pollutant[ok],
                    cands.value[ok],
                    cands.line[ok],
                ),
                int(late_window_s * 1000),
            )
            reason[ok] = written
        accepted += int((reason == "").sum())
        quarantine.write(malformed + _rejected(cands, reason))
        if progress is not None:
            progress(n_rows)
    quarantined = sum(quarantine.counts.values())
    return IngestReport(
        str(path),
        layout,
        rows,
        accepted,
        quarantined,
        dict(quarantine.counts),
        quarantine.path,
        0,
        cube_path,
    )


def _ingest_wide(
    path: Path,
    layout: str,
    cube_path: Path,
    quarantine: QuarantineFile,
    batch_rows: int,
    late_window_s: float,
    progress: Progress | None,
) -> IngestReport:
    """Wide layouts: rows stay a (row × pollutant) matrix from the parse to the cube write."""
    cols = wide_columns(header_of(path))
    assert cols is not None
    store = cube_station.open_store(cube_path) if (cube_path / "zarr.json").exists() else None
    rows = accepted = 0
    reader = read_csv_batches(path, batch_rows, (cols.station, cols.time), categorical=True)
    for chunk, lines, malformed in reader:
        chunk.columns = [str(c).strip() for c in chunk.columns]
        n_rows = len(chunk) + len(malformed)
        rows += n_rows
        batch, uniq, st_code = wide_matrix(chunk, lines, cols, local=layout == "wide")
        reason = batch.reason
        ok = (reason == 0) & ~batch.blank
        if store is None:
            reason[ok] = CODE["unknown_station"]
        elif ok.any():
            index = pd.Index(cube_station.station_ids(store)).get_indexer(uniq)
            index = np.append(index, -1)  # code -1: missing id
            out = cube_station.append_matrix(
                store,
                index[st_code],
                batch.time_ms,
                batch.line,
                batch.pollutant_index,
                batch.value,
                ok,
                int(late_window_s * 1000),
            )
            for name, mask in out.items():
                reason[mask] = CODE[name]
        cells = ~batch.blank
        accepted += int(((reason == 0) & cells).sum())
        bad = [Rejected(line, "*", "", "malformed", detail) for line, detail in malformed]
        quarantine.write(bad + _rejected_cells(batch, reason != 0))
        if progress is not None:
            progress(n_rows)
    return IngestReport(
        str(path),
        layout,
        rows,
        accepted,
        sum(quarantine.counts.values()),
        dict(quarantine.counts),
        quarantine.path,
        0,
        cube_path,
    )


def _rejected_cells(b: WideBatch, rejected: np.ndarray) -> list[Rejected]:
    rows, cols = np.nonzero(rejected & ~b.blank)
    order = np.argsort(b.line[rows], kind="stable")
    out = []
    for i, j in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        text = b.text[j]
        value = str(text[i]) if text is not None and text[i] != "" else _fmt(b.value[i, j])
        out.append(
            Rejected(
                int(b.line[i]),
                b.columns[j],
                value,
                REASON_CODES[b.reason[i, j]],
                f"station {b.station_id[i]}",
            )
        )
    return out


def _long_batches(path: Path, batch_rows: int) -> Iterable[tuple[Candidates, list[Rejected], int]]:
    """Candidates of the long layout (one value per row), batch by batch."""
    header = header_of(path)
    text_cols = tuple(
        h for h in header if h.lower() in ("time_utc", "station_id", "pollutant", "unit")
    )
    for chunk, lines, malformed in read_csv_batches(path, batch_rows, text_cols):
        chunk.columns = [str(c).strip() for c in chunk.columns]
        cands = long_candidates(chunk, lines)
        bad = [Rejected(line, "*", "", "malformed", detail) for line, detail in malformed]
        yield cands, bad, len(chunk) + len(malformed)


def _rejected(c: Candidates, reason: np.ndarray) -> list[Rejected]:
    idx = np.flatnonzero(reason != "")
    idx = idx[np.argsort(c.line[idx], kind="stable")]
    return [
        Rejected(
            int(c.line[i]),
            str(c.field[i]),
            str(c.text[i]) if c.text[i] != "" else _fmt(c.value[i]),
            str(reason[i]),
            f"station {c.station_id[i]}",
        )
        for i in idx
    ]


def _fmt(v: float) -> str:
    return "" if np.isnan(v) else repr(float(v))


def reason_counts(reports: Iterable[IngestReport]) -> Counter[str]:
    """Quarantine reasons summed over several reports."""
    total: Counter[str] = Counter()
    for r in reports:
        total.update(r.reasons)
    return total
