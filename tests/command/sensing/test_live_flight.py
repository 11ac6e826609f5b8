"""Live sensing against the real simulator over sockets: two drones flying at once, their
samples in the trajectory cube with the right vehicle, sortie and UTC times while they fly; the
simulator's growing station feed followed into the station cube; the map cube refreshed."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from command.dispatch import Dispatcher
from command.events import EventBus, MapCubeRefreshed, SampleBatchStored, StationReadingsStored
from command.link import Fleet, LinkState
from command.sensing import NO_SORTIE, FeedSource, LiveSensing, SensingConfig
from command.storage import list_sorties, open_database, sqlite_url
from sensors.cubes import open_map_cube, open_station_cube, open_trajectory_cube
from sensors.cubes.trajectory import samples_of
from simulator import geo
from tests.command.dispatch.conftest import fly, home_of, square
from tests.helpers.sitl import sitl

pytestmark = pytest.mark.timeout(240)

SPEEDUP = 10


def ready(snap) -> bool:
    return snap.link is LinkState.OK and snap.has_position and snap.home is not None


@pytest.mark.slow
def test_two_drones_flying_at_once_land_in_the_cube_readable_while_they_fly(
    tmp_path: Path, world
) -> None:
    world_path, sim_start = world
    db = open_database(sqlite_url(tmp_path / "ecopatrol.sqlite"))

    def sortie_of(vehicle: str, at: datetime) -> int | None:
        for s in list_sorties(db):
            if s.vehicle_name == vehicle and s.started_at <= at <= (s.ended_at or at):
                return s.id
        return None

    bus = EventBus()
    batches = bus.subscribe("test", kinds=[SampleBatchStored])
    maps = bus.subscribe("maps", kinds=[MapCubeRefreshed])
    cubes = tmp_path / "cubes"
    config = SensingConfig(batch_s=1.0, map_refresh_s=1.0)
    wall_start = datetime.now(UTC)
    with (
        sitl(tmp_path, drones=2, speedup=SPEEDUP, world=world_path) as sim,
        LiveSensing(cubes, bus=bus, sortie_of=sortie_of, config=config) as live,
        Fleet(
            on_sample=live.offer,
            bus=bus,
            heartbeat_period_s=1.0 / SPEEDUP,
            telemetry_period_s=0.2 / SPEEDUP,
        ) as fleet,
    ):
        names = ["d1", "d2"]
        for i, name in enumerate(names):
            fleet.connect(name, sim.url(i))
        for name in names:
            assert fleet.wait_for(name, ready, 30) is not None, fleet.snapshot(name)
        dispatcher = Dispatcher(fleet, db, actor="test:pilot", tracks_dir=tmp_path / "tracks")
        homes = {n: home_of(fleet, n) for n in names}
        handles = {n: fly(dispatcher, square(homes[n], side_m=120), n, name=n) for n in names}
        sorties = {n: str(h.sortie_id) for n, h in handles.items()}
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        while seen != set(names) and time.monotonic() < deadline:
            event = batches.get(timeout_s=5)
            if event is not None and event.sortie_id is not None:
                seen.add(event.vehicle)
        assert seen == set(names)
        # a reader mid-flight: both sorties there, each with its own vehicle
        mid = open_trajectory_cube(cubes)
        assert set(dispatcher.active()) == set(names)  # both still flying after the read
        for name in names:
            assert samples_of(mid, sorties[name]).sizes["obs"] >= 1
            i = list(mid.trajectory_id.values).index(sorties[name])
            assert mid.vehicle_id.values[i] == name
        assert [h.wait(150) for h in handles.values()] == ["completed", "completed"]
        dispatcher.close()
    wall_end = datetime.now(UTC)
    db.close()
    ds = open_trajectory_cube(cubes).load()
    assert ds.sizes["obs"] >= mid.sizes["obs"]
    assert set(ds.trajectory_id.values) <= {*sorties.values(), NO_SORTIE}
    sim_end = sim_start + (wall_end - wall_start) * SPEEDUP + timedelta(seconds=5)
    for name in names:
        flown = samples_of(ds, sorties[name])
        t = flown.time.values.astype("datetime64[ms]").astype(np.int64)
        # the vehicle's own clock (SYSTEM_TIME): the simulated day, 2 h behind the centre's
        assert sim_start.timestamp() * 1000 < t.min() and t.max() < sim_end.timestamp() * 1000
        assert np.all(np.diff(t) > 0)
        assert np.median(np.diff(t)) == pytest.approx(1000, abs=50)  # 1 Hz, simulated time
        assert flown.sizes["obs"] >= 50  # the 480 m square at 8 m/s, climb and return
        assert flown.altitude.values.max() == pytest.approx(25.0, abs=3.0)
        north, east = geo.offset_m(
            homes[name].latitude_deg,
            homes[name].longitude_deg,
            flown.latitude.values,
            flown.longitude.values,
        )
        assert np.all((north > -20) & (north < 140) & (east > -20) & (east < 140))
        assert np.isfinite(flown.pm2_5.values).all() and (flown.pm2_5.values > 0).all()
    assert maps.get(timeout_s=1) is not None
    assert open_map_cube(cubes).sizes["time"] >= 1


def test_the_simulators_station_feed_is_followed_as_it_grows(tmp_path: Path, world) -> None:
    world_path, _ = world
    bus = EventBus()
    stored = bus.subscribe("test", kinds=[StationReadingsStored])
    feed = FeedSource("sim", tmp_path / "stations.csv", metadata=tmp_path / "stations_meta.csv")
    config = SensingConfig(feed_check_s=3600.0, map_refresh_s=0.5)  # woken by change notices
    with (
        sitl(tmp_path, drones=1, speedup=30, world=world_path),
        LiveSensing(tmp_path / "cubes", bus=bus, feeds=[feed], config=config),
    ):
        periods = []
        while len(periods) < 3:
            event = stored.get(timeout_s=30)
            assert event is not None, "no station rows within 30 s"
            assert event.rejected == 0 and len(event.stations) == 3
            periods.append(event.last_utc)
    assert periods == sorted(periods) and len(set(periods)) == 3
    with feed.path.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if _utc(r["time_utc"]) <= periods[-1]]
    ds = open_station_cube(tmp_path / "cubes").load()
    ids = list(ds.station_id.values)
    for r in rows:  # every row of the file up to the last event, value for value
        cell = ds.sel(time=np.datetime64(_utc(r["time_utc"]).replace(tzinfo=None)))
        i = ids.index(r["station_id"])
        assert float(cell.so2.values[i]) == float(r["so2"])
        assert float(cell.co.values[i]) == pytest.approx(float(r["co"]))
    assert np.isfinite(ds.so2.values).sum() == len(rows)
    maps = open_map_cube(tmp_path / "cubes").load()  # made around the stations, kept up
    assert maps.sizes["time"] >= 1
    assert int(maps.sample_count.isel(time=-1).sum()) == 3  # each station in its cell


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
