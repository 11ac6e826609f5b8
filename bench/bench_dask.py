"""Daily AQI of a large synthetic station cube: local threads vs a 2-worker LocalCluster.

    .venv/bin/python bench/bench_dask.py [--stations 2000] [--years 5] [--dir /tmp/ecopatrol-bench]

The cube is generated on disk one station chunk at a time (never whole in memory) and kept
under --dir for later runs. Prints seconds, station-hours/s, the cluster/threads ratio and the
peak RSS of this process and of each worker process (sampled every 0.2 s).
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from sensors import cubes
from sensors.aqi.cube import station_aqi
from sensors.cubes import station as cube_station
from sensors.cubes.compute import use_scheduler
from sensors.cubes.station import StationMeta

HOUR = 3_600_000
POLS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")


def build(root: Path, stations: int, years: int) -> Path:
    path = root / "stations.zarr"
    done = root / "complete"
    if done.exists():
        return path
    cubes.register_stations(
        [
            StationMeta(f"S{i:04d}", f"S{i:04d}", 30 + i * 1e-3, 110 + i * 1e-3)
            for i in range(stations)
        ],
        root,
    )
    store = cube_station.open_store(path)
    hours = years * 8760
    t0 = np.datetime64("2021-01-01T01:00", "ms").astype(np.int64)
    axis = t0 + HOUR * np.arange(hours, dtype=np.int64)
    store.commit({"time": hours}, regions={"time": ((slice(0, hours),), axis)})
    rng = np.random.default_rng(5)
    step = store.arrays()["pm2_5"].chunks[0]
    for s0 in range(0, stations, step):
        s1 = min(stations, s0 + step)
        for p in POLS:
            top = 4.0 if p == "co" else 200.0
            block = rng.uniform(0, top, (s1 - s0, hours)).round(1)
            block[rng.random(block.shape) < 0.03] = np.nan
            store.group[p][s0:s1, :] = block
    done.write_text("ok")
    return path


class Peak:
    """Peak RSS of this process and of the given worker pids, sampled in a thread."""

    def __init__(self, pids: list[int]) -> None:
        self.procs = [psutil.Process()] + [psutil.Process(p) for p in pids]
        self.peak = [0] * len(self.procs)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, p in enumerate(self.procs):
                self.peak[i] = max(self.peak[i], p.memory_info().rss)
            time.sleep(0.2)

    def __enter__(self) -> Peak:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--dir", default="/tmp/ecopatrol-bench")
    args = ap.parse_args()
    root = Path(args.dir) / f"dask-{args.stations}x{args.years}y"
    t = time.perf_counter()
    path = build(root, args.stations, args.years)
    print(f"cube {path} ready in {time.perf_counter() - t:.1f} s")
    cells = args.stations * args.years * 8760
    print(f"{cells / 1e6:.1f} M station-hours x {len(POLS)} pollutants")

    with Peak([]) as peak:
        t = time.perf_counter()
        local = station_aqi(path, "hj633-2026", "daily")
        threads_s = time.perf_counter() - t
    print(
        f"local threads: {threads_s:.1f} s, {cells / threads_s / 1e6:.2f} M station-hours/s, "
        f"peak RSS {peak.peak[0] / 2**20:.0f} MB"
    )

    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(lambda: psutil.Process().pid).values())
        with Peak(pids) as peak, use_scheduler(client):
            t = time.perf_counter()
            remote = station_aqi(path, "hj633-2026", "daily")
            cluster_s = time.perf_counter() - t
    same = bool(np.array_equal(local.aqi.values, remote.aqi.values, equal_nan=True))
    print(
        f"LocalCluster 2 workers: {cluster_s:.1f} s, "
        f"{cells / cluster_s / 1e6:.2f} M station-hours/s, "
        f"{threads_s / cluster_s:.2f}x local threads; same AQI: {same}"
    )
    print(
        "peak RSS: client "
        + f"{peak.peak[0] / 2**20:.0f} MB, workers "
        + ", ".join(f"{p / 2**20:.0f} MB" for p in peak.peak[1:])
    )


if __name__ == "__main__":
    main()
