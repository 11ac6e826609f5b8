"""Video relay benchmark: CPU per 720p30 stream and the latency the relay adds, against FFmpeg's
own `ffmpeg -c copy` doing the same relay in the same run, everything relayed on one core.

    .venv/bin/python bench/bench_video.py [--streams 1,10,50] [--seconds 10] [--ffmpeg-max 50]

A real 720p30 H.264 clip (the simulated camera's view, x264 ultrafast/zerolatency, a keyframe a
second, 6 Mbit/s) is encoded once. This process replays it as N concurrent streams (distinct
SSRCs, real-time pace) to the relay and receives what the relay's sinks get; each datagram is
matched by its payload to when it was sent, which gives the latency through the relay. The
relay under test runs as its own process pinned to one core (its CPU time read from /proc):

  * `relay`      EcoPatrol's VideoRelay, one RTP/UDP sink per stream (datagrams forwarded as they
                 came: the city-brain path);
  * `relay+ts`   the same plus an MPEG-TS over UDP sink per stream (frames remuxed, PyAV);
  * `ffmpeg`     one `ffmpeg -i stream.sdp -c copy -f rtp` process per stream (the baseline).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TICK = os.sysconf("SC_CLK_TCK")
WARM_UP_S = 2.0
"""Seconds of each run left out of the figures (FFmpeg probes its input first)."""
CORE = 1 if (os.cpu_count() or 1) > 1 else 0
"""The core the relay under test is pinned to."""
FFMPEG = ["taskset", "-c", str(CORE), "ffmpeg", "-nostdin", "-loglevel", "fatal",
          "-protocol_whitelist", "file,udp,rtp", "-reorder_queue_size", "0"]  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def make_clip(seconds: float) -> list[bytes]:
    """RTP datagrams of `seconds` of the simulated camera at 1280x720, 30 frames/s."""
    from simulator.video.encoder import StreamFormat
    from tests.helpers.video import encode_clip

    fmt = StreamFormat(width=1280, height=720, fps=30, bitrate_bps=6_000_000)
    return encode_clip(seconds, fmt)


def schedule(clip: list[bytes], streams: int, seconds: float) -> list[tuple[float, int, bytes]]:
    """(send time s, stream, datagram) for every stream, looping the clip, phases spread."""
    _, _, _, ts0, _ = struct.unpack_from("!BBHII", clip[0])
    stamps = [struct.unpack_from("!I", d, 4)[0] for d in clip]
    period = (stamps[-1] - ts0) / 90_000 + 1 / 30
    out = []
    for s in range(streams):
        phase = (s / max(streams, 1)) * (1 / 30)
        loop = 0
        while loop * period < seconds:
            for d, ts in zip(clip, stamps, strict=True):
                t = phase + loop * period + (ts - ts0) / 90_000
                if t >= seconds:
                    break
                seq = (struct.unpack_from("!H", d, 2)[0] + loop * len(clip)) & 0xFFFF
                stamp = (ts + round(loop * period * 90_000)) & 0xFFFFFFFF
                head = d[:2] + struct.pack("!HII", seq, stamp, 0x10000 + s)
                out.append((t, s, head + _tagged(d[12:], len(out))))
            loop += 1
    out.sort(key=lambda x: x[0])
    return out


def _tagged(payload: bytes, n: int) -> bytes:
    """The payload with its last 4 bytes set to a number unique in the run (no zero bytes, so
    no start code appears); parameter sets and short payloads are left alone."""
    if len(payload) < 200:
        return payload
    tag = bytes(1 + (n // 255**k) % 255 for k in range(4))
    return payload[:-4] + tag


def key(datagram: bytes) -> bytes:
    """What identifies a datagram's content after any relay: its payload, hashed."""
    return hashlib.blake2b(datagram[12:], digest_size=12).digest()


def load(
    plan: list[tuple[float, int, bytes]],
    targets: list[int],
    sinks: list[int],
    cpu: Callable[[], float],
) -> dict:
    """Send the plan to the relay's ports, receive on the sink ports; latency per datagram and
    the relay's CPU (`cpu()`: its CPU seconds), both after the warm-up."""
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sel = selectors.DefaultSelector()
    socks = []
    for port in sinks:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind(("127.0.0.1", port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    sent: dict[bytes, float] = {}
    latencies: list[float] = []
    received = counted = 0
    t0 = time.monotonic() + 0.2
    i = 0
    end = t0 + plan[-1][0] + 1.0
    warm: tuple[float, float] | None = None
    while True:
        now = time.monotonic()
        if warm is None and now >= t0 + WARM_UP_S:
            warm = (now, cpu())
        while i < len(plan) and t0 + plan[i][0] <= now:
            at, s, data = plan[i]
            if at >= WARM_UP_S and len(data) >= 212:  # tagged: unique in the run
                sent[key(data)] = time.monotonic()
                counted += 1
            out.sendto(data, ("127.0.0.1", targets[s]))
            i += 1
        if i >= len(plan) and warm is not None and len(warm) == 2:
            warm = (*warm, time.monotonic(), cpu())
        if i >= len(plan) and now > end:
            break
        wait = (t0 + plan[i][0] - now) if i < len(plan) else 0.05
        for k, _ in sel.select(max(0.0, min(wait, 0.05))):
            sock = k.fileobj
            while True:
                try:
                    data = sock.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    break
                at = sent.pop(key(data), None)
                if at is not None:
                    received += 1
                    latencies.append(time.monotonic() - at)
    for s in socks:
        s.close()
    out.close()
    latencies.sort()
    n = len(latencies)
    assert warm is not None and len(warm) == 4
    w0, c0, w1, c1 = warm
    return {
        "cpu_core_pct": 100 * (c1 - c0) / (w1 - w0),
        "sent": counted,
        "received": received,
        "p50_ms": 1000 * latencies[n // 2] if n else float("nan"),
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "mean_ms": 1000 * statistics.fmean(latencies) if n else float("nan"),
    }


def free_ports(count: int, step: int = 1) -> int:
    """A base port with base + step·k free for k < count (even, for RTP/RTCP pairs)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1] & ~1
        if base + step * count + 2 > 65000:
            continue
        ok = True
        for k in range(count * step + 2):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    s.bind(("127.0.0.1", base + k))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range")


def serve_relay(config_path: str) -> None:
    """Run a VideoRelay from a JSON config until SIGTERM (the process under test)."""
    import av

    from command.video import VideoConfig, VideoRelay

    av.logging.set_level(av.logging.PANIC)  # the tagged payloads are not meant to decode
    os.sched_setaffinity(0, {CORE})
    relay = VideoRelay(VideoConfig.model_validate_json(Path(config_path).read_text()))
    relay.start()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("ready", flush=True)
    while not stop:
        time.sleep(0.1)
    relay.close()


def run_relay(plan: list, streams: int, seconds: float, ts: bool, tmp: Path) -> dict:
    """One run of the relay under test; CPU over the measured window."""
    base_in = free_ports(3 * streams, 2)  # one block: inputs, RTP sinks, TS sinks
    base_out = base_in + 2 * streams
    base_ts = base_in + 4 * streams
    sinks: list[dict] = [
        {"name": "brain", "kind": "rtp_udp", "url": f"udp://127.0.0.1:{base_out}", "port_step": 2}
    ]
    if ts:
        sinks.append(
            {
                "name": "ts",
                "kind": "mpegts_udp",
                "url": f"udp://127.0.0.1:{base_ts}",
                "port_step": 2,
            }
        )
    from command.video import VideoConfig

    config = VideoConfig.for_fleet(
        [f"UAV-{s + 1}" for s in range(streams)], base_port=base_in, sinks=sinks
    )
    config = config.model_copy(
        update={
            "streams": tuple(
                st.model_copy(update={"port": base_in + 2 * i})
                for i, st in enumerate(config.streams)
            )
        }
    )
    path = tmp / "relay.json"
    path.write_text(config.model_dump_json())
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-relay", str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    sink_ports = [base_out + 2 * s for s in range(streams)]
    if ts:
        sink_ports += [base_ts + 2 * s for s in range(streams)]
    try:
        figures = load(
            plan,
            [base_in + 2 * s for s in range(streams)],
            sink_ports,
            lambda: cpu_seconds(proc.pid),
        )
    finally:
        proc.terminate()
        proc.wait(20)
    return figures


def run_ffmpeg(plan: list, streams: int, tmp: Path) -> dict:
    """The baseline: one `ffmpeg -c copy` relay process per stream, all on the same core."""
    base_in = free_ports(2 * streams, 2)
    base_out = base_in + 2 * streams
    procs = []
    for s in range(streams):
        sdp = tmp / f"in{s}.sdp"
        from command.video.sdp import h264_sdp

        sdp.write_text(h264_sdp("127.0.0.1", base_in + 2 * s))
        procs.append(
            subprocess.Popen(
                [
                    "taskset",
                    "-c",
                    str(CORE),
                    "ffmpeg",
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-protocol_whitelist",
                    "file,udp,rtp",
                    "-reorder_queue_size",
                    "0",
                    "-i",
                    str(sdp),
                    "-c",
                    "copy",
                    "-f",
                    "rtp",
                    "-rtpflags",
                    "skip_rtcp",
                    f"rtp://127.0.0.1:{base_out + 2 * s}?pkt_size=1200",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        )
    try:
        time.sleep(1.0 + 0.05 * streams)
        figures = load(
            plan,
            [base_in + 2 * s for s in range(streams)],
            [base_out + 2 * s for s in range(streams)],
            lambda: sum(cpu_seconds(p.pid) for p in procs),
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(20)
    return figures


def main() -> None:
    """Run every configuration and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--streams", default="1,10,50")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--ffmpeg-max", type=int, default=50, help="most streams given to ffmpeg")
    p.add_argument("--serve-relay", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_relay:
        serve_relay(args.serve_relay)
        return
    counts = [int(x) for x in args.streams.split(",")]
    print("encoding a 4 s 720p30 clip ...", flush=True)
    clip = make_clip(4.0)
    rate = sum(map(len, clip)) * 8 / 4.0
    print(f"clip: {len(clip)} datagrams, {rate / 1e6:.2f} Mbit/s, {len(clip) / 4:.0f} datagrams/s")
    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "clip.pickle").write_bytes(pickle.dumps(clip))
        for n in counts:
            plan = schedule(clip, n, args.seconds)
            runs = [("relay", run_relay(plan, n, args.seconds, False, tmp))]
            runs.append(("relay+ts", run_relay(plan, n, args.seconds, True, tmp)))
            if n <= args.ffmpeg_max:
                runs.append(("ffmpeg -c copy", run_ffmpeg(plan, n, tmp)))
            for name, f in runs:
                rows.append((n, name, f))
                got = f"{f['received'] / f['sent']:7.1%}"
                print(
                    f"{n:4d} streams  {name:15s} CPU {f['cpu_core_pct']:6.1f} % of a core "
                    f"({f['cpu_core_pct'] / n:5.2f} %/stream)  delivered {got:>7s}  "
                    f"latency p50 {f['p50_ms']:6.2f} ms  p99 {f['p99_ms']:6.2f} ms",
                    flush=True,
                )
    print()
    print("per stream, relay ÷ ffmpeg -c copy (same run):")
    for n in counts:
        mine = next(f for m, name, f in rows if m == n and name == "relay")
        base = next((f for m, name, f in rows if m == n and name == "ffmpeg -c copy"), None)
        if base is None:
            continue
        print(
            f"{n:4d} streams: CPU {mine['cpu_core_pct'] / base['cpu_core_pct']:.2f}×, "
            f"added latency p50 {mine['p50_ms']:.2f} ms vs {base['p50_ms']:.2f} ms"
        )
    print(json.dumps([(n, name, f) for n, name, f in rows]))


if __name__ == "__main__":
    main()
