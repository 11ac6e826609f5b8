"""Benchmark: the daily (and hourly) AQI report over a whole station cube; prints figures.

A 12-station × 4-year hourly cube (the size of the public multi-site datasets) is built once;
each report then runs in a fresh process so its peak memory is its own. Goal: ≥ 1 M
station-hours/s for the daily report on 2 cores, peak memory under 500 MB.

Run: ``.venv/bin/python bench/bench_aqi_cube.py [--stations N] [--years N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sensors.cubes import station as cube_station  # noqa: E402
from sensors.cubes.station import StationMeta  # noqa: E402
from sensors.units import POLLUTANTS  # noqa: E402


def build(cubes: Path, stations: int, years: int, seed: int = 0) -> int:
    """A station cube of hourly values with 5 % gaps; returns its station-hours."""
    path = cubes / "stations.zarr"
    cube_station.register(
        path, [StationMeta(f"S{i:02d}", "bench", 40.0, 116.4) for i in range(stations)]
    )
    store = cube_station.open_store(path)
    hours = years * 8766
    t0 = np.datetime64("2013-03-01T01:00", "ms").astype(np.int64)
    times = t0 + 3_600_000 * np.arange(hours, dtype=np.int64)
    rng = np.random.default_rng(seed)
    regions = {"time": ((slice(0, hours),), times)}
    for p in POLLUTANTS:
        top = 5.0 if p == "co" else 300.0
        v = np.round(rng.gamma(2.0, top / 6, (stations, hours)), 1)
        v[rng.random((stations, hours)) < 0.05] = np.nan
        regions[p] = ((slice(0, stations), slice(0, hours)), v)
    store.commit({"time": hours}, regions=regions)
    return stations * hours


def run_report(cubes: Path, mode: str, standard: str) -> dict[str, float]:
    """One report in this process: seconds and peak resident memory (MB)."""
    from sensors.cubes import station_aqi

    t0 = time.perf_counter()
    ds = station_aqi(standard, mode, cubes)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "cells": int(ds.aqi.size)}


def baseline_mb() -> float:
    """Peak memory of a process that only imports what the report imports."""
    code = (
        "import resource, sensors.cubes, sensors.aqi.cube;"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", type=int, default=12)
    p.add_argument("--years", type=int, default=4)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--child", nargs=3, metavar=("CUBES", "MODE", "STANDARD"), help=argparse.SUPPRESS
    )
    args = p.parse_args()
    if args.child:
        print(json.dumps(run_report(Path(args.child[0]), args.child[1], args.child[2])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        cubes = Path(tmp)
        t0 = time.perf_counter()
        cells = build(cubes, args.stations, args.years)
        print(
            f"aqi-cube  cube: {args.stations} stations x {args.years} years hourly = "
            f"{cells:,} station-hours x {len(POLLUTANTS)} pollutants (built in "
            f"{time.perf_counter() - t0:.1f} s)"
        )
        print(f"aqi-cube  import-only process peak: {baseline_mb():.0f} MB")
        for mode, standard in (
            ("daily", "hj633-2026"),
            ("daily", "hj633-2012"),
            ("hourly", "hj633-2026"),
        ):
            best: dict[str, float] | None = None
            for _ in range(args.runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(cubes), mode, standard],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                r = json.loads(out.stdout)
                best = r if best is None or r["seconds"] < best["seconds"] else best
            assert best is not None
            rate = cells / best["seconds"]
            print(
                f"aqi-cube  {mode:6s} {standard:10s}: {rate / 1e6:6.2f} M station-hours/s "
                f"({best['seconds']:.2f} s, best of {args.runs}), peak {best['peak_mb']:.0f} MB"
                + ("  (goal >= 1 M/s, < 500 MB)" if mode == "daily" else "")
            )


if __name__ == "__main__":
    main()
