"""Simulator benchmark: vehicles one core runs in real time at ground-station stream rates, and
the simulated-to-real time ratio for 3 vehicles flat out.

    .venv/bin/python bench/bench_simulator.py [--vehicles 100] [--seconds 10]

Each vehicle gets its own TCP client (in this process) that asks for QGroundControl's stream
rates (RAW_SENS 2, EXT_STAT 2, RC_CHAN 2, POSITION 3, EXTRA1 10, EXTRA2 10, EXTRA3 3 Hz) and
parses everything it receives with pymavlink. The simulator runs as its own process; its CPU
time is read from /proc, so "per core" is measured, not assumed.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("MAVLINK20", "1")
from pymavlink.dialects.v20 import ardupilotmega as mavlink

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers.sitl import free_base_port  # noqa: E402

QGC_RATES = {
    mavlink.MAV_DATA_STREAM_RAW_SENSORS: 2,
    mavlink.MAV_DATA_STREAM_EXTENDED_STATUS: 2,
    mavlink.MAV_DATA_STREAM_RC_CHANNELS: 2,
    mavlink.MAV_DATA_STREAM_POSITION: 3,
    mavlink.MAV_DATA_STREAM_EXTRA1: 10,
    mavlink.MAV_DATA_STREAM_EXTRA2: 10,
    mavlink.MAV_DATA_STREAM_EXTRA3: 3,
}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def run(vehicles: int, speedup: float, seconds: float, streams: bool) -> dict[str, float]:
    """Start the simulator, connect a client per vehicle, measure for `seconds` of real time."""
    base = free_base_port(vehicles)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "--drones",
            str(vehicles),
            "--speedup",
            str(speedup),
            "--base-port",
            str(base),
            "--station-feed",
            "/tmp/ecopatrol-bench-stations.csv",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    sel = selectors.DefaultSelector()
    parsers = []
    for i in range(vehicles):
        s = socket.create_connection(("127.0.0.1", base + 10 * i))
        s.setblocking(False)
        gcs = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)
        gcs.robust_parsing = True
        if streams:
            for sid, hz in QGC_RATES.items():
                s.sendall(gcs.request_data_stream_encode(i + 1, 1, sid, hz, 1).pack(gcs))
        sel.register(s, selectors.EVENT_READ, i)
        parsers.append(gcs)
    counts = [0] * vehicles
    boot_ms = [0] * vehicles
    warm = time.monotonic() + 2.0
    while time.monotonic() < warm:  # let streams start before measuring
        for key, _ in sel.select(0.05):
            key.fileobj.recv(1 << 20)  # type: ignore[union-attr]
    cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
    first_boot = None
    while time.monotonic() - t0 < seconds:
        for key, _ in sel.select(0.05):
            i = key.data
            data = key.fileobj.recv(1 << 20)  # type: ignore[union-attr]
            for m in parsers[i].parse_buffer(data) or []:
                counts[i] += 1
                tb = getattr(m, "time_boot_ms", None)
                if tb is not None:
                    boot_ms[i] = max(boot_ms[i], tb)
                    if first_boot is None:
                        first_boot = tb
    wall = time.monotonic() - t0
    cpu = cpu_seconds(proc.pid) - cpu0
    proc.terminate()
    proc.wait(timeout=10)
    for key in list(sel.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    sim_s = (max(boot_ms) - (first_boot or 0)) / 1000.0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "sim_s": sim_s,
        "msgs_per_vehicle_s": sum(counts) / vehicles / wall,
    }


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--vehicles", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    r = run(args.vehicles, 1.0, args.seconds, streams=True)
    cpu_share = r["cpu_s"] / r["wall_s"]
    print(f"{args.vehicles} vehicles at QGC stream rates, speedup 1, {r['wall_s']:.1f} s:")
    print(f"  messages/s per vehicle received : {r['msgs_per_vehicle_s']:.1f}")
    print(f"  simulated/real time              : {r['sim_s'] / r['wall_s']:.3f}  (1.0 = real time)")
    print(f"  simulator CPU, share of one core : {cpu_share:.2f}")
    print(f"  vehicles per core in real time   : {args.vehicles / cpu_share:.0f} (goal >= 100)")
    r3 = run(3, 0.0, args.seconds, streams=True)
    print(f"3 vehicles flat out (--speedup 0), streams at QGC rates, {r3['wall_s']:.1f} s:")
    print(f"  simulated/real time              : {r3['sim_s'] / r3['wall_s']:.1f}x (goal >= 50x)")
    r3q = run(3, 0.0, args.seconds, streams=False)
    print("3 vehicles flat out, no streams requested (heartbeat, payload only):")
    print(f"  simulated/real time              : {r3q['sim_s'] / r3q['wall_s']:.1f}x")


if __name__ == "__main__":
    main()
