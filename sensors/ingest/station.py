"""Ingest station files into the station cube: every value accepted or quarantined.

``ingest_file(path, cubes_dir)`` finds the file's layout, reads it in batches, checks each
value, commits each batch to ``<cubes_dir>/stations.zarr`` through the one append engine and
writes rejected values to ``<cubes_dir>/quarantine/``. Accepted data is on disk (committed)
before it returns. A file that cannot be read (bytes that are not UTF-8, a quote that never
closes, an unknown layout) raises IngestError and changes nothing, wherever the fault lies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.cubes import DEFAULT_CUBES, QUARANTINE, STATIONS
from sensors.cubes import station as cube_station
from sensors.cubes.station_append import append_matrix
from sensors.cubes.store import local_path
from sensors.feeds import FeedBatch, FeedLayout, IngestError, detect, get, sniff
from sensors.feeds.meta import is_metadata, read_stations
from sensors.ingest.checks import FUTURE_TOLERANCE_S, cell_reasons, future_rows
from sensors.ingest.quarantine import QuarantineFile
from sensors.ingest.report import IngestReport
from sensors.ingest.row_stack import RowStack
from sensors.reasons import Reason
from sensors.units import POLLUTANTS

Progress = Callable[[int], None]


@dataclass(frozen=True)
class StoredValues:
    """What one commit stored: a row per file row with a value written (NaN where none was).

    ``value`` is (row × pollutant) in storage units, its columns named by ``pollutants``.
    """

    station_id: np.ndarray
    time_ms: np.ndarray
    pollutants: tuple[str, ...]
    value: np.ndarray

    def __len__(self) -> int:
        return int(self.time_ms.size)


Stored = Callable[[StoredValues], None]

_HEADROOM_ROWS = 1 << 18
"""Rows a commit's stack holds past batch_rows before it grows (the batch that crosses)."""

BATCH_ROWS = 1_000_000
"""Rows per committed batch: every commit re-encodes each chunk it touches, so a batch
should span a good part of a chunk's year (100 stations × 8784 h ≈ 0.9 M rows)."""


def ingest_file(
    path: str | Path,
    cubes_dir: str | Path = DEFAULT_CUBES,
    *,
    layout: FeedLayout | str | None = None,
    batch_rows: int = BATCH_ROWS,
    now: datetime | None = None,
    future_tolerance_s: float = FUTURE_TOLERANCE_S,
    progress: Progress | None = None,
    source: str | Path | None = None,
    line_offset: int = 0,
    on_stored: Stored | None = None,
) -> IngestReport:
    """Ingest one station data or metadata file; returns counts and the quarantine path.

    layout: a FeedLayout, a registered layout's name, or None to detect it. now: the clock
    (UTC) times are checked against (a time more than future_tolerance_s later is refused);
    it also names the quarantine file. None reads the system clock. source and line_offset,
    for new rows of a growing file copied out below its header: the file they come from and
    the rows before them; reports, errors and the quarantine give its name and lines.
    on_stored is called after each commit with the values it stored.
    """
    path = Path(path)
    name = Path(source) if source is not None else path
    try:
        return _ingest(
            path,
            name,
            local_path(cubes_dir),
            layout,
            batch_rows,
            now,
            future_tolerance_s,
            progress,
            line_offset,
            on_stored,
        )
    except IngestError as exc:
        if name == path and not line_offset:
            raise
        line = exc.line + line_offset if exc.line > 1 else exc.line
        raise IngestError(name, line, exc.field, exc.reason) from None


def _ingest(
    path: Path,
    name: Path,
    cubes_dir: Path,
    layout: FeedLayout | str | None,
    batch_rows: int,
    now: datetime | None,
    future_tolerance_s: float,
    progress: Progress | None,
    line_offset: int,
    on_stored: Stored | None,
) -> IngestReport:
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
    if not path.is_file():
        raise IngestError(path, 0, "file", "no such file")
    now = now or datetime.now(UTC)
    feed = sniff(path)
    quarantine = QuarantineFile(name, cubes_dir / QUARANTINE, now)
    cube_path = cubes_dir / STATIONS
    if layout is None and is_metadata(feed):
        return _ingest_metadata(path, cube_path, quarantine, name)
    chosen = get(layout) if isinstance(layout, str) else layout or detect(feed)
    store = cube_station.open_store(cube_path) if (cube_path / "zarr.json").exists() else None
    known = pd.Index(cube_station.station_ids(store)) if store is not None else None
    now_ms = int(now.timestamp() * 1000)
    rows = accepted = 0
    pending: list[_Part] = []
    pending_rows = 0
    stacked = RowStack(batch_rows + min(batch_rows, _HEADROOM_ROWS))

    def flush() -> int:
        """Check and commit the pending batches as one; quarantine their rejects."""
        parts = [p for p in pending if len(p.batch)]
        if store is not None and any(p.ok.any() for p in parts):
            codes = append_matrix(store, stacked.rows(parts[0].batch.pollutant_index))
            start = 0
            for p in parts:
                stop = start + len(p.batch)
                refused = codes[start:stop]
                p.batch.reason[refused != 0] = refused[refused != 0]
                start = stop
            if on_stored is not None:
                on_stored(_stored(parts))
        kept = 0
        for p in pending:
            b = p.batch
            kept += int(((b.reason == 0) & ~b.blank).sum())
            quarantine.write(b.rejected)
            _quarantine_cells(quarantine, b)
            if progress is not None:
                progress(b.rows)
        pending.clear()
        stacked.clear()
        return kept

    for batch in _shifted(chosen.read(path, batch_rows), line_offset):
        rows += batch.rows
        ok = _check(batch, now_ms, future_tolerance_s)
        if known is None:
            batch.reason[ok] = Reason.UNKNOWN_STATION
            ok[:] = False
            station = np.full(len(batch), -1, dtype=np.int64)
        else:
            station = known.get_indexer(batch.station_ids)[batch.station_code]
        pending.append(_Part(batch, station, ok))
        if store is not None and len(batch):  # stacked now, while the next blocks parse
            stacked.add(station, batch.time_ms, batch.line, batch.value, ok)
        pending_rows += len(batch)
        if pending_rows >= batch_rows:
            accepted += flush()
            pending_rows = 0
    accepted += flush()
    return IngestReport(
        str(name),
        chosen.name,
        rows,
        accepted,
        quarantine.total,
        dict(quarantine.counts),
        quarantine.path,
        0,
        cube_path,
    )


def _ingest_metadata(
    path: Path, cube_path: Path, quarantine: QuarantineFile, name: Path
) -> IngestReport:
    stations, rejected = read_stations(path)
    added = cube_station.register(cube_path, stations)[0] if stations else 0
    quarantine.write(rejected)
    return IngestReport(
        str(name),
        "metadata",
        len(stations) + len(rejected),
        len(stations),
        len(rejected),
        dict(quarantine.counts),
        quarantine.path,
        added,
        cube_path,
        value_unit="stations",
    )


class _Part:
    """One batch from the layout waiting for its commit: the cube station of each row, ok cells."""

    def __init__(self, batch: FeedBatch, station: np.ndarray, ok: np.ndarray) -> None:
        self.batch, self.station, self.ok = batch, station, ok


def _shifted(batches: Iterator[FeedBatch], line_offset: int) -> Iterator[FeedBatch]:
    """Batches with their data lines moved down by line_offset (the header stays line 1)."""
    for batch in batches:
        if line_offset:
            batch.line += line_offset
            batch.rejected = [
                replace(r, line=r.line + line_offset) if r.line > 1 else r for r in batch.rejected
            ]
        yield batch


def _stored(parts: list[_Part]) -> StoredValues:
    """The cells of committed parts that were written, a row per row with any."""
    ids, times, values = [], [], []
    for p in parts:
        b = p.batch
        written = (b.reason == 0) & ~b.blank & p.ok
        rows = written.any(axis=1)
        ids.append(b.station_ids[b.station_code[rows]])
        times.append(b.time_ms[rows])
        values.append(np.where(written[rows], b.value[rows], np.nan))
    pollutants = tuple(POLLUTANTS[k] for k in parts[0].batch.pollutant_index)
    return StoredValues(
        np.concatenate(ids), np.concatenate(times), pollutants, np.concatenate(values)
    )


def _check(batch: FeedBatch, now_ms: int, tolerance_s: float) -> np.ndarray:
    """Apply the value and time checks to a batch's reason matrix; returns the cells still ok."""
    reason, blank = batch.reason, batch.blank
    for j, k in enumerate(batch.pollutant_index):
        col = reason[:, j]
        found = cell_reasons(batch.value[:, j], POLLUTANTS[k], batch.text[j])
        np.copyto(col, found, where=(col == 0) & ~blank[:, j])
    if batch.bad_time.any():
        reason[batch.bad_time] = Reason.BAD_TIME
    ahead = future_rows(batch.time_ms, now_ms, tolerance_s) & ~batch.bad_time
    if ahead.any():
        reason[ahead] = Reason.IN_FUTURE
    no_station = batch.station_ids == ""
    if no_station.any():
        rows = no_station[batch.station_code]
        reason[rows[:, None] & (reason == 0)] = Reason.UNKNOWN_STATION
    reason[blank] = 0
    return (reason == 0) & ~blank


def _quarantine_cells(quarantine: QuarantineFile, b: FeedBatch) -> None:
    """Write the batch's refused cells to the quarantine, in file order, as columns."""
    if not b.reason.any():  # blank cells carry no reason (see _check): nothing refused
        return
    rows, cols = np.nonzero((b.reason != 0) & ~b.blank)
    if rows.size == 0:
        return
    order = np.lexsort((cols, b.line[rows]))
    rows, cols = rows[order], cols[order]
    values = np.empty(rows.size, dtype=object)
    for j in np.unique(cols):
        at = cols == j
        text, r = b.text[j], rows[at]
        shown = np.asarray(text[r], dtype=object) if text is not None else None
        empty = np.ones(r.size, dtype=bool) if shown is None else shown == ""
        if shown is None:
            shown = np.empty(r.size, dtype=object)
        shown[empty] = [_fmt(v) for v in b.value[r[empty], j].tolist()]
        values[at] = shown
    stations = np.char.add("station ", b.station_ids.astype(str))[b.station_code[rows]]
    quarantine.write_cells(
        b.line[rows],
        np.asarray(b.fields, dtype=object)[cols].tolist(),
        values.tolist(),
        b.reason[rows, cols],
        stations.tolist(),
    )


def _fmt(v: float) -> str:
    return "" if np.isnan(v) else repr(float(v))
