"""Dispatch as a web request, a schedule or an alert uses it, on the real simulator: prepare and
launch return while the vehicle's link is held busy (so they cannot have waited for the upload
or the flight), progress arrives as events in order, and every abort takes the one path."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from command.dispatch import DispatchError, Stage
from command.events import (
    ItemReached,
    SortieAirborne,
    SortieCompleted,
    SortieEvent,
    SortieInterrupted,
    SortiePrepared,
    SortieStarted,
    WorkLeft,
)
from command.storage import get_sortie, list_audit
from tests.command.dispatch.conftest import PILOT, fly, home_of, square

pytestmark = pytest.mark.timeout(180)
OFFICER = "web:officer"


class HeldLink:
    """The vehicle's link thread held busy (nothing is sent or read) until released."""

    def __init__(self, fleet, vehicle: str) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.done = fleet.link(vehicle).call_on_link(self._hold)
        assert self.entered.wait(5)

    def _hold(self) -> None:
        self.entered.set()
        self.release.wait(10)

    def __enter__(self) -> HeldLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.done.result(5)


def test_a_web_caller_prepares_and_launches_without_waiting_and_events_arrive_in_order(
    flying, db
) -> None:
    fleet, dispatcher, (name,) = flying
    events = dispatcher.bus.subscribe("console", kinds=[SortieEvent])
    mission = square(home_of(fleet, name))
    request = ThreadPoolExecutor(1, thread_name_prefix="web-request")  # as a request worker
    with HeldLink(fleet, name):
        sortie_id = request.submit(
            dispatcher.prepare, mission, name, name="square", actor=OFFICER
        ).result(5)
        request.submit(dispatcher.launch, sortie_id, confirmed=True, actor=OFFICER).result(5)
        sortie = dispatcher.sortie(sortie_id)
        assert sortie is not None and sortie.stage is Stage.PREPARING  # returned, uploading
        assert events.drain() == []  # nothing prepared, nothing started yet
        assert get_sortie(db, sortie_id).outcome in ("planned", "uploading")
    request.shutdown()
    assert sortie.wait(120) == "completed", sortie.reason
    seen = [e for e in events.drain() if e.sortie_id == sortie_id]
    kinds = [type(e) for e in seen]
    reached = [e for e in seen if isinstance(e, ItemReached)]
    assert kinds[:3] == [SortiePrepared, SortieStarted, SortieAirborne]
    assert kinds[-1] is SortieCompleted and kinds.count(SortieCompleted) == 1
    assert kinds[3:-1] == [ItemReached] * len(reached)
    assert [e.seq for e in reached][:5] == [1, 2, 3, 4, 5]  # take-off and the four corners
    assert all(e.total == len(mission.items) for e in reached)
    times = [e.time_utc for e in seen]
    assert times == sorted(times)
    audit = list_audit(db)
    assert {a.actor for a in audit} == {OFFICER}
    assert sorted(a.command for a in audit) == [
        "arm",
        "mission_start",
        "set_mode",
        "upload_mission",
    ]


def test_every_abort_takes_the_one_path_whatever_the_sortie_is_doing(flying, db) -> None:
    fleet, dispatcher, (name,) = flying
    events = dispatcher.bus.subscribe("scheduler", kinds=[SortieInterrupted])
    prepared_events = dispatcher.bus.subscribe("console", kinds=[SortiePrepared])
    home = home_of(fleet, name)

    with HeldLink(fleet, name):  # aborted while uploading: it never arms
        uploading = dispatcher.prepare(square(home), name, name="a", actor=PILOT)
        dispatcher.launch(uploading, confirmed=True, actor=PILOT)
        order = dispatcher.abort(uploading, "zone closed", actor="scheduler")
        assert order.sent.result(1) is False and order.sortie_ids == (uploading,)
        handle = dispatcher.sortie(uploading)
        assert handle is not None
    assert handle.wait(30) == "aborted"
    assert "aborted by scheduler: zone closed" in get_sortie(db, uploading).reason

    prepared = dispatcher.prepare(square(home), name, name="b", actor=PILOT)
    sortie = dispatcher.sortie(prepared)
    assert sortie is not None
    event = prepared_events.get(30)  # the aborted upload published none
    assert isinstance(event, SortiePrepared) and event.sortie_id == prepared
    dispatcher.abort(name, "officer changed her mind", actor=OFFICER)
    assert sortie.wait(30) == "aborted"
    with pytest.raises(DispatchError, match="not being prepared here"):
        dispatcher.launch(prepared, confirmed=True, actor=PILOT)

    flying_sortie = fly(dispatcher, square(home, side_m=150), name, "c")
    fleet.wait_for(name, lambda s: (s.last_reached_seq or 0) >= 2, 60)
    order = dispatcher.abort(flying_sortie.sortie_id, "smoke reported", actor=OFFICER)
    assert order.sent.result(10) is True
    assert flying_sortie.wait(120) == "aborted"
    interrupted = [(e.sortie_id, e.outcome) for e in events.drain()]
    ids = (uploading, prepared, flying_sortie.sortie_id)
    assert interrupted == [(i, "aborted") for i in ids]
    armed = [a.command for a in list_audit(db) if a.command in ("arm", "abort")]
    assert armed.count("arm") == 1 and armed.count("abort") == 1  # only the one that flew


def test_closing_the_dispatcher_ends_open_sorties_and_leaves_the_drone_to_its_failsafes(
    flying, db
) -> None:
    fleet, dispatcher, (name,) = flying
    events = dispatcher.bus.subscribe("recorder", kinds=[SortieInterrupted, WorkLeft])
    sortie = fly(dispatcher, square(home_of(fleet, name), side_m=150), name, "long")
    assert fleet.wait_for(name, lambda s: (s.last_reached_seq or 0) >= 2, 60) is not None
    dispatcher.close()
    assert sortie.outcome == "aborted" and "shut down while it flew" in sortie.reason
    assert [type(e) for e in events.drain()] == [WorkLeft, SortieInterrupted]
    assert not {"rtl", "abort", "land"} & {a.command for a in list_audit(db)}  # nothing sent
    snap = fleet.snapshot(name)
    assert snap.armed and snap.mode_name == "AUTO"  # flying on; its GCS failsafe takes over
    with pytest.raises(DispatchError, match="closing"):
        dispatcher.prepare(square(home_of(fleet, name)), name, name="late", actor=PILOT)
