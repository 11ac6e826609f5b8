"""Work that moves between sorties, on the real simulator: a patrol cut short by a low battery
resumes on a second drone from the first unflown lane, and both tracks cover the zone; an
airborne drone is re-tasked to a new mission in flight, verified, from the right item."""

from __future__ import annotations

import time

import pytest

from command.dispatch import Dispatcher, Work, queue_remainder
from command.events import (
    Event,
    ItemReached,
    SortieAirborne,
    SortieCompleted,
    SortieEvent,
    SortieInterrupted,
    SortiePrepared,
    SortieStarted,
    WorkLeft,
)
from command.link import MISSION, Fleet, first_difference
from command.link.mission_wire import mission_items
from command.storage import get_sortie, list_audit
from missions.remainder import RemainingWork, resume_mission
from tests.command.dispatch.conftest import PILOT, fly, home_of, linked_fleet, square
from tests.command.dispatch.patrol import patrol_work, planned_yard, unseen_share, yard
from tests.helpers.sitl import sitl

pytestmark = pytest.mark.timeout(300)


class Queue:
    """Stands where the patrol queue takes work left: keeps it, names the resume task."""

    def __init__(self) -> None:
        self.left: list[WorkLeft] = []

    def __call__(self, left: WorkLeft) -> int:
        self.left.append(left)
        return 500 + len(self.left)


def of_sortie(events: list[Event], sortie_id: int) -> list[type]:
    return [type(e) for e in events if isinstance(e, SortieEvent) and e.sortie_id == sortie_id]


def wait_reached(fleet: Fleet, vehicle: str, seq: int, timeout_s: float = 90) -> None:
    reached = fleet.wait_for(vehicle, lambda x: (x.last_reached_seq or 0) >= seq, timeout_s)
    assert reached is not None, fleet.snapshot(vehicle)


def test_a_patrol_cut_by_a_low_battery_resumes_on_a_second_drone_and_both_cover_the_zone(
    tmp_path, db
) -> None:
    queue = Queue()
    with sitl(tmp_path, drones=2) as s, linked_fleet(s.url, ["d1", "d2"]) as (bus, fleet):
        events = bus.subscribe("test", kinds=[SortieEvent])
        dispatcher = Dispatcher(fleet, db, actor="centre", tracks_dir=tmp_path, requeue=queue)
        try:
            zone = yard(home_of(fleet, "d1"), across_m=175)
            planned = planned_yard(home_of(fleet, "d1"), zone)
            work = patrol_work(planned, task_id=41)
            lanes = work.lanes
            assert len(lanes) == 8
            first = fly(dispatcher, planned.mission, "d1", "yard", work)
            wait_reached(fleet, "d1", lanes[3].start_index + 1)  # 3 of 8 lanes flown, on the 4th
            capacity = fleet.get_parameter("d1", "BATT_CAPACITY")
            fleet.set_parameter("d1", "BATT_LOW_MAH", capacity)  # the pack is low from now on
            assert first.wait(120) == "failsafe", first.reason
            (left,) = queue.left
            assert (left.task_id, left.zone, left.priority) == (41, "yard", 3)
            assert left.outcome == "failsafe" and "Battery" in left.reason
            assert left.first_lane == 3 and left.lanes_left == 5 and left.lanes_total == 8
            detail = queue_remainder(left).detail  # as the queue stores it (JSON)
            assert detail["first_unflown_lane"] == 3
            rest = RemainingWork.from_detail(detail["resume"])
            assert rest == left.rest
            second_home = home_of(fleet, "d2")
            resumed = resume_mission(rest, second_home)
            second = fly(dispatcher, resumed, "d2", "yard (rest)", Work(task_id=501, zone="yard"))
            assert second.wait(200) == "completed", second.reason
            seen = events.drain()
        finally:
            dispatcher.close()
    assert of_sortie(seen, first.sortie_id)[-1] is SortieInterrupted
    interrupted = [e for e in seen if isinstance(e, SortieInterrupted)]
    assert [(e.sortie_id, e.requeued_task_id) for e in interrupted] == [(first.sortie_id, 501)]
    tracks = [get_sortie(db, x.sortie_id).track_path for x in (first, second)]
    assert unseen_share(tracks[:1], planned, zone) > 0.3  # the first drone left most of it
    assert unseen_share(tracks[1:], planned, zone) > 0.2  # the second did not fly it all
    assert unseen_share(tracks, planned, zone) < 0.01  # together: the whole zone
    assert get_sortie(db, second.sortie_id).task_id == 501
    assert dispatcher.sortie_for(41) == first.sortie_id


def test_an_airborne_drone_is_re_tasked_in_flight_and_flies_on_from_the_right_item(
    tmp_path, db
) -> None:
    queue = Queue()
    with sitl(tmp_path) as s, linked_fleet(s.url, ["d1"]) as (bus, fleet):
        events = bus.subscribe("test", kinds=[SortieEvent, WorkLeft])
        dispatcher = Dispatcher(fleet, db, actor="centre", tracks_dir=tmp_path, requeue=queue)
        try:
            home = home_of(fleet, "d1")
            planned = planned_yard(home, yard(home, across_m=175))
            patrol = fly(dispatcher, planned.mission, "d1", "yard", patrol_work(planned, 7, 3))
            lanes = patrol.work.lanes
            wait_reached(fleet, "d1", lanes[1].end_index + 1)  # two lanes flown
            # ...and the dispatcher's tracker has taken that report too (it follows the vehicle
            # on the bus's thread, a moment after the fleet's own snapshot)
            tracker = dispatcher.active()["d1"].tracker
            deadline = time.monotonic() + 10
            while tracker.reached < lanes[1].end_index + 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            urgent = square(home, side_m=80, alt_m=35)
            retasked = dispatcher.retask(
                "d1", urgent, name="hot spot", actor="centre", work=Work(task_id=8, priority=1)
            )
            assert retasked.left is not None and retasked.left.first_lane in (2, 3)
            assert patrol.wait(60) == "aborted"
            assert f"re-tasked to sortie {retasked.sortie_id}" in patrol.reason
            new = dispatcher.sortie(retasked.sortie_id)
            assert new is not None
            on_board = fleet.download_list("d1", MISSION)  # read back: the new mission, whole
            assert first_difference(mission_items(urgent), on_board, MISSION) is None
            snap = fleet.snapshot("d1")
            assert snap.armed and (snap.altitude_relative_m or 0) > 10 and snap.mode_name == "AUTO"
            assert (snap.mission_seq or 0) >= 2  # on from the item after the take-off
            assert new.wait(150) == "completed", new.reason
            seen = events.drain()
        finally:
            dispatcher.close()
    assert of_sortie(seen, patrol.sortie_id)[-2:] == [WorkLeft, SortieInterrupted]
    assert of_sortie(seen, retasked.sortie_id)[:3] == [
        SortiePrepared,
        SortieStarted,
        SortieAirborne,
    ]
    assert of_sortie(seen, retasked.sortie_id)[-1] is SortieCompleted
    reached = [e.seq for e in seen if isinstance(e, ItemReached) and e.sortie_id == new.sortie_id]
    assert reached[:4] == [2, 3, 4, 5]  # the four corners from the first: none of the old mission
    (left,) = queue.left
    assert left is retasked.left and left.task_id == 7
    (interrupted,) = [e for e in seen if isinstance(e, SortieInterrupted)]
    assert interrupted.requeued_task_id == 501 and interrupted.outcome == "aborted"
    commands = [a.command for a in reversed(list_audit(db))]
    switch = commands[commands.index("pause") :][:4]
    assert switch == ["pause", "upload_mission", "set_current_item", "resume"]
    assert get_sortie(db, retasked.sortie_id).task_id == 8
    assert get_sortie(db, patrol.sortie_id).outcome == "aborted"
    assert PILOT in {a.actor for a in list_audit(db)} and "centre" in {
        a.actor for a in list_audit(db)
    }
