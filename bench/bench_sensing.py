"""Live sensing benchmark: samples per second through offer() → trajectory cube, and what
offer() costs a link thread per payload reading.

1. Throughput: 50 vehicles × `--seconds` of 1 Hz payload readings (7 values a sample) are
   offered from one thread while the sensing thread assembles, checks and appends them
   (batches of 500); timed from the first offer until close() has committed the last. Shown
   against a fleet's own rate (7 values/s per drone × 50 drones) and against the bare cube
   append of the same samples, already assembled, in the same batch size (same run).
2. Link-thread cost: the link's update path (`Telemetry.apply`) of NAMED_VALUE_FLOAT readings
   handing each to LiveSensing.offer, against the same path handing them to a sink that does
   nothing (same run); the difference is what offer() adds per reading. Measured with the
   sensing thread not started (offer's own cost) and running (the link thread then also
   shares the interpreter with the assembly, checks and appends of what it offers).

    .venv/bin/python bench/bench_sensing.py [--seconds 120] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from command.link.snapshot import PayloadSample
from command.link.telemetry import Telemetry
from command.sensing import LiveSensing, SensingConfig
from sensors.cubes import append_drone_samples, open_trajectory_cube
from sensors.cubes.trajectory import DroneSample
from tests.command.sensing.readings import T0_MS, sample_readings
from tests.helpers.tlogs import link, received

DRONES = 50
VALUES_PER_SAMPLE = 7
FLEET_VALUES_PER_S = VALUES_PER_SAMPLE * DRONES


def fleet_readings(seconds: int) -> list[PayloadSample]:
    """Every vehicle's readings, second by second, as the link threads would hand them."""
    out: list[PayloadSample] = []
    for k in range(seconds):
        for d in range(DRONES):
            out += sample_readings(f"d{d}", k, lat0=36.6 + 0.001 * d, system_id=d + 1)
    return out


def through_live(readings: list[PayloadSample], root: Path) -> float:
    """Seconds from the first offer until the last sample is committed."""
    live = LiveSensing(root, config=SensingConfig(batch_samples=500, queue_readings=10**7))
    live.start()
    t0 = time.perf_counter()
    for r in readings:
        live.offer(r)
    live.close(timeout_s=600)
    elapsed = time.perf_counter() - t0
    assert live.drones.stats().dropped == 0
    return elapsed


def bare_append(samples: list[DroneSample], root: Path) -> float:
    """Seconds to append already assembled samples in batches of 500."""
    t0 = time.perf_counter()
    for i in range(0, len(samples), 500):
        append_drone_samples(samples[i : i + 500], root)
    return time.perf_counter() - t0


def assembled(seconds: int) -> list[DroneSample]:
    """The samples the fleet's readings make (what the live path stores)."""
    values = {"pm2_5": 40.0, "pm10": 70.0, "so2": 9.0, "no2": 28.0, "co": 0.6, "o3": 85.0}
    return [
        DroneSample(
            f"d{d}", "none", T0_MS + 1000 * k + 5, 36.6, 116.93, 50.0, {**values, "voc": 40.0}
        )
        for k in range(seconds)
        for d in range(DRONES)
    ]


def link_messages(n: int) -> list:
    """n NAMED_VALUE_FLOAT readings (with the position and clock that precede them)."""
    enc = link(1)
    msgs = [
        enc.system_time_encode(T0_MS * 1000, 1000),
        enc.global_position_int_encode(1000, 366500000, 1169300000, 80_000, 50_000, 0, 0, 0, 0),
    ]
    names = [b"PM2_5", b"PM10", b"SO2", b"NO2", b"CO", b"O3", b"VOC"]
    for k in range(n):
        msgs.append(enc.named_value_float_encode(1000 + 1000 * (k // 7), names[k % 7], 40.0))
    return received([(m, enc) for m in msgs])


def apply_cost(messages: list, sink) -> float:
    """Seconds per reading of the link's update path handing each to sink."""
    telemetry = Telemetry("d1", on_sample=sink)
    t0 = time.perf_counter()
    for i, msg in enumerate(messages):
        telemetry.apply(msg, i * 1e-4)
    return (time.perf_counter() - t0) / (len(messages) - 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=120, help="flight seconds per vehicle")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    readings = fleet_readings(args.seconds)
    samples = assembled(args.seconds)
    n = len(samples)
    live_s, bare_s = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            live_s.append(through_live(readings, Path(tmp) / "live"))
            assert open_trajectory_cube(Path(tmp) / "live").sizes["obs"] == n
            bare_s.append(bare_append(samples, Path(tmp) / "bare"))
    live, bare = statistics.median(live_s), statistics.median(bare_s)
    print(f"{DRONES} drones x {args.seconds} s: {n} samples, {len(readings)} payload readings")
    print(
        f"offer -> cube: {n / live:,.0f} samples/s = {n * VALUES_PER_SAMPLE / live:,.0f} "
        f"values/s (median of {args.rounds}: {live:.2f} s)"
    )
    print(f"  = {n * VALUES_PER_SAMPLE / live / FLEET_VALUES_PER_S:,.0f}x a 50-drone fleet's rate")
    print(f"bare cube append, same samples: {n / bare:,.0f} samples/s ({bare:.2f} s)")
    print(f"  live path / bare append: {bare / live:.2f}x")

    messages = link_messages(70_000)
    for running in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            live_sensing = LiveSensing(Path(tmp), config=SensingConfig(queue_readings=10**7))
            if running:
                live_sensing.start()
            with_offer, without = [], []
            for _ in range(args.rounds):
                without.append(apply_cost(messages, lambda s: None))
                with_offer.append(apply_cost(messages, live_sensing.offer))
            live_sensing.close(timeout_s=600)
        a, b = statistics.median(with_offer), statistics.median(without)
        print(
            f"link thread per reading, sensing thread {'running' if running else 'not started'}:"
            f" update path + offer {a * 1e6:.2f} us, with a do-nothing sink {b * 1e6:.2f} us:"
            f" offer adds {(a - b) * 1e6:.2f} us ({a / b:.2f}x the update path alone)"
        )


if __name__ == "__main__":
    main()
