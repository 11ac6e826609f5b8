"""Dispatch and its event bus: what a caller waits for, and what the bus adds per event.

1. The bus with 10 subscribers (each on its own thread): events/s through it when flooded, the
   publisher's cost per event against calling the 10 handlers directly (the same run's
   baseline), and the latency it adds per event (publish → handler) at a fleet's pace
   (`--rate` events/s, e.g. 20 drones × 50 Hz). Goal: under 1 ms per event.
2. prepare() and launch() against the simulator (real sockets): how long each call takes to
   return, against the blocking upload + read-back measured in the same run, and how long after
   the call the upload (SortiePrepared) and the take-off (SortieAirborne) come as events.

Run: .venv/bin/python bench/bench_dispatch.py [--events 50000] [--rate 1000] [--sorties 3]
(prints, never asserts)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from command.dispatch import Dispatcher
from command.events import (
    EventBus,
    ItemReached,
    SortieAirborne,
    SortieCompleted,
    SortieEvent,
    SortieFailed,
    SortieInterrupted,
    SortiePrepared,
)
from command.link import Fleet, LinkState
from command.storage import open_database, sqlite_url
from tests.command.dispatch.conftest import square
from tests.helpers.sitl import sitl

SUBSCRIBERS = 10
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bus_figures(events: int, rate_hz: float) -> None:
    """Flood and paced runs through a bus of SUBSCRIBERS handler subscribers."""
    sent = [0.0] * events
    handled = [0] * SUBSCRIBERS
    latency: list[list[float]] = [[] for _ in range(SUBSCRIBERS)]
    finished = threading.Event()

    def handler(k: int):
        def on(event: ItemReached) -> None:
            latency[k].append(time.perf_counter() - sent[event.seq])
            handled[k] += 1
            if handled[k] == events and all(h == events for h in handled):
                finished.set()

        return on

    samples = [
        ItemReached(time_utc=T0, sortie_id=1, vehicle="d1", seq=i, total=events)
        for i in range(events)
    ]

    # baseline: the same fan-out, called directly on the publisher's thread
    direct = [handler(k) for k in range(SUBSCRIBERS)]
    t = time.perf_counter()
    for i, event in enumerate(samples):
        sent[i] = time.perf_counter()
        for h in direct:
            h(event)
    direct_s = time.perf_counter() - t
    handled[:] = [0] * SUBSCRIBERS
    for lat in latency:
        lat.clear()

    bus = EventBus(default_queue=events)
    for k in range(SUBSCRIBERS):
        bus.subscribe(f"s{k}", handler(k))
    finished.clear()
    t = time.perf_counter()
    for i, event in enumerate(samples):
        sent[i] = time.perf_counter()
        bus.publish(event)
    publish_s = time.perf_counter() - t
    finished.wait(120)
    through_s = time.perf_counter() - t
    dropped = sum(s.dropped for s in bus.stats())
    bus.close()
    print(f"bus, {SUBSCRIBERS} subscribers, {events} events flooded:")
    print(f"  through the bus      {events / through_s:10,.0f} events/s (all subscribers done)")
    print(f"  publisher per event  {publish_s / events * 1e6:10.1f} µs")
    print(f"  direct fan-out       {direct_s / events * 1e6:10.1f} µs per event (baseline)")
    print(f"  ratio publish/direct {publish_s / direct_s:10.2f}   dropped {dropped}")

    # paced: the latency the bus adds at a fleet's pace
    paced = min(events, int(rate_hz * 5))
    handled[:] = [0] * SUBSCRIBERS
    for lat in latency:
        lat.clear()
    finished.clear()
    bus = EventBus()
    for k in range(SUBSCRIBERS):
        bus.subscribe(f"s{k}", handler(k))
    period = 1.0 / rate_hz
    start = time.perf_counter()
    for i in range(paced):
        while time.perf_counter() < start + i * period:
            time.sleep(period / 4)
        sent[i] = time.perf_counter()
        bus.publish(samples[i])
    time.sleep(0.5)
    bus.close()
    lat_ms = [x * 1e3 for k in range(SUBSCRIBERS) for x in latency[k][:paced]]
    print(f"bus, {SUBSCRIBERS} subscribers, {paced} events at {rate_hz:.0f}/s:")
    print(
        f"  added latency        p50 {_percentile(lat_ms, 0.5):.3f} ms  "
        f"p99 {_percentile(lat_ms, 0.99):.3f} ms  max {max(lat_ms):.3f} ms (goal < 1 ms)"
    )


def dispatch_figures(sorties: int) -> None:
    """prepare()/launch() return times against the blocking upload, on the simulator."""
    speedup = 10
    with tempfile.TemporaryDirectory() as tmp, sitl(Path(tmp), speedup=speedup) as s:
        db = open_database(sqlite_url(Path(tmp) / "bench.sqlite"))
        bus = EventBus()
        events = bus.subscribe("bench", kinds=[SortieEvent])
        with Fleet(bus=bus, heartbeat_period_s=1 / speedup, telemetry_period_s=0.2 / speedup) as f:
            f.connect("d1", s.url(0))
            ready = f.wait_for(
                "d1", lambda x: x.link is LinkState.OK and x.home is not None and x.has_position, 60
            )
            assert ready is not None and ready.home is not None
            mission = square(ready.home, side_m=40)
            t = time.perf_counter()
            f.upload_mission("d1", mission)
            upload_s = time.perf_counter() - t
            dispatcher = Dispatcher(f, db, actor="bench", tracks_dir=Path(tmp))
            rows = []
            for _ in range(sorties):
                t = time.perf_counter()
                sortie_id = dispatcher.prepare(mission, "d1", name="bench", actor="bench")
                prepare_s = time.perf_counter() - t
                prepared_s = _until(events, sortie_id, SortiePrepared) - t
                t = time.perf_counter()
                dispatcher.launch(sortie_id, confirmed=True, actor="bench")
                launch_s = time.perf_counter() - t
                airborne_s = _until(events, sortie_id, SortieAirborne) - t
                _until(events, sortie_id, SortieCompleted)
                rows.append((prepare_s, prepared_s, launch_s, airborne_s))
                f.wait_for("d1", lambda x: not x.armed, 60)
            dispatcher.close()
        bus.close()
        db.close()
    print(
        f"dispatch on the simulator ({speedup}x), {sorties} sorties of {len(mission.items)} items:"
    )
    print(f"  blocking upload + read-back     {upload_s * 1e3:8.1f} ms (baseline)")
    for label, k in (("prepare() returned", 0), ("launch() returned", 2)):
        values = [r[k] * 1e3 for r in rows]
        print(
            f"  {label:<30}  {statistics.median(values):8.1f} ms median, max {max(values):.1f} "
            f"ms; ratio to the upload {statistics.median(values) / (upload_s * 1e3):.3f}"
        )
    for label, k in (("SortiePrepared after prepare", 1), ("SortieAirborne after launch", 3)):
        values = [r[k] * 1e3 for r in rows]
        print(f"  {label:<30}  {statistics.median(values):8.1f} ms median (the work, off-thread)")


def _until(events, sortie_id: int, kind: type) -> float:
    while True:
        event = events.get(120)
        if event is None:
            raise RuntimeError(f"no {kind.__name__} for sortie {sortie_id}")
        if event.sortie_id != sortie_id:
            continue
        if isinstance(event, kind):
            return time.perf_counter()
        if isinstance(event, SortieFailed | SortieInterrupted):
            raise RuntimeError(f"sortie {sortie_id} ended: {event.reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--sorties", type=int, default=3)
    args = parser.parse_args()
    bus_figures(args.events, args.rate)
    dispatch_figures(args.sorties)


if __name__ == "__main__":
    main()
