"""A quick response through the pure parts, as the centre will wire them: a stack switches on, the
station downwind rises, the alert asks for a drone, the planner lays out transects, the sortie's
events and samples come back, the source is traced and every step is timed."""

from __future__ import annotations

import json

import pytest

from command.alerts.engine import AlertEngine
from command.alerts.response import ResponsePlanner
from command.alerts.rules import Pattern, build_rule
from command.alerts.source import trace_for_alert
from command.alerts.state import EngineState, ResponseState
from command.alerts.timeline import Step, response_figures
from command.events.types import (
    AlertRaised,
    ItemReached,
    SortieAirborne,
    SortieCompleted,
    SortiePrepared,
)
from missions.items import Position
from sensors.analysis.tracing import WindObs
from tests.command.alerts.conftest import at, station
from tests.command.alerts.plume_flight import distance_m, downwind_point, fly_pattern, stack_world

PLANT = (36.648, 116.945)
HOME = Position(36.6440, 116.9420, 30.0)
WIND = WindObs(3.0, 225.0)


def _rules(response: str):
    return [
        build_rule(
            {
                "name": "so2-rise",
                "kind": "rise_rate",
                "pollutants": ["so2"],
                "rise_per_hour": 50.0,
                "min_readings": 2,
                "level": "orange",
                "response": response,
                "pattern": "transects",
            }
        )
    ]


def _readings(engine: AlertEngine):
    world = stack_world(*PLANT)
    lat, lon = downwind_point(world, 600.0)
    before = {"so2": 9.0, "no2": 28.0}  # background: the stack is off
    after = world.concentration(lat, lon, 10.0, 0.0)
    engine.observe(station("SIM-1002A", 0, lat, lon, **before), at(0))
    return world, engine.observe(station("SIM-1002A", 60, lat, lon, so2=after["so2"]), at(60))


def test_an_automatic_response_from_reading_to_source_with_every_step_timed(zones) -> None:
    engine = AlertEngine(_rules("automatic"), zones)
    world, out = _readings(engine)
    (raised,) = [e for e in out.events if isinstance(e, AlertRaised)]
    (request,) = out.responses
    assert raised.level == 3 and request.alert_id == raised.alert_id
    assert request.pattern is Pattern.TRANSECTS and request.approved_by is None

    plan = ResponsePlanner(zones).plan(request, WIND, HOME)
    engine.record_plan(request.alert_id, plan.summary, at(60.01))
    engine.record_dispatch(request.alert_id, 7, "uav-1", plan.on_scene_seq, at(60.2))
    unrelated = SortiePrepared(
        time_utc=at(60.2), sortie_id=8, vehicle="uav-2", mission_name="patrol", items=9
    )
    assert engine.observe(unrelated, at(60.2)).events == ()
    engine.observe(SortieAirborne(time_utc=at(60.3), sortie_id=7, vehicle="uav-1"), at(60.3))
    early = ItemReached(time_utc=at(61), sortie_id=7, vehicle="uav-1", seq=1, total=12)
    assert engine.observe(early, at(61)).events == ()  # the take-off, not the scene
    scene = ItemReached(
        time_utc=at(62), sortie_id=7, vehicle="uav-1", seq=plan.on_scene_seq, total=12
    )
    (on_scene,) = engine.observe(scene, at(62)).events
    assert "on scene" in on_scene.message

    finding = trace_for_alert(fly_pattern(plan, world, 2), WIND, zones, pollutant="so2")
    (update,) = engine.attach_source(request.alert_id, finding, at(80)).events
    assert "huaiyin-thermal-plant" in update.message
    done = SortieCompleted(
        time_utc=at(85), sortie_id=7, vehicle="uav-1", distance_m=4000.0, battery_used_pct=40.0
    )
    engine.observe(done, at(85))
    engine.acknowledge(request.alert_id, "Li Wei", "plant asked to report", at(90))

    alert = engine.alert(request.alert_id)
    assert alert.source is not None and alert.response_state is ResponseState.ENDED
    est = alert.source.estimate
    assert distance_m(*PLANT, est.lat, est.lon) < 100.0
    steps = engine.timeline(request.alert_id).steps
    assert list(steps) == [
        Step.RAISED,
        Step.DECIDED,
        Step.DISPATCHED,
        Step.AIRBORNE,
        Step.ON_SCENE,
        Step.SOURCE_ESTIMATED,
        Step.ACKNOWLEDGED,
    ]
    saved = json.loads(json.dumps(engine.state().to_dict()))
    assert EngineState.from_dict(saved) == engine.state()  # the estimate and timings persist
    figures = {f.name: f for f in response_figures(engine.timelines())}
    assert figures["raised → airborne"].median_s == pytest.approx(18.0)
    assert figures["airborne → on_scene"].median_s == pytest.approx(102.0)


def test_a_response_on_approval_waits_for_an_officer_and_can_be_declined(zones) -> None:
    engine = AlertEngine(_rules("on_approval"), zones)
    _, out = _readings(engine)
    assert out.responses == ()
    alert_id = out.events[0].alert_id
    assert "awaits approval" in out.events[-1].message
    with pytest.raises(ValueError, match="not planned"):
        engine.record_dispatch(alert_id, 7, "uav-1", 3, at(61))
    approved = engine.approve_response(alert_id, "Zhang Min", at(65))
    (request,) = approved.responses
    assert request.approved_by == "Zhang Min"
    engine.record_refusal(alert_id, "no drone within reach", at(65.1))
    engine.record_plan(alert_id, "transects downwind", at(70))  # a drone came back
    assert engine.alert(alert_id).response_state is ResponseState.PLANNED
    assert engine.timeline(alert_id).seconds(Step.RAISED, Step.DECIDED) == 600.0

    other = AlertEngine(_rules("on_approval"), zones)
    _, out = _readings(other)
    (declined,) = other.decline_response(
        out.events[0].alert_id, "Zhang Min", "plant already under inspection", at(62)
    ).events
    assert "declined by Zhang Min" in declined.message
    with pytest.raises(ValueError, match="declined, not awaiting_approval"):
        other.approve_response(out.events[0].alert_id, "Zhang Min", at(63))
