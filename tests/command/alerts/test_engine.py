"""The engine: one alert per place and pollutant, escalation, clearing, acknowledging and closing
by a named person, and a state that survives a restart."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from command.alerts.desk import MAX_COMMENT, AlertActionError
from command.alerts.engine import AlertEngine
from command.alerts.places import ZoneIndex
from command.alerts.rules import build_rule
from command.alerts.state import EngineState, StateError
from command.events.types import (
    AlertAcknowledged,
    AlertClosed,
    AlertEscalated,
    AlertRaised,
    AlertUpdated,
)
from tests.command.alerts.conftest import at, drone, station


def _rule(name: str, **table):
    return build_rule({"name": name, **table})


PM_CATEGORY = {"kind": "aqi", "pollutants": ["pm2_5"], "category": 2}


def _kinds(outcome) -> list[str]:
    return [type(e).__name__ for e in outcome.events]


# --- de-duplication ---------------------------------------------------------------------------
def test_a_second_firing_updates_the_open_alert_never_raises_another() -> None:
    engine = AlertEngine([_rule("pm", **PM_CATEGORY)])
    first = engine.observe(station(minutes=0, pm2_5=80.0), at(0))
    assert _kinds(first) == ["AlertRaised"]
    again = engine.observe(station(minutes=60, pm2_5=78.0), at(60))
    assert not any(isinstance(e, AlertRaised) for e in again.events)
    (alert,) = engine.open_alerts()
    assert (alert.firings, alert.value, alert.peak_value) == (2, 117.0, 119.0)
    other_pollutant = AlertEngine([_rule("pm", **{**PM_CATEGORY, "pollutants": ["pm2_5", "pm10"]})])
    other_pollutant.observe(station(pm2_5=80.0, pm10=300.0), at(0))
    assert sorted(a.pollutant for a in other_pollutant.open_alerts()) == ["pm10", "pm2_5"]


def test_two_rules_on_one_place_and_pollutant_share_one_alert() -> None:
    rise = _rule("rise", kind="rise_rate", pollutants=["pm2_5"], rise_per_hour=10.0, min_readings=2)
    engine = AlertEngine([_rule("pm", **PM_CATEGORY), rise])
    engine.observe(station(minutes=0, pm2_5=40.0), at(0))
    out = engine.observe(station(minutes=60, pm2_5=80.0), at(60))  # both fire
    assert _kinds(out) == ["AlertRaised"]
    (alert,) = engine.open_alerts()
    assert alert.rule == "pm" and alert.rules == ("pm", "rise")
    assert alert.value == 119.0  # the raising rule's measure, not the rise rate


def test_drone_samples_are_de_duplicated_on_a_200_m_cell_or_the_zone_holding_them(zones) -> None:
    engine = AlertEngine(
        [_rule("so2", kind="drone_sample", pollutants=["so2"], above=500.0)], zones
    )
    engine.observe(drone(36.66000, 116.96000, so2=600.0), at(0))
    engine.observe(drone(36.66005, 116.96005, so2=650.0), at(0.1))  # ~7 m away, same cell
    engine.observe(drone(36.66400, 116.96000, so2=700.0), at(0.2))  # ~440 m north
    # two samples in different cells inside the wetland park: the zone is the place
    inside = [(36.6525, 116.9355), (36.6536, 116.9378)]
    assert len({ZoneIndex().sample_place(*p).key for p in inside}) == 2
    for k, point in enumerate(inside):
        engine.observe(drone(*point, so2=800.0), at(0.3 + k / 10))
    places = sorted(a.place for a in engine.open_alerts())
    assert len(places) == 3 and "zone:wetland-park" in places
    cell = next(a for a in engine.open_alerts() if a.peak_value == 650.0)
    assert (cell.firings, cell.latitude_deg) == (2, 36.66005)  # sits where the peak was


# --- escalation -------------------------------------------------------------------------------
def test_escalates_when_worse_by_a_category() -> None:
    engine = AlertEngine([_rule("pm", **PM_CATEGORY, level=2)])
    engine.observe(station(minutes=0, pm2_5=80.0), at(0))  # 轻度污染
    same = engine.observe(station(minutes=60, pm2_5=100.0), at(60))  # still 轻度污染
    assert not any(isinstance(e, AlertEscalated) for e in same.events)
    worse = engine.observe(station(minutes=120, pm2_5=120.0), at(120))  # 中度污染
    (escalated,) = [e for e in worse.events if isinstance(e, AlertEscalated)]
    assert escalated.level == 3 and "worsened by a category" in escalated.message


def test_escalates_when_worse_by_the_ratio_since_the_last_escalation() -> None:
    engine = AlertEngine(
        [_rule("so2", kind="drone_sample", pollutants=["so2"], above=100.0, escalate_ratio=2.0)]
    )
    engine.observe(drone(so2=150.0), at(0))
    assert not any(
        isinstance(e, AlertEscalated) for e in engine.observe(drone(so2=299.0), at(1)).events
    )
    first = engine.observe(drone(so2=300.0), at(2))
    assert [e.level for e in first.events if isinstance(e, AlertEscalated)] == [3]
    assert not any(
        isinstance(e, AlertEscalated) for e in engine.observe(drone(so2=590.0), at(3)).events
    )
    second = engine.observe(drone(so2=600.0), at(4))  # twice the 300 of the last escalation
    assert [e.level for e in second.events if isinstance(e, AlertEscalated)] == [4]
    top = engine.observe(drone(so2=5000.0), at(5))  # red is the top
    assert not any(isinstance(e, AlertEscalated) for e in top.events)


def test_escalates_when_it_persists_and_not_once_cleared() -> None:
    engine = AlertEngine([_rule("pm", **PM_CATEGORY, escalate_after_minutes=120)])
    engine.observe(station(minutes=0, pm2_5=80.0), at(0))
    assert engine.tick(at(119)).events == ()
    (escalated,) = engine.tick(at(120)).events
    assert isinstance(escalated, AlertEscalated) and escalated.level == 3
    assert "persisting for 120 min" in escalated.message
    assert engine.tick(at(200)).events == ()  # counts again from the escalation
    engine.observe(station(minutes=210, pm2_5=20.0), at(210))  # clears
    assert engine.tick(at(400)).events == ()
    (alert,) = engine.open_alerts()
    assert alert.cleared and alert.level == 3
    again = engine.observe(station(minutes=420, pm2_5=80.0), at(420))  # the clock starts anew
    assert not any(isinstance(e, AlertEscalated) for e in again.events)
    assert engine.tick(at(539)).events == ()
    assert [e.level for e in engine.tick(at(540)).events] == [4]


def test_a_higher_level_rule_firing_escalates_the_shared_alert() -> None:
    rise = _rule(
        "rise", kind="rise_rate", pollutants=["pm2_5"], rise_per_hour=30.0, min_readings=2, level=4
    )
    engine = AlertEngine([_rule("pm", **PM_CATEGORY, level=2), rise])
    engine.observe(station(minutes=0, pm2_5=40.0), at(0))
    out = engine.observe(station(minutes=60, pm2_5=80.0), at(60))
    assert _kinds(out) == ["AlertRaised", "AlertEscalated"]
    assert out.events[1].level == 4 and "rule rise fired at level red" in out.events[1].message


def test_a_cleared_alert_fires_again_as_the_same_alert() -> None:
    engine = AlertEngine([_rule("pm", **PM_CATEGORY)])
    engine.observe(station(minutes=0, pm2_5=80.0), at(0))
    cleared = engine.observe(station(minutes=60, pm2_5=20.0), at(60))
    assert "cleared" in cleared.events[0].message
    again = engine.observe(station(minutes=120, pm2_5=70.0), at(120))
    assert isinstance(again.events[0], AlertUpdated) and "fired again" in again.events[0].message
    (alert,) = engine.open_alerts()
    assert alert.alert_id == 1 and not alert.cleared and alert.firings == 2


# --- people -----------------------------------------------------------------------------------
def _one_alert() -> AlertEngine:
    engine = AlertEngine([_rule("pm", **PM_CATEGORY)])
    engine.observe(station(pm2_5=80.0), at(0))
    return engine


def test_acknowledge_and_close_by_a_named_person_with_a_comment() -> None:
    engine = _one_alert()
    (ack,) = engine.acknowledge(1, " Li Wei ", "sending a patrol", at(5)).events
    assert isinstance(ack, AlertAcknowledged) and (ack.by, ack.comment) == (
        "Li Wei",
        "sending a patrol",
    )
    (closed,) = engine.close(1, "Li Wei", "dust netting restored", at(50)).events
    assert isinstance(closed, AlertClosed) and closed.acknowledged
    assert engine.open_alerts() == ()
    alert = engine.alert(1)
    assert (alert.closed_by, alert.closed_unacknowledged) == ("Li Wei", False)
    steps = engine.timeline(1).steps
    assert steps.keys() >= {"raised", "acknowledged", "closed"}
    # the same place firing after the close is a new alert
    out = engine.observe(station(minutes=60, pm2_5=90.0), at(60))
    assert [e.alert_id for e in out.events if isinstance(e, AlertRaised)] == [2]


def test_closing_an_unacknowledged_alert_is_allowed_and_recorded_as_such() -> None:
    engine = _one_alert()
    (closed,) = engine.close(1, "Zhang Min", "false reading: analyser calibration", at(9)).events
    assert closed.acknowledged is False
    assert engine.alert(1).closed_unacknowledged


@pytest.mark.parametrize(
    ("by", "comment", "words"),
    [
        ("", "fine", "by: required"),
        ("   ", "fine", "by: required"),
        ("Li Wei", "", "comment: required"),
        ("Li Wei", " \n ", "comment: required"),
        ("x" * 81, "fine", "by: 81 characters, at most 80"),
        ("Li Wei", "y" * (MAX_COMMENT + 1), f"comment: {MAX_COMMENT + 1} characters"),
        ("Li\nWei", "fine", "by: a name is one line"),
        ("Li Wei", "bell\x07", "control characters"),
        (None, "fine", "by: required"),
    ],
)
def test_bad_names_and_comments_are_refused_and_change_nothing(by, comment, words) -> None:
    engine = _one_alert()
    before = engine.alert(1)
    for action in (engine.acknowledge, engine.close):
        with pytest.raises(AlertActionError, match=words):
            action(1, by, comment, at(5))
    assert engine.alert(1) == before and engine.timeline(1).steps.keys() == {"raised"}


def test_actions_on_unknown_closed_or_acknowledged_alerts_are_refused() -> None:
    engine = _one_alert()
    with pytest.raises(AlertActionError, match="alert 9: no such alert"):
        engine.acknowledge(9, "Li Wei", "ok", at(1))
    engine.acknowledge(1, "Li Wei", "on it", at(1))
    with pytest.raises(AlertActionError, match="already acknowledged by Li Wei"):
        engine.acknowledge(1, "Zhang Min", "me too", at(2))
    engine.close(1, "Li Wei", "done", at(3))
    for action in (engine.acknowledge, engine.close):
        with pytest.raises(AlertActionError, match="closed by Li Wei"):
            action(1, "Zhang Min", "again", at(4))


def test_closed_alerts_kept_are_bounded() -> None:
    engine = AlertEngine(
        [_rule("so2", kind="drone_sample", pollutants=["so2"], above=1.0)], keep_closed=3
    )
    for k in range(6):
        engine.observe(drone(so2=10.0), at(k))
        engine.close(k + 1, "Li Wei", "checked", at(k + 0.5))
    assert [t.alert_id for t in engine.timelines()] == [4, 5, 6]
    with pytest.raises(AlertActionError):
        engine.alert(1)


# --- state ------------------------------------------------------------------------------------
def test_state_round_trips_through_json_and_the_engine_carries_on() -> None:
    rules = [
        _rule("pm", **PM_CATEGORY, response="on_approval"),
        _rule("rise", kind="rise_rate", pollutants=["so2"], rise_per_hour=20.0, min_readings=3),
        _rule("quiet", kind="silence", silent_minutes=90),
    ]
    engine = AlertEngine(rules)
    engine.observe(station(minutes=0, pm2_5=80.0, so2=10.0), at(0))
    engine.observe(station(minutes=60, pm2_5=85.0, so2=20.0), at(60))
    engine.acknowledge(1, "Li Wei", "watching", at(61))
    saved = json.loads(json.dumps(engine.state().to_dict()))
    restored = AlertEngine(rules, state=EngineState.from_dict(saved))
    assert restored.state() == engine.state()
    assert restored.open_alerts()[0].acknowledged_by == "Li Wei"
    # the rise window goes on from the saved history: a third reading is enough
    out = restored.observe(station(minutes=120, pm2_5=86.0, so2=80.0), at(120))
    raised = [e for e in out.events if isinstance(e, AlertRaised)]
    assert [(e.alert_id, e.rule) for e in raised] == [(2, "rise")]
    assert restored.open_alerts()[0].firings == 3  # the PM alert went on, not a new one
    assert restored.approve_response(1, "Li Wei", at(121)).responses[0].alert_id == 1
    # silence counts from the saved last reading
    assert any(isinstance(e, AlertRaised) for e in restored.tick(at(211)).events)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d["alerts"][0].update(level="high"), "alerts.0.level"),
        (lambda d: d["alerts"][0].update(raised_utc="yesterday"), "alerts.0.raised_utc"),
        (lambda d: d.pop("alerts") and d.update(alerts=5), "alerts"),
    ],
)
def test_a_bad_saved_state_is_refused_naming_the_key(change, words) -> None:
    data = _one_alert().state().to_dict()
    change(data)
    with pytest.raises(StateError, match=words):
        EngineState.from_dict(data)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(36.6590, 36.6610),
            st.floats(116.9590, 116.9610),
            st.sampled_from(["so2", "no2"]),
            st.floats(0.0, 1000.0),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_open_alerts_are_exactly_the_places_and_pollutants_that_fired(samples) -> None:
    engine = AlertEngine([_rule("d", kind="drone_sample", pollutants=["so2", "no2"], above=500.0)])
    index = ZoneIndex()
    raised = 0
    for k, (lat, lon, pollutant, value) in enumerate(samples):
        out = engine.observe(drone(lat, lon, **{pollutant: value}), at(k / 60))
        raised += sum(isinstance(e, AlertRaised) for e in out.events)
    fired = {(index.sample_place(lat, lon).key, p) for lat, lon, p, v in samples if v > 500.0}
    assert {(a.place, a.pollutant) for a in engine.open_alerts()} == fired
    assert raised == len(fired)
