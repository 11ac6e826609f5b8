"""Cubes read while they are written: a reader sees every committed batch and nothing half
written; the map cube's hours are rebuilt as new data come, at a bounded rate."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from command.events import EventBus, MapCubeRefreshed
from command.sensing import LiveSensing, MapRefresher, SensingConfig, hour_ends
from sensors.cubes import open_map_cube, open_trajectory_cube
from tests.command.sensing.readings import T0, T0_MS, sample_readings


def test_a_reader_mid_flight_sees_the_samples_flushed_so_far_consistent(tmp_path: Path) -> None:
    cubes = tmp_path / "cubes"
    now = [0.0]
    live = LiveSensing(
        cubes, config=SensingConfig(batch_samples=7, batch_s=600), clock=lambda: now[0]
    )
    seen: list[int] = []
    problems: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set() or not seen or seen[-1] < 300:
            if not (cubes / "trajectories.zarr" / "zarr.json").exists():
                continue
            ds = open_trajectory_cube(cubes).load()
            n = ds.sizes["obs"]
            if seen and n < seen[-1]:
                problems.append(f"{n} samples after {seen[-1]}")
            for name in ("d1", "d2"):
                traj = [i for i, v in enumerate(ds.vehicle_id.values) if v == name]
                mine = np.isin(ds.trajectory_index.values, traj)
                k = np.arange(mine.sum())
                t = ds.time.values[mine].astype("datetime64[ms]").astype(np.int64)
                if not np.array_equal(t, T0_MS + 1000 * k + 5):
                    problems.append(f"{name}: times {t[:3]}… not its own seconds in order")
                if not np.array_equal(ds.pm2_5.values[mine], 40.0 + k):
                    problems.append(f"{name}: values do not match their samples")
            seen.append(n)
            if done.is_set() and n == 300:
                return

    thread = threading.Thread(target=reader)
    thread.start()
    committed = [0]
    for k in range(150):  # two vehicles, a batch of 7 samples every 3.5 s of flight
        for name in ("d1", "d2"):
            for r in sample_readings(name, k, lat0=36.65 if name == "d1" else 36.7):
                live.offer(r)
        now[0] = k + 0.5
        committed.append(committed[-1] + live.drones.step(now[0]))
    live.close()
    committed.append(300)
    done.set()
    thread.join(60)
    assert not problems, problems[:5]
    assert set(seen) <= set(committed)  # only whole batches: never one half there
    assert seen[-1] == 300 and len(set(seen)) > 5  # read many times while it grew


def test_map_hours_are_refreshed_from_new_samples_at_a_bounded_rate(tmp_path: Path) -> None:
    cubes = tmp_path / "cubes"
    bus = EventBus()
    events = bus.subscribe("test", kinds=[MapCubeRefreshed])
    now = [0.0]
    live = LiveSensing(cubes, bus=bus, config=SensingConfig(map_refresh_s=30, batch_s=1))
    refresher: MapRefresher = live.maps
    refresher.clock = lambda: now[0]
    for k in range(3):
        for r in sample_readings("d1", k):
            live.offer(r)
    live.drones.step(10.0, close=True)  # stored: the refresher is told the hour
    hour = T0 + timedelta(hours=1)  # samples just after 08:00 make the hour ending 09:00
    assert refresher.wait_s(now[0]) == 0.0
    assert refresher.refresh(now[0]) == (hour,)
    (event,) = events.drain()
    assert event.hours == (hour,) and event.maps == 1
    first = open_map_cube(cubes).load()
    assert int(first.sample_count.sum()) == 3
    for k in range(3, 6):
        for r in sample_readings("d1", k):
            live.offer(r)
    live.drones.step(20.0, close=True)
    now[0] = 10.0
    assert refresher.wait_s(now[0]) == 20.0  # not again before 30 s
    now[0] = 30.0
    assert refresher.refresh(now[0]) == (hour,)
    again = open_map_cube(cubes).load()
    assert again.sizes["time"] == 1 and int(again.sample_count.sum()) == 6  # rewritten
    later = T0_MS + 5 * 3_600_000
    refresher.touch([later])
    refresher.touch([T0_MS - 3_600_000])  # older than the last map: cannot join the axis
    done = refresher.refresh(60.0)
    assert done == (datetime.fromtimestamp(later / 1000, UTC),)
    assert refresher.stats().hours_passed_over == 1
    assert open_map_cube(cubes).sizes["time"] == 2


def test_hour_ends() -> None:
    t = pd.Timestamp("2026-05-01T08:00:00Z").value // 1_000_000
    assert hour_ends([t, t + 1, t + 3_599_999]) == {t, t + 3_600_000}
