"""Storage figures on this machine, each beside a baseline measured in the same run.

- record_audit (SQLAlchemy, SQLite WAL, synchronous=FULL, one commit per row) against plain
  sqlite3 INSERTs with the same pragmas and one commit per row;
- a command recorded before sending and its outcome after (begin_audit + finish_audit, two
  commits) against record_audit (one commit);
- open_sortie + close_sortie; list_open_sorties among many closed sorties;
- TrackWriter.append (one write per point) against os.write of the same records, and read_track
  against numpy.fromfile.

Run: .venv/bin/python bench/bench_storage.py [--records N] [--points N]   (prints, never asserts)
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from command.storage import (
    TrackPoint,
    TrackWriter,
    begin_audit,
    close_sortie,
    finish_audit,
    list_open_sorties,
    open_database,
    open_sortie,
    read_track,
    record_audit,
    save_mission,
    sqlite_url,
    upsert_vehicle,
)
from command.storage.tracks import HEADER_BYTES, RECORD, RECORD_DTYPE

START = datetime(2026, 11, 24, tzinfo=UTC)


def timed(run) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def plain_sqlite_inserts(path: Path, n: int) -> float:
    """The floor: sqlite3 with the same pragmas, one INSERT and one commit per row."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute(
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT, actor TEXT, vehicle TEXT, "
        "command TEXT, params TEXT, result TEXT, reason TEXT)"
    )

    def run() -> None:
        for i in range(n):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO audit VALUES (NULL, ?, 'bench', 'copter-1', 'set_mode', ?, "
                "'accepted', '')",
                (str(START + timedelta(seconds=i)), f'{{"n": {i}}}'),
            )
            connection.execute("COMMIT")

    seconds = timed(run)
    connection.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=300, help="audit rows and sorties")
    parser.add_argument("--points", type=int, default=200_000, help="track points")
    args = parser.parse_args()
    n = args.records
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        plain_s = plain_sqlite_inserts(base / "plain.sqlite", n)
        db = open_database(sqlite_url(base / "bench.sqlite"))
        upsert_vehicle(
            db, name="copter-1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad"
        )
        mission = save_mission(
            db, name="bench", home_latitude_deg=30.0, home_longitude_deg=120.0,
            home_altitude_m=0.0, cruise_speed_mps=8.0, items=[], now=START,
        )  # fmt: skip
        fields = {"actor": "bench", "vehicle_name": "copter-1", "command": "set_mode"}

        def audits() -> None:
            for i in range(n):
                at = START + timedelta(seconds=i)
                record_audit(db, **fields, params={"n": i}, result="accepted", now=at)

        def write_ahead() -> None:
            for i in range(n):
                at = START + timedelta(seconds=i)
                entry = begin_audit(db, **fields, params={"n": i}, now=at)
                finish_audit(db, entry.id, "accepted", at)

        def sorties() -> None:
            for i in range(n):
                at = START + timedelta(minutes=i)
                sortie = open_sortie(
                    db, mission_id=mission.id, vehicle_name="copter-1", now=at, owner="bench"
                )
                close_sortie(db, sortie.id, "completed", "", at + timedelta(seconds=30))

        audit_s, ahead_s, sortie_s = timed(audits), timed(write_ahead), timed(sorties)
        lookups = 100
        open_s = timed(lambda: [list_open_sorties(db, "copter-1") for _ in range(lookups)])
        db.close()

        points = [TrackPoint(i * 0.1, 30.0, 120.0, 50.0, 8.0, 90.0, "AUTO") for i in range(10)]
        track = base / "tracks" / "1.track"

        def append() -> None:
            with TrackWriter(track) as writer:
                for i in range(args.points):
                    writer.append(points[i % 10])

        raw = base / "raw.track"

        def raw_writes() -> None:
            record = RECORD.pack(0.0, 30.0, 120.0, 50.0, 8.0, 90.0, b"AUTO")
            fd = os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.write(fd, HEADER_BYTES)
            for _ in range(args.points):
                os.write(fd, record)
            os.fsync(fd)
            os.close(fd)

        append_s, raw_s = timed(append), timed(raw_writes)
        read_s = timed(lambda: read_track(track))
        fromfile_s = timed(lambda: np.fromfile(raw, dtype=RECORD_DTYPE, offset=len(HEADER_BYTES)))
        size = track.stat().st_size

    print(f"audit row, plain sqlite3 (baseline):      {n / plain_s:8.0f} /s")
    print(f"record_audit:                             {n / audit_s:8.0f} /s"
          f"   {plain_s / audit_s:.2f}x the baseline")  # fmt: skip
    print(f"begin_audit + finish_audit (per command): {n / ahead_s:8.0f} /s"
          f"   {audit_s / ahead_s:.2f}x record_audit")  # fmt: skip
    print(f"open_sortie + close_sortie:               {n / sortie_s:8.0f} /s")
    print(f"list_open_sorties among {n} closed:       {lookups / open_s:8.0f} /s")
    print(f"os.write per point (baseline):            {args.points / raw_s:8.0f} /s")
    print(f"TrackWriter.append:                       {args.points / append_s:8.0f} /s"
          f"   {raw_s / append_s:.2f}x the baseline")  # fmt: skip
    print(f"read_track:                               {args.points / read_s:8.0f} points/s"
          f"   {fromfile_s / read_s:.2f}x numpy.fromfile")  # fmt: skip
    print(f"track file: {size / args.points:.0f} bytes/point "
          f"({size / 1e6:.1f} MB for {args.points} points)")  # fmt: skip


if __name__ == "__main__":
    main()
