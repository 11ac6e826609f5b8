"""Drone samples from synthetic payload readings: assembly, batching, tagging, drops, checks."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from command.events import DroneReading, EventBus, SampleBatchStored
from command.link.telemetry import Telemetry
from command.link.tlog import pair_messages
from command.sensing import NO_SORTIE, LiveSensing, SensingConfig
from sensors.cubes import open_trajectory_cube
from sensors.cubes.trajectory import DroneSample, samples_of
from sensors.ingest.drone import checked
from sensors.ingest.quarantine import read as read_quarantine
from tests.command.sensing.readings import T0, T0_MS, Utc, sample_readings
from tests.helpers.tlogs import flight_messages, received


def sensing(tmp_path: Path, **settings) -> tuple[LiveSensing, Utc, EventBus]:
    """Live sensing on a fresh cubes folder, its threads not started: the test steps it."""
    utc = Utc()
    bus = EventBus()
    live = LiveSensing(
        tmp_path / "cubes",
        bus=bus,
        sortie_of=settings.pop("sortie_of", None),
        config=SensingConfig(**settings),
        clock=lambda: utc.now,
        utcnow=utc,
    )
    return live, utc, bus


def offer(live: LiveSensing, readings) -> None:
    for r in readings:
        live.offer(r)


def test_one_sample_per_vehicle_reading_with_its_position_and_utc(tmp_path: Path) -> None:
    live, utc, _ = sensing(tmp_path, batch_s=2.0)
    for k in range(3):
        offer(live, sample_readings("d1", k))
    utc.now = 5.0
    assert live.drones.step(utc.now) == 3  # the last one closed once its vehicle went quiet
    ds = open_trajectory_cube(tmp_path / "cubes")
    assert ds.sizes["obs"] == 3
    times = ds.time.values.astype("datetime64[ms]").astype(np.int64)
    assert times.tolist() == [T0_MS + 5, T0_MS + 1005, T0_MS + 2005]
    assert np.allclose(ds.latitude.values, [36.65, 36.65001, 36.65002])
    assert np.allclose(ds.altitude.values, 50.0)
    assert ds.pm2_5.values.tolist() == [40.0, 41.0, 42.0]
    assert np.allclose(ds.co.values, 0.6)
    assert list(ds.vehicle_id.values) == ["d1"] and list(ds.trajectory_id.values) == [NO_SORTIE]


def test_live_path_and_tlog_path_make_the_same_samples(tmp_path: Path) -> None:
    messages = received(flight_messages(seconds=12, fix_after_s=3))
    from_log = [
        checked(s)[0]
        for s in pair_messages(messages, "d1", NO_SORTIE)
        if isinstance(s, DroneSample)
    ]
    live, utc, _ = sensing(tmp_path)
    telemetry = Telemetry("d1", on_sample=live.offer)  # the link's own update path
    for i, msg in enumerate(messages):
        telemetry.apply(msg, i * 0.01)
    utc.now = 100.0
    live.drones.step(utc.now, close=True)
    ds = open_trajectory_cube(tmp_path / "cubes").load()
    assert ds.sizes["obs"] == len(from_log) == 9  # no time for 1 s, no fix for 2 s
    got = ds.time.values.astype("datetime64[ms]").astype(np.int64).tolist()
    assert got == [s.time_ms for s in from_log]
    lat = [s.lat for s in from_log]  # ·1e-7 on the link, /1e7 in the log: the same to 1e-12°
    assert np.allclose(ds.latitude.values, lat, rtol=0, atol=1e-12)
    assert ds.altitude.values.tolist() == [s.altitude_m for s in from_log]
    assert ds.pm2_5.values.tolist() == [s.values["pm2_5"] for s in from_log]
    reasons = [r["reason"] for r in _quarantined(tmp_path)]
    assert reasons.count("no_time") == 7 and reasons.count("no_position") == 14


def test_a_batch_waits_for_its_time_or_its_size(tmp_path: Path) -> None:
    live, utc, bus = sensing(tmp_path, batch_s=2.0, batch_samples=5)
    events = bus.subscribe("test", kinds=[SampleBatchStored])
    for k in range(5):  # four closed samples, the fifth still open
        offer(live, sample_readings("d1", k, arrived_s=0.0))
    assert live.drones.step(0.5) == 0
    assert not (tmp_path / "cubes" / "trajectories.zarr").exists()
    assert live.drones.wait_s(0.5) == 1.0  # the sample idle time, then the batch at 2.5 s
    utc.now = 2.6
    assert live.drones.step(utc.now) == 5  # four plus the one closed by its silence
    for k in range(5, 11):
        offer(live, sample_readings("d1", k, arrived_s=2.7))
    assert live.drones.step(2.7) == 5  # full before its time: appended at once
    assert live.drones.step(2.8) == 0
    live.close()  # the open sample is closed and appended
    assert open_trajectory_cube(tmp_path / "cubes").sizes["obs"] == 11
    sizes = [e.samples for e in events.drain()]
    assert sizes == [5, 5, 1]


def test_samples_are_tagged_with_the_sortie_flying_when_they_came(tmp_path: Path) -> None:
    asked: list[tuple[str, datetime]] = []

    def sortie_of(vehicle: str, at: datetime) -> int | None:
        asked.append((vehicle, at))
        if vehicle == "d1" and T0 + timedelta(seconds=2) <= at < T0 + timedelta(seconds=6):
            return 7
        return 12 if vehicle == "d2" else None

    live, utc, bus = sensing(tmp_path, sortie_of=sortie_of)
    readings_events = bus.subscribe("test", kinds=[DroneReading, SampleBatchStored])
    for k in range(8):
        offer(live, sample_readings("d1", k))
        offer(live, sample_readings("d2", k, lat0=36.7, system_id=2))
    utc.now = 20.0
    live.drones.step(utc.now, close=True)
    assert len(asked) == 16  # once per sample, not per reading
    assert asked[0] == ("d1", T0 + timedelta(seconds=0.01))  # the centre's clock at arrival
    ds = open_trajectory_cube(tmp_path / "cubes")
    pairs = sorted(zip(ds.trajectory_id.values, ds.vehicle_id.values, strict=True))
    assert pairs == [("12", "d2"), ("7", "d1"), (NO_SORTIE, "d1")]
    flown = samples_of(ds, "7")
    assert flown.sizes["obs"] == 4
    assert np.allclose(flown.latitude.values, 36.65 + 1e-5 * np.arange(2, 6))
    assert samples_of(ds, "12").sizes["obs"] == 8
    events = readings_events.drain()
    drone = [e for e in events if isinstance(e, DroneReading)]
    assert len(drone) == 16
    assert {(e.vehicle, e.sortie_id) for e in drone} == {("d1", 7), ("d1", None), ("d2", 12)}
    first = next(e for e in drone if e.sortie_id == 7)
    assert first.time_utc == T0 + timedelta(milliseconds=2005)
    assert dict(first.values)["pm2_5"] == 42.0
    batches = {(e.vehicle, e.sortie_id): e for e in events if isinstance(e, SampleBatchStored)}
    assert batches["d1", 7].samples == 4
    assert batches["d1", 7].first_utc == T0 + timedelta(milliseconds=2005)
    assert batches["d1", 7].last_utc == T0 + timedelta(milliseconds=5005)


def test_a_full_queue_drops_new_readings_counted_and_never_waits(tmp_path: Path) -> None:
    live, _, _ = sensing(tmp_path, queue_readings=16)
    readings = [r for k in range(3) for r in sample_readings("d1", k)]  # 21 readings
    offer(live, readings)  # nothing consumes: an offer that waited would hang the test here
    stats = live.drones.stats()
    assert (stats.offered, stats.dropped, stats.queued) == (16, 5, 16)
    live.drones.step(10.0, close=True)
    ds = open_trajectory_cube(tmp_path / "cubes")
    assert ds.sizes["obs"] == 3  # the third sample kept the two readings that fitted
    assert np.isnan(ds.no2.values[2]) and ds.pm2_5.values[2] == 42.0


def test_refused_readings_and_values_are_quarantined_with_the_reason(tmp_path: Path) -> None:
    live, utc, bus = sensing(tmp_path)
    batches = bus.subscribe("test", kinds=[SampleBatchStored])
    offer(live, sample_readings("d1", 0, clock=False))  # no SYSTEM_TIME yet
    offer(live, sample_readings("d1", 1, fix=False))  # no position
    offer(live, sample_readings("d1", 2, values={"PM2_5": -3.0, "NO2": 30.0}))
    offer(live, sample_readings("d1", 3, values={"CO": 1e6}))
    offer(live, sample_readings("d1", 4))
    offer(live, sample_readings("d1", 4, arrived_s=4.5))  # the same boot time again
    utc.now = 10.0
    live.drones.step(utc.now, close=True)
    ds = open_trajectory_cube(tmp_path / "cubes")
    assert ds.sizes["obs"] == 2  # second 2 (its NO2) and second 4
    assert ds.no2.values[0] == 30.0 and np.isnan(ds.pm2_5.values[0])
    rows = _quarantined(tmp_path)
    reasons = sorted({r["reason"] for r in rows})
    assert reasons == ["duplicate", "negative", "no_position", "no_time", "out_of_range"]
    assert sum(r["reason"] == "duplicate" for r in rows) == 7
    assert all(r["file"] == "live-d1" and "vehicle d1" in r["detail"] for r in rows)
    (event,) = batches.drain()
    assert event.samples == 2 and event.rejected == len(rows) == 7 + 7 + 7 + 1 + 1
    assert live.drones.stats().values_rejected == len(rows)


def test_the_sensing_thread_appends_in_batches_while_offers_go_on(tmp_path: Path) -> None:
    bus = EventBus()
    stored = bus.subscribe("test", kinds=[SampleBatchStored])
    live = LiveSensing(tmp_path / "cubes", bus=bus, config=SensingConfig(batch_s=0.2))
    start = time.monotonic()
    with live:
        for k in range(30):
            for r in sample_readings("d1", k, arrived_s=time.monotonic() - start):
                live.offer(r)
        event = stored.get(timeout_s=10)
        assert event is not None and event.samples >= 1  # appended before close
    assert open_trajectory_cube(tmp_path / "cubes").sizes["obs"] == 30
    assert threading.active_count() < 50


def _quarantined(tmp_path: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted((tmp_path / "cubes" / "quarantine").glob("live-*.csv")):
        rows += read_quarantine(path)
    return rows
