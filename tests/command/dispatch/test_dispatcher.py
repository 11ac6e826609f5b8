"""Sorties flown by the dispatcher on the real simulator and recorded in a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from command.dispatch import PreflightRefused, VehicleNotReady, this_process
from command.storage import (
    list_audit,
    list_events,
    list_sorties,
    open_sortie,
    read_track,
    save_mission,
    upsert_vehicle,
)
from missions.items import Cmd, Frame, MissionItem
from tests.command.dispatch.conftest import PILOT, fly, home_of, square

pytestmark = pytest.mark.timeout(180)


def test_sortie_flies_to_completion_and_is_recorded(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    handle = fly(dispatcher, square(home_of(fleet, name)), name, "square")
    assert handle.wait(120) == "completed", handle.reason
    snap = fleet.snapshot(name)
    assert not snap.armed and (snap.altitude_relative_m or 0) < 1.0
    (sortie,) = list_sorties(db)
    assert sortie.outcome == "completed" and sortie.ended_at is not None
    assert 235 < sortie.distance_m < 400  # the 60 m square, and drift in the climb and descent
    assert sortie.battery_used_pct is not None and sortie.battery_used_pct > 0
    assert sortie.battery_start_pct is not None and sortie.battery_end_pct is not None
    assert sortie.battery_used_pct == sortie.battery_start_pct - sortie.battery_end_pct
    assert sortie.battery_used_mah is not None and sortie.battery_used_mah > 0
    assert sortie.estimated_battery_pct is not None and sortie.estimated_battery_pct > 0
    assert sortie.owner == this_process() and sortie.owner_seen_at is not None
    assert dispatcher.reconcile(name) == []  # nothing left open
    track = read_track(sortie.track_path)
    assert len(track) > 50
    commands = [a.command for a in list_audit(db)]
    assert sorted(commands) == sorted(["upload_mission", "set_mode", "arm", "mission_start"])
    assert all(a.actor == "test:pilot" and a.result == "accepted" for a in list_audit(db))


def test_mission_without_rtl_is_brought_home_by_the_dispatcher(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    handle = fly(dispatcher, square(home_of(fleet, name), side_m=40, rtl=False), name, "no-rtl")
    assert handle.wait(120) == "completed", handle.reason
    assert "rtl" in [a.command for a in list_audit(db)]


@pytest.mark.drones(2)
def test_two_drones_fly_two_sorties_at_once(flying, db) -> None:
    fleet, dispatcher, names = flying
    handles = [fly(dispatcher, square(home_of(fleet, n)), n, f"sq-{n}") for n in names]
    assert set(dispatcher.active()) == set(names)  # both in the air together
    assert [h.wait(150) for h in handles] == ["completed", "completed"], [h.reason for h in handles]
    assert {s.vehicle_name for s in list_sorties(db)} == set(names)


def test_abort_brings_it_home_as_aborted(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    handle = fly(dispatcher, square(home_of(fleet, name), side_m=150), name, "long")
    fleet.wait_for(name, lambda s: (s.mission_seq or 0) >= 2, 30)
    order = dispatcher.abort(name, "officer called it off", actor="test:officer")
    assert order.sortie_ids == (handle.sortie_id,)
    assert order.sent.result(10) is True
    assert fleet.snapshot(name).mode_name in ("RTL", "LAND")
    assert handle.wait(120) == "aborted"
    assert "officer called it off" in list_sorties(db)[0].reason
    (abort,) = [a for a in list_audit(db) if a.command == "abort"]
    assert abort.actor == "test:officer" and abort.result == "accepted"


def test_failsafe_midway_is_recorded(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    fleet.set_parameter(name, "FENCE_ENABLE", 1)
    fleet.set_parameter(name, "FENCE_TYPE", 2)
    fleet.set_parameter(name, "FENCE_RADIUS", 80)
    handle = fly(dispatcher, square(home_of(fleet, name), side_m=70), name, "breach")
    assert handle.wait(120) == "failsafe"
    (sortie,) = list_sorties(db)
    assert "RTL" in sortie.reason and "Fence" in sortie.reason
    assert any("returning on its own" in e.message for e in list_events(db))


def test_bad_mission_and_unready_vehicle_change_nothing(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    home = home_of(fleet, name)
    high = square(home)
    items = list(high.items)
    items[2] = MissionItem(
        command=Cmd.NAV_WAYPOINT,
        frame=Frame.GLOBAL_RELATIVE_ALT,
        latitude_deg=items[2].latitude_deg,
        longitude_deg=items[2].longitude_deg,
        altitude_m=150.0,
    )
    with pytest.raises(PreflightRefused, match="item 3"):
        fly(dispatcher, high.__class__(home=home, items=tuple(items)), name, "high")
    far = square(home.__class__(home.latitude_deg + 0.01, home.longitude_deg, home.altitude_m))
    with pytest.raises(VehicleNotReady, match="from the mission's home"):
        fly(dispatcher, far, name, "far")
    assert list_sorties(db) == [] and list_audit(db) == []
    assert fleet.snapshot(name).armed is False

    # a sortie a stopped ground station left open blocks the vehicle until it is reconciled
    upsert_vehicle(db, name=name, connection="tcp:x:1", system_id=1, airframe="quad")
    stale = open_sortie(
        db,
        mission_id=save_mission(
            db, name="stale", home_latitude_deg=home.latitude_deg,
            home_longitude_deg=home.longitude_deg, home_altitude_m=home.altitude_m,
            cruise_speed_mps=8, items=[], now=datetime.now(UTC),
        ).id,
        vehicle_name=name,
        now=datetime.now(UTC),
        owner=f"{this_process().split()[0]} pid 999999 start 1",  # gone
    )  # fmt: skip
    with pytest.raises(VehicleNotReady, match=f"sortie {stale.id} is still open"):
        fly(dispatcher, square(home), name, "blocked")
    (closed,) = dispatcher.reconcile(name)  # landed, disarmed: nothing flew
    assert closed.outcome == "failed" and list_audit(db) == []


def test_declined_arming_keeps_motors_off(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    sortie_id = dispatcher.prepare(square(home_of(fleet, name)), name, name="no", actor=PILOT)
    handle = dispatcher.sortie(sortie_id)
    assert handle is not None
    dispatcher.launch(sortie_id, confirmed=False, actor=PILOT)
    assert handle.wait(30) == "aborted"
    assert "not confirmed by test:pilot" in handle.reason and "motors stay off" in handle.reason
    assert fleet.snapshot(name).armed is False
    (sortie,) = list_sorties(db)
    assert sortie.outcome == "aborted"
    assert [a.command for a in list_audit(db)] == ["upload_mission"]


def test_link_cut_mid_sortie_is_lost_and_its_work_left_published(tmp_path, db) -> None:
    from command.dispatch import Dispatcher
    from command.events import LinkLost, SortieInterrupted, WorkLeft
    from tests.command.dispatch.conftest import linked_fleet
    from tests.helpers.relay import TcpRelay
    from tests.helpers.sitl import sitl

    with sitl(tmp_path) as s:
        relay = TcpRelay("127.0.0.1", s.port(0))
        try:
            with linked_fleet(lambda i: relay.url, ["d1"]) as (bus, fleet):
                seen = bus.subscribe("test", kinds=[LinkLost, WorkLeft, SortieInterrupted])
                dispatcher = Dispatcher(fleet, db, actor=PILOT, tracks_dir=tmp_path)
                handle = fly(dispatcher, square(home_of(fleet, "d1"), side_m=200), "d1", "far")
                fleet.wait_for("d1", lambda x: (x.last_reached_seq or 0) >= 2, 30)
                relay.silent.set()  # out of radio range
                assert handle.wait(15) == "lost"
                kinds = [type(e) for e in seen.drain()]
                dispatcher.close()
        finally:
            relay.close()
    (sortie,) = list_sorties(db)
    assert sortie.outcome == "lost" and "link lost" in sortie.reason
    assert kinds == [LinkLost, WorkLeft, SortieInterrupted]
    assert handle.left is not None and handle.left.outcome == "lost"
    first = handle.left.rest.items[0]  # the rest starts at the corner it was flying to or later
    assert first.command == 16 and handle.left.rest.from_index >= 2


def test_pause_holds_position_and_resume_carries_on(flying, db) -> None:
    import math
    import time

    fleet, dispatcher, (name,) = flying
    handle = fly(dispatcher, square(home_of(fleet, name), side_m=120), name, "pausable")
    fleet.wait_for(name, lambda s: (s.mission_seq or 0) >= 2 and (s.groundspeed_mps or 0) > 3, 30)
    dispatcher.pause(name, PILOT).result(10)
    held = fleet.wait_for(name, lambda s: (s.groundspeed_mps or 0) < 0.3, 10)
    assert held is not None
    time.sleep(0.5)  # 5 s of simulated time
    later = fleet.snapshot(name)
    moved = math.dist(
        (held.latitude_deg, held.longitude_deg), (later.latitude_deg, later.longitude_deg)
    )
    assert moved < 5e-5  # within about 5 m: holding against the gusts
    assert later.mission_seq == held.mission_seq
    dispatcher.resume(name, PILOT).result(10)
    assert handle.wait(120) == "completed", handle.reason
    assert "paused by test:pilot" in [e.message for e in list_events(db)]


def test_low_battery_mid_sortie_brings_it_home_as_failsafe(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    fleet.set_parameter(name, "BATT_CAPACITY", 1000)  # a small pack: minutes of flight
    fleet.set_parameter(name, "BATT_FS_LOW_ACT", 0)  # the vehicle's own action off: ours acts
    fleet.set_parameter(name, "BATT_LOW_VOLT", 0)
    fleet.set_parameter(name, "BATT_CRT_VOLT", 0)
    dispatcher.min_start_battery_pct = 50
    dispatcher.reserve_pct = 80
    handle = fly(dispatcher, square(home_of(fleet, name), side_m=300), name, "thirsty")
    assert handle.wait(150) == "failsafe", handle.reason
    (sortie,) = list_sorties(db)
    assert "battery" in sortie.reason and "reserve" in sortie.reason
    assert "rtl" in [a.command for a in list_audit(db)]
    snap = fleet.snapshot(name)
    assert not snap.armed and (snap.altitude_relative_m or 0) < 1.0
