"""The ground station network's feed: each station's period averages appended to a CSV file.

Layout (header written once): ``time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,
so2,no2,co,o3,voc`` — time_utc is the end of the averaging period (ISO 8601, Z); values in µg/m³,
CO in mg/m³. Metadata goes to ``stations_meta.csv``: ``station_id,name,latitude,longitude,
height_m``. Rows are flushed and fsynced as they are written, so a reader never sees half a row.
"""

from __future__ import annotations

import csv
import logging
import os
import random
from datetime import UTC, datetime
from pathlib import Path

from simulator.world import POLLUTANTS, World

log = logging.getLogger("simulator")

FEED_HEADER = ["time_utc", "station_id", "station_name", "latitude", "longitude", *POLLUTANTS]
META_HEADER = ["station_id", "name", "latitude", "longitude", "height_m"]
SAMPLE_EVERY_S = 10.0
"""Simulated seconds between the samples a period average is made of."""


class StationFeed:
    """Samples every station through each period and appends the averages to the feed file."""

    def __init__(self, world: World, path: Path, start_unix_s: float, seed: int = 0) -> None:
        self.world = world
        self.path = path
        self.start_unix_s = start_unix_s
        self.rng = random.Random(seed + 7919)
        self._sums = {s.id: dict.fromkeys(POLLUTANTS, 0.0) for s in world.stations}
        self._n = 0
        self._next_sample = 0.0
        self._period_end = world.station_interval_s
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.stat().st_size == 0:
            self._append([FEED_HEADER])
        meta = path.with_name("stations_meta.csv")
        with meta.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(META_HEADER)
            for s in world.stations:
                w.writerow([s.id, s.name, f"{s.lat:.6f}", f"{s.lon:.6f}", f"{s.height_m:g}"])

    def step(self, t: float) -> int:
        """Advance to simulated time t; returns the number of rows written."""
        written = 0
        while t >= self._next_sample:
            ts = self._next_sample
            if ts >= self._period_end and self._n:
                written += self._flush_period()
            for s in self.world.stations:
                c = self.world.concentration(s.lat, s.lon, s.height_m, ts)
                for key in POLLUTANTS:
                    self._sums[s.id][key] += c.get(key, 0.0)
            self._n += 1
            self._next_sample += SAMPLE_EVERY_S
        return written

    def _flush_period(self) -> int:
        end = datetime.fromtimestamp(self.start_unix_s + self._period_end, UTC)
        stamp = end.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = []
        for s in self.world.stations:
            values = []
            for key in POLLUTANTS:
                mean = self._sums[s.id][key] / self._n
                noisy = max(0.0, mean * (1.0 + self.rng.gauss(0.0, 0.03)))
                values.append(f"{noisy:.3f}" if key == "co" else f"{noisy:.1f}")
                self._sums[s.id][key] = 0.0
            rows.append([stamp, s.id, s.name, f"{s.lat:.6f}", f"{s.lon:.6f}", *values])
        self._n = 0
        self._period_end += self.world.station_interval_s
        self._append(rows)
        return len(rows)

    def _append(self, rows: list[list[str]]) -> None:
        try:
            with self.path.open("a", newline="", encoding="utf-8") as f:
                csv.writer(f).writerows(rows)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:  # the fleet flies on; the lost rows are said
            log.warning("%s: %d station rows not written: %s", self.path, len(rows), exc)
