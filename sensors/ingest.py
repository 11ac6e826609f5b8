"""Ingest station files into the station cube: every value accepted or quarantined.

``ingest_file(path, cubes_dir)`` detects the layout, reads the file in batches, checks each
value, commits each batch to ``<cubes_dir>/stations.zarr`` and writes rejected values to
``<cubes_dir>/quarantine/``. Accepted data is on disk (committed) before it returns; a
file that cannot be read at all raises IngestError and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sensors import cube_station
from sensors.cube_station import StationRows
from sensors.cube_station_matrix import MatrixRows, append_matrix
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

BATCH_ROWS = 1_000_000
"""Rows per committed batch (wide layouts): every commit re-encodes each chunk it touches,
so a batch should span a good part of a chunk's year (100 stations × 8784 h ≈ 0.9 M rows)."""

_COORDS = {"latitude", "longitude", "lat", "lon"}

LONG_BATCH_ROWS = 200_000
"""Rows per committed batch of the long layout (one value per row)."""


def ingest_file(
    path: str | Path,
    cubes_dir: str | Path = DEFAULT_CUBES,
    *,
    batch_rows: int = BATCH_ROWS,
    late_window_s: float = 3600.0,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one station data or station metadata file; returns counts and the quarantine path."""
    path, cubes_dir = Path(path), Path(cubes_dir)
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
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
        batches = _long_batches(path, min(batch_rows, LONG_BATCH_ROWS))
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
    known = pd.Index(cube_station.station_ids(store)) if store is not None else None
    rows = accepted = 0
    pending: list[_WidePart] = []
    pending_rows = 0

    def flush() -> int:
        """Check and commit the pending parts as one batch; quarantine their rejects."""
        if store is not None and any(part.ok.any() for part in pending):
            out = append_matrix(
                store,
                MatrixRows(
                    np.concatenate([part.station_rows for part in pending]),
                    np.concatenate([part.batch.time_ms for part in pending]),
                    np.concatenate([part.batch.line for part in pending]),
                    pending[0].batch.pollutant_index,
                    _stack([part.batch.value for part in pending]),
                    _stack([part.ok for part in pending]),
                ),
                int(late_window_s * 1000),
            )
            start = 0
            for part in pending:
                stop = start + len(part.ok)
                for name, mask in out.items():
                    part.batch.reason[mask[start:stop]] = CODE[name]
                start = stop
        kept = 0
        for part in pending:
            b = part.batch
            kept += int(((b.reason == 0) & ~b.blank).sum())
            bad = [Rejected(line, "*", "", "malformed", detail) for line, detail in part.malformed]
            quarantine.write(bad + _rejected_cells(b, b.reason != 0))
            if progress is not None:
                progress(part.n_rows)
        pending.clear()
        return kept

    # unused text columns (station_name…) as categoricals too: cheaper than a string per row
    used = {cols.station, cols.time, *cols.pollutants.values()}
    other = tuple(h for h in header_of(path) if h not in used and h.lower() not in _COORDS)
    reader = read_csv_batches(path, batch_rows, (cols.station, cols.time, *other), categorical=True)
    for chunk, lines, malformed in reader:
        chunk.columns = [str(c).strip() for c in chunk.columns]
        n_rows = len(chunk) + len(malformed)
        rows += n_rows
        batch = wide_matrix(chunk, lines, cols, local=layout == "wide")
        del chunk
        ok = (batch.reason == 0) & ~batch.blank
        if known is None:
            batch.reason[ok] = CODE["unknown_station"]
            ok[:] = False
            index = np.full(len(batch.station_code), -1, dtype=np.int64)
        else:
            index = known.get_indexer(batch.station_names)[batch.station_code]
        pending.append(_WidePart(batch, index, ok, malformed, n_rows))
        pending_rows += len(lines)
        if pending_rows >= batch_rows:
            accepted += flush()
            pending_rows = 0
    accepted += flush()
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


@dataclass
class _WidePart:
    """One parsed chunk of a wide file waiting for its batch's commit."""

    batch: WideBatch
    station_rows: np.ndarray
    ok: np.ndarray
    malformed: list[tuple[int, str]]
    n_rows: int


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    """Row blocks stacked column-major, so each pollutant's column is contiguous."""
    if len(parts) == 1:
        return parts[0]
    out = np.empty((sum(len(p) for p in parts), parts[0].shape[1]), parts[0].dtype, order="F")
    start = 0
    for p in parts:
        out[start : start + len(p)] = p
        start += len(p)
    return out


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
                f"station {b.station_names[b.station_code[i]]}",
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
