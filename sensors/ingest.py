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
from sensors.station_feed import long_candidates, openaq_candidates, read_meta, wide_candidates

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
    if layout == "openaq":
        batches: Iterable[tuple[Candidates, list[Rejected], int]] = (
            (c, [], len(c.line)) for c in openaq_candidates(path)
        )
    else:
        batches = _csv_batches(path, layout, batch_rows)
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


def _csv_batches(
    path: Path, layout: str, batch_rows: int
) -> Iterable[tuple[Candidates, list[Rejected], int]]:
    header = header_of(path)
    if layout == "long":
        text_cols = tuple(
            h for h in header if h.lower() in ("time_utc", "station_id", "pollutant", "unit")
        )
    else:
        cols = wide_columns(header)
        assert cols is not None
        text_cols = (cols.station, cols.time)
    for chunk, lines, malformed in read_csv_batches(path, batch_rows, text_cols):
        chunk.columns = [str(c).strip() for c in chunk.columns]
        if layout == "long":
            cands = long_candidates(chunk, lines)
        else:
            cands = wide_candidates(chunk, lines, cols, local=layout == "wide")
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
