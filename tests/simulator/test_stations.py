"""The ground stations' feed file."""

from __future__ import annotations

import csv
import json
import statistics
import time

from simulator.world import DEFAULT_WORLD, parse_world
from tests.helpers.sitl import Gcs, sitl


def test_feed_rows_are_period_averages_of_the_field(tmp_path) -> None:
    doc = json.loads(DEFAULT_WORLD.read_text())
    doc["station_interval_s"] = 60.0
    doc["start_utc"] = "2026-11-24T00:00:00Z"
    doc["wind"]["gust_mps"] = 0.0
    doc["wind"]["veer_deg"] = 0.0
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc))
    with sitl(tmp_path, speedup=50, world=path) as s:
        g = Gcs(s.url())
        g.request_streams(1)
        g.recv("SYSTEM_TIME", lambda m: m.time_boot_ms > 125_000, timeout=30)
        g.close()
        time.sleep(0.1)
    with open(tmp_path / "stations.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    world = parse_world(doc)
    assert {r["station_id"] for r in rows} == {st.id for st in world.stations}
    first = [r for r in rows if r["time_utc"] == "2026-11-24T00:01:00Z"]
    assert len(first) == len(world.stations)
    for row in first:
        st = next(x for x in world.stations if x.id == row["station_id"])
        expected = statistics.mean(
            world.concentration(st.lat, st.lon, st.height_m, t)["so2"] for t in range(0, 60, 10)
        )
        assert abs(float(row["so2"]) - expected) <= 0.15 * expected
    with open(tmp_path / "stations_meta.csv", newline="") as f:
        meta = list(csv.DictReader(f))
    assert [m["station_id"] for m in meta] == [st.id for st in world.stations]
