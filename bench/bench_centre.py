"""The command centre's response figures, measured on the running CommandCentre.

1. Alert → dispatch decision: a station reading published on the centre's bus until the quick
   response is queued (the engine judging the example rules, the response planned and checked,
   the task stored), over `--alerts` readings at new places; against the same reading's bare
   publish → subscriber delivery measured in the same run (baseline). Goal < 100 ms.
2. Airborne within 5 s of the alert, in real time: the simulator at speed-up 1, the drones idle
   on the ground; alert raised → SortieAirborne (and raised → decided → dispatched).
3. Scheduler + queue overhead for 500 zones and 20 drones, and the bus with 10 subscribers: the
   figures of bench_patrols.py and bench_dispatch.py (run here with their defaults).

Run: .venv/bin/python bench/bench_centre.py [--alerts 20] [--responses 3] (prints, never asserts)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from command.alerts import Step  # noqa: E402
from command.centre import CommandCentre  # noqa: E402
from command.centre.config import LimitsConfig  # noqa: E402
from command.events import (  # noqa: E402
    AlertRaised,
    SortieAirborne,
    StationReading,
    TaskAssigned,
)
from tests.command.centre.conftest import centre_config  # noqa: E402
from tests.command.centre.plant import HOME, plant_world, zones_document  # noqa: E402
from tests.helpers.sitl import sitl  # noqa: E402


def reading(station: str, lat: float, lon: float, so2: float) -> StationReading:
    now = datetime.now(UTC)
    return StationReading(
        time_utc=now,
        station_id=station,
        name=station,
        latitude_deg=lat,
        longitude_deg=lon,
        values=(("so2", so2),),
        period_end_utc=now,
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def centre_figures(alerts: int, responses: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        world, _ = plant_world(folder, on_s=1e9)  # the stack stays off: readings come from here
        home = ",".join(str(v) for v in HOME)
        with sitl(folder, drones=2, speedup=1, world=world, extra=["--home", home]) as sim:
            config = centre_config(
                folder,
                sim,
                1,
                ["copter-1", "copter-2"],
                zones=zones_document(folder),
                limits=LimitsConfig(fly_at_night=True),
            )
            centre = CommandCentre(config)
            events = centre.subscribe("bench", kinds=[AlertRaised, TaskAssigned, SortieAirborne])
            centre.start()  # the patrol clock picks the queue: the scheduler stays on
            for schedule in centre.schedules():  # but no patrol takes the drones
                centre.pause_schedule(schedule.zone, "bench")
            for task in centre.queue.tasks():
                centre.queue.task_interrupted(task.id, datetime.now(UTC), "bench: not flown")
            try:
                silent = centre.unreachable(60)
                if silent:
                    raise SystemExit(f"drones not linked: {silent}")
                while any(s.wind_speed_mps is None for s in centre.snapshots().values()):
                    time.sleep(0.2)
                _decisions(centre, alerts)
                _airborne(centre, events, responses)
            finally:
                centre.close()


def _decisions(centre: CommandCentre, alerts: int) -> None:
    """Publish → the response task stored, at a new station each time (no de-duplication)."""
    baseline = centre.subscribe("baseline", kinds=[StationReading])
    decided: list[float] = []
    delivered: list[float] = []
    missed = 0
    for k in range(alerts):
        station = "SIM-1002A"
        before = len(centre.queue.tasks(None))
        # one place per reading: the open alert of the last is closed first
        for alert in centre.alert_store.alerts(open_only=True):
            centre.alerts.close_alert(alert.alert_id, "bench", "next reading")
        t0 = time.perf_counter()
        centre.bus.publish(reading(station, 36.6518, 116.9497, 300.0 + k))
        got = baseline.get(timeout_s=5)
        delivered.append((time.perf_counter() - t0) * 1e3)
        assert got is not None
        while len(centre.queue.tasks(None)) == before and time.perf_counter() - t0 < 5:
            time.sleep(0.0005)
        if len(centre.queue.tasks(None)) == before:
            missed += 1  # no response queued (refused or de-duplicated): not a decision time
        else:
            decided.append((time.perf_counter() - t0) * 1e3)
        for task in centre.queue.tasks():  # the bench flies only in part 2
            centre.queue.task_interrupted(task.id, datetime.now(UTC), "bench: not flown")
    baseline.close()
    med, base = statistics.median(decided), statistics.median(delivered)
    print(f"alert → dispatch decision on the running centre, {alerts} readings ({missed} none):")
    print(
        f"  reading published → response queued  median {med:7.1f} ms  p95 "
        f"{_pct(decided, 0.95):7.1f} ms  (goal < 100 ms)"
    )
    print(f"  bare publish → delivery (baseline)    median {base:7.2f} ms  ratio {med / base:.0f}")


def _airborne(centre: CommandCentre, events, responses: int) -> None:
    """Alert raised → airborne, speed-up 1, drones idle on the ground."""
    events.drain()
    raised_to_air: list[float] = []
    steps: dict[str, list[float]] = {"raised → decided": [], "decided → dispatched": []}
    for k in range(responses):
        for alert in centre.alert_store.alerts(open_only=True):
            centre.alerts.close_alert(alert.alert_id, "bench", "next response")
        while any(s.armed for s in centre.snapshots().values()):
            time.sleep(0.5)  # the last response's drone is back
        t0 = time.monotonic()
        centre.bus.publish(reading("SIM-1002A", 36.6518, 116.9497, 400.0 + k))
        airborne = None
        while time.monotonic() - t0 < 60 and airborne is None:
            event = events.get(timeout_s=1)
            if isinstance(event, SortieAirborne):
                airborne = time.monotonic() - t0
        if airborne is None:
            waiting = [(t.zone, t.state.value, t.reason) for t in centre.queue.tasks()]
            notes = [(a.alert_id, a.response_state.value, a.response_note)
                     for a in centre.alert_store.alerts(open_only=True)]  # fmt: skip
            print(f"  response {k + 1}: not airborne within 60 s; tasks {waiting}; alerts {notes}")
            continue
        raised_to_air.append(airborne)
        alert = centre.alert_store.alerts(open_only=True)[0]
        found = centre.alert_store.alert(alert.alert_id)
        assert found is not None
        timeline = found[1]
        steps["raised → decided"].append(timeline.seconds(Step.RAISED, Step.DECIDED) or 0)
        steps["decided → dispatched"].append(timeline.seconds(Step.DECIDED, Step.DISPATCHED) or 0)
        for vehicle in centre.dispatcher.active():  # back home for the next one
            centre.dispatcher.abort(vehicle, "bench: measured", "bench")
    if raised_to_air:
        print(f"airborne after the alert, speed-up 1, {len(raised_to_air)} responses:")
        for name, values in steps.items():
            print(f"  {name:<22} median {statistics.median(values):6.2f} s")
        print(
            f"  raised → airborne      median {statistics.median(raised_to_air):6.2f} s  max "
            f"{max(raised_to_air):6.2f} s  (goal < 5 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--responses", type=int, default=3)
    parser.add_argument("--skip-parts", action="store_true", help="only the centre's figures")
    args = parser.parse_args()
    centre_figures(args.alerts, args.responses)
    if not args.skip_parts:
        for script in ("bench_patrols.py", "bench_dispatch.py"):
            print(f"--- {script}")
            subprocess.run([sys.executable, str(ROOT / "bench" / script)], check=False)


if __name__ == "__main__":
    main()
