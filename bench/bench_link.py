"""Fleet-link benchmark: telemetry handled per core, and mission upload + verify time.

1. Telemetry: a byte stream captured from the simulator (all streams requested at 50 Hz) is fed
   through the adapter's update path (`codec.ingest`: parse + snapshot, 4 KiB chunks as from a
   socket) and through pymavlink's bare `parse_buffer` of the same bytes, in the same run.
   Goal: adapter ≥ 50 % of the bare rate.
2. Missions: upload + verify 200 items on loopback at 0, 5 and 20 % loss (simulator --loss)
   against the stop-and-wait lower bound: 2 × items × round-trip time (upload and read-back),
   the round trip measured in the same run (PARAM_REQUEST_READ → PARAM_VALUE).

    .venv/bin/python bench/bench_link.py [--seconds 3] [--losses 0,5,20]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from command.link import Fleet, LinkState
from command.link.codec import ingest, new_codec
from command.link.mission_transfer import MissionDownload
from command.link.mission_wire import MISSION
from command.link.telemetry import Telemetry
from tests.command.link.test_missions import _mission
from tests.helpers.sitl import sitl

CHUNK = 4096


def capture(port: int, seconds: float) -> bytes:
    """Bytes the simulator sends with every stream at 50 Hz."""
    sock = socket.create_connection(("127.0.0.1", port))
    mav = mavlink2.MAVLink(None, srcSystem=255, srcComponent=190)
    mav.file = _SockFile(sock)
    mav.heartbeat_send(mavlink2.MAV_TYPE_GCS, mavlink2.MAV_AUTOPILOT_INVALID, 0, 0, 0)
    mav.request_data_stream_send(1, 1, mavlink2.MAV_DATA_STREAM_ALL, 50, 1)
    buf = bytearray()
    end = time.monotonic() + seconds
    sock.settimeout(0.1)
    while time.monotonic() < end:
        with contextlib.suppress(TimeoutError):
            buf += sock.recv(65536)
    sock.close()
    return bytes(buf)


class _SockFile:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)


def parse_rates(data: bytes, repeat: int = 3) -> tuple[int, float, float]:
    """(messages, bare msgs/s, adapter msgs/s), best of `repeat`."""
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    bare, ours, count = 0.0, 0.0, 0
    for _ in range(repeat):
        parser = mavlink2.MAVLink(None)
        parser.robust_parsing = True
        t0 = time.perf_counter()
        n = 0
        for c in chunks:
            n += len(parser.parse_buffer(c) or ())
        bare = max(bare, n / (time.perf_counter() - t0))
        count = n
        mav = new_codec()
        telemetry = Telemetry("bench", on_sample=lambda s: None)
        t0 = time.perf_counter()
        for i, c in enumerate(chunks):
            ingest(mav, telemetry, c, float(i))
        ours = max(ours, n / (time.perf_counter() - t0))
    return count, bare, ours


def round_trip_s(fleet: Fleet, name: str) -> float:
    """Smoothed MISSION_REQUEST_INT → MISSION_ITEM_INT round trip measured by a download on the
    link thread (what stop-and-wait pays per item)."""
    exchange = MissionDownload(MISSION)
    fleet.link(name).submit(exchange).result(60)
    assert exchange.srtt_s is not None
    return exchange.srtt_s


def mission_bench(loss: float, items: int, speedup: float) -> tuple[float, float]:
    """(upload + verify seconds, round trip seconds) at loss percent."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        sitl(Path(tmp), speedup=speedup, extra=["--loss", str(loss)]) as s,
        Fleet(heartbeat_period_s=1.0 / speedup) as fleet,
    ):
        fleet.connect("d1", s.url(0))
        fleet.wait_for("d1", lambda x: x.link is LinkState.OK, 30)
        report = fleet.upload_mission("d1", _mission(items))
        rtt = round_trip_s(fleet, "d1") if loss == 0 else 0.0
        return report.duration_s, rtt


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0, help="capture length (real seconds)")
    p.add_argument("--losses", default="0,5,20", help="loss percentages for the upload bench")
    p.add_argument("--items", type=int, default=200)
    p.add_argument("--speedup", type=float, default=10.0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sitl(Path(tmp), speedup=20) as s:
        data = capture(s.port(0), args.seconds)
    n, bare, ours = parse_rates(data)
    print(f"telemetry: {n} messages, {len(data) / 1e6:.2f} MB captured from the simulator")
    print(f"  pymavlink parse_buffer (bare): {bare:10.0f} msg/s")
    print(
        f"  adapter parse + snapshot:      {ours:10.0f} msg/s  ({100 * ours / bare:.0f} % of bare)"
    )
    rtt = None
    for loss in (float(x) for x in args.losses.split(",")):
        duration, measured = mission_bench(loss, args.items, args.speedup)
        rtt = measured if loss == 0 else rtt
        bound = f"{2 * args.items * rtt:.2f} s" if rtt else "n/a"
        print(
            f"upload + verify {args.items} items at {loss:g} % loss: {duration:6.2f} s"
            f"  (stop-and-wait bound 2 × {args.items} × RTT {rtt * 1e3 if rtt else 0:.2f} ms"
            f" = {bound})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
