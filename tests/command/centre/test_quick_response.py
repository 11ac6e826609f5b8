"""The whole quick response through the running CommandCentre, against the real simulator over
sockets (sped up) and a real SQLite file: the plant's stack switches on, the followed station
feed rises, the example rule raises an alert, the queue sends a drone while others fly the
plant's inspection and a low-priority patrol (re-tasked or left flying, as the allocator
decides), the response's samples trace the plant within 100 m, and the stored alert holds
the estimate and every timing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from command.alerts import Step
from command.alerts.state import ResponseState
from command.centre import CommandCentre
from command.centre.config import LimitsConfig
from command.events import (
    AlertAcknowledged,
    AlertEvent,
    AlertRaised,
    AlertUpdated,
    Event,
    PatrolDue,
    SortieAirborne,
    SortieCompleted,
    SortieInterrupted,
    TaskAssigned,
    TaskWaiting,
)
from command.patrols import TaskKind, TaskState
from command.storage import get_sortie
from tests.command.alerts.plume_flight import distance_m
from tests.command.centre.conftest import centre_config
from tests.command.centre.plant import (
    HOME,
    PLANT,
    STATION,
    plant_world,
    zones_document,
)
from tests.helpers.sitl import sitl

pytestmark = [pytest.mark.timeout(420), pytest.mark.slow]

SPEEDUP = 10
ON_S = 250.0
"""When the stack switches on (simulated seconds): the patrol is in the air by then."""
RULE = "so2-downwind-of-plant"


class Watch:
    """Every event the test subscribed to, kept in order; waits for one that matches."""

    def __init__(self, centre: CommandCentre) -> None:
        self.sub = centre.subscribe("test", maxsize=100_000)
        self.seen: list[Event] = []

    def until(self, match: Callable[[Event], bool], timeout_s: float, what: str) -> Event:
        for event in self.seen:
            if match(event):
                return event
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            event = self.sub.get(timeout_s=0.5)
            if event is None:
                continue
            self.seen.append(event)
            if match(event):
                return event
        waiting = [(e.zone, e.reason) for e in self.seen if isinstance(e, TaskWaiting)][-3:]
        raise AssertionError(f"no {what} within {timeout_s} s (tasks waiting: {waiting})")

    def of(self, kind: type[Event]) -> list:
        self.seen += self.sub.drain()
        return [e for e in self.seen if isinstance(e, kind)]


def test_a_source_switching_on_is_answered_traced_and_timed_by_the_running_centre(
    tmp_path: Path,
) -> None:
    world, _ = plant_world(tmp_path, on_s=ON_S)
    home = ",".join(str(v) for v in HOME)
    names = ["copter-1", "copter-2", "copter-3"]  # the plant's inspection, the yard's, one idle
    with sitl(tmp_path, drones=3, speedup=SPEEDUP, world=world, extra=["--home", home]) as sim:
        config = centre_config(
            tmp_path,
            sim,
            SPEEDUP,
            names,
            zones=zones_document(tmp_path),
            limits=LimitsConfig(fly_at_night=True),
        )
        centre = CommandCentre(config)
        watch = Watch(centre)
        centre.start()
        try:
            watch.until(
                lambda e: isinstance(e, PatrolDue) and e.zone == "depot-yard", 30, "patrol due"
            )
            patrol = watch.until(
                lambda e: isinstance(e, TaskAssigned) and e.zone == "depot-yard",
                60,
                "the patrol assigned",
            )
            patroller = patrol.vehicle
            patrol_up = watch.until(
                lambda e: isinstance(e, SortieAirborne) and e.vehicle == patroller,
                60,
                "the patrol airborne",
            )
            patrol_sortie = patrol_up.sortie_id
            raised = watch.until(
                lambda e: isinstance(e, AlertRaised) and e.rule == RULE, 120, "the SO2 alert"
            )
            assert isinstance(raised, AlertRaised)
            assert raised.place == f"station:{STATION}" and raised.pollutant == "so2"
            alert_id = raised.alert_id
            assigned = watch.until(
                lambda e: isinstance(e, TaskAssigned) and e.zone.startswith(f"alert {alert_id}"),
                240,  # at once, or when a drone with charge enough is back
                "the response assigned",
            )
            assert isinstance(assigned, TaskAssigned)
            responder = assigned.vehicle
            response_up = watch.until(
                lambda e: (
                    isinstance(e, SortieAirborne)
                    and e.vehicle == responder
                    and e.sortie_id != patrol_sortie
                    and e.time_utc >= assigned.time_utc
                ),
                60,
                "the response airborne",
            )
            response_sortie = response_up.sortie_id
            assert response_up.vehicle == responder
            watch.until(
                lambda e: (
                    isinstance(e, AlertUpdated) and e.alert_id == alert_id and "source" in e.message
                ),
                300,
                "the source estimate",
            )
            centre.alerts.acknowledge(alert_id, "Li Wei", "plant asked to report its SO2")
            watch.until(lambda e: isinstance(e, AlertAcknowledged), 10, "the acknowledgement")
            stored = centre.alert_store.alert(alert_id)
            tasks = centre.queue.tasks()
            figures = {f.name: f for f in centre.response_figures()}
            sorties = {s: get_sortie(centre.db, s) for s in (patrol_sortie, response_sortie)}
        finally:
            centre.close()

    # the alert, as stored: the estimate, the response, every step in order
    assert stored is not None
    alert, timeline = stored
    assert alert.response_state is ResponseState.ENDED
    assert (alert.sortie_id, alert.vehicle) == (response_sortie, responder)
    assert alert.acknowledged_by == "Li Wei"
    assert alert.source is not None
    estimate = alert.source.estimate
    assert distance_m(*PLANT, estimate.lat, estimate.lon) < 100.0
    assert "huaiyin-thermal-plant" in [c.name for c in alert.source.candidates]
    steps = list(timeline.steps)
    assert steps == [
        Step.RAISED,
        Step.DECIDED,
        Step.DISPATCHED,
        Step.AIRBORNE,
        Step.ON_SCENE,
        Step.SOURCE_ESTIMATED,
        Step.ACKNOWLEDGED,
    ]
    times = [timeline.steps[s] for s in steps]
    assert times == sorted(times)
    assert timeline.seconds(Step.RAISED, Step.DECIDED) < 5.0  # decided at once, wall clock
    assert timeline.seconds(Step.DISPATCHED, Step.AIRBORNE) < 60.0
    assert figures["raised → airborne"].median_s == pytest.approx(
        timeline.seconds(Step.RAISED, Step.AIRBORNE)
    )

    # the allocator's choice, and what became of the patrol
    response_task = next(t for t in tasks if t.kind is TaskKind.QUICK_RESPONSE)
    assert response_task.state is TaskState.DONE and response_task.priority == 1
    patrol_task = next(t for t in tasks if t.kind is TaskKind.PATROL and t.zone == "depot-yard")
    if responder == patroller:  # re-tasked in the air: what is left goes back to the queue
        assert assigned.preempted_task_id == patrol_task.id
        assert patrol_task.state is TaskState.INTERRUPTED
        assert any(
            t.kind is TaskKind.RESUME_REMAINING and t.parent_task_id == patrol_task.id
            for t in tasks
        )
        assert patrol_sortie in [e.sortie_id for e in watch.of(SortieInterrupted)]
    else:  # another drone went: the patrol flew on, untouched
        assert assigned.preempted_task_id is None
        assert patrol_sortie not in [e.sortie_id for e in watch.of(SortieInterrupted)]
        assert sorties[patrol_sortie].vehicle_name == patroller != responder
    completed = {e.sortie_id for e in watch.of(SortieCompleted)}
    assert response_sortie in completed
    assert sorties[response_sortie].task_id == response_task.id
    ours = [e for e in watch.of(AlertEvent) if e.alert_id == alert_id]
    assert isinstance(ours[0], AlertRaised) and isinstance(ours[-1], AlertAcknowledged)
