"""Storage figures on this machine: audit inserts, sortie open/close, track append and read.

Run: .venv/bin/python bench/bench_storage.py [--records N]   (prints, never asserts)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from command.storage import (
    TrackPoint,
    TrackWriter,
    close_sortie,
    open_database,
    open_sortie,
    read_track,
    record_audit,
    save_mission,
    sqlite_url,
    upsert_vehicle,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200, help="audit rows and sorties")
    parser.add_argument("--points", type=int, default=200_000, help="track points")
    args = parser.parse_args()
    start = datetime(2026, 11, 24, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(sqlite_url(Path(folder) / "bench.sqlite"))
        upsert_vehicle(
            db, name="copter-1", connection="tcp:127.0.0.1:5760", system_id=1, airframe="quad"
        )
        mission = save_mission(
            db,
            name="bench",
            home_latitude_deg=30.0,
            home_longitude_deg=120.0,
            home_altitude_m=0.0,
            cruise_speed_mps=8.0,
            items=[],
            now=start,
        )

        t0 = time.perf_counter()
        for n in range(args.records):
            record_audit(
                db,
                actor="bench",
                vehicle_name="copter-1",
                command="MAV_CMD_DO_SET_MODE",
                params={"n": n},
                result="accepted",
                now=start + timedelta(seconds=n),
            )
        audit_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        for n in range(args.records):
            at = start + timedelta(minutes=n)
            sortie = open_sortie(db, mission_id=mission.id, vehicle_name="copter-1", now=at)
            close_sortie(db, sortie.id, "completed", "", at + timedelta(seconds=30))
        sortie_s = time.perf_counter() - t0
        db.close()

        track = Path(folder) / "tracks" / "1.track"
        t0 = time.perf_counter()
        with TrackWriter(track) as writer:
            for i in range(args.points):
                writer.append(TrackPoint(i * 0.1, 30.0, 120.0, 50.0, 8.0, 90.0, "AUTO"))
        append_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        points = len(read_track(track))
        read_s = time.perf_counter() - t0
        size = track.stat().st_size

    print(f"record_audit (SQLite WAL, synchronous=FULL): {args.records / audit_s:8.0f} /s")
    print(f"open_sortie + close_sortie:                  {args.records / sortie_s:8.0f} /s")
    print(f"TrackWriter.append (one write per point):    {args.points / append_s:8.0f} /s")
    print(f"read_track:                                  {points / read_s:8.0f} points/s")
    print(f"track file: {size / points:.0f} bytes/point ({size / 1e6:.1f} MB for {points} points)")


if __name__ == "__main__":
    main()
