"""What is left of a survey cut at any item: the flown part and the resumed rest cover the zone
(the coverage oracle), the camera triggers on every remaining lane and never on the transits,
and the rest flies from another home around the no-fly zone."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import pytest
import shapely

from missions.checks import Limits, check_mission
from missions.geo import LocalFrame
from missions.items import Cmd, Frame, Mission, MissionItem, Position
from missions.planner import PlannedMission, plan_zone
from missions.remainder import (
    RemainingWork,
    lane_spans,
    remaining_work,
    resume_mission,
    state_at,
)
from missions.zones import load_zones
from simulator import geo
from tests.missions.coverage import swept_cover

EXAMPLE = "missions/examples/huaiyin_zones.geojson"
HOME = Position(36.6425, 116.9275, 30.0)
Lane = tuple[tuple[float, float], tuple[float, float]]


@pytest.fixture(scope="module")
def zones():
    return load_zones(EXAMPLE)


@pytest.fixture(scope="module")
def planned(zones) -> PlannedMission:
    return plan_zone(zones.by_name("wetland-park"), HOME, zones.zones)


def camera_legs(mission: Mission, frame: LocalFrame, until: int | None = None) -> list[Lane]:
    """Legs flown with the distance trigger on, in metres, walking the items as ArduPilot runs
    them (DO items after a waypoint act once it is reached); only legs ending at or before item
    `until` when given."""
    trigger, here, legs = 0.0, None, []
    for index, item in enumerate(mission.items):
        if item.command == Cmd.DO_SET_CAM_TRIGG_DIST:
            trigger = item.param1
        if not item.is_nav or not (item.latitude_deg or item.longitude_deg):
            continue
        if until is not None and index > until:
            break
        there = frame.to_xy(item.longitude_deg, item.latitude_deg)
        if here is not None and trigger > 0 and here != there:
            legs.append((here, there))
        here = there
    return legs


def seen(legs: list[Lane], planned: PlannedMission):
    """Ground the camera sees along the legs (the oracle's footprint, swept along each)."""
    survey = SimpleNamespace(lanes=legs, spacing_m=planned.survey.spacing_m, angle_deg=0.0)
    return swept_cover(survey, planned.swath) if legs else shapely.Polygon()


def cut_points(planned: PlannedMission) -> list[int | None]:
    return [None, *range(len(planned.mission.items))]


def test_lane_spans_are_the_planners_lanes(planned) -> None:
    spans = lane_spans(planned)
    assert len(spans) == len(planned.survey.lanes) > 3
    for span, (a, b) in zip(spans, planned.survey.lanes, strict=True):
        for index, end in ((span.start_index, a), (span.end_index, b)):
            item = planned.mission.items[index]
            assert item.command == Cmd.NAV_WAYPOINT
            xy = planned.frame.to_xy(item.longitude_deg, item.latitude_deg)
            assert math.dist(xy, end) < 0.01


@pytest.mark.parametrize("resume_home", ["same", "across the no-fly zone"])
def test_a_survey_cut_at_any_item_is_covered_by_what_flew_and_the_rest(
    planned, zones, resume_home
) -> None:
    home = HOME
    if resume_home != "same":
        home = Position(*geo.destination(HOME.latitude_deg, HOME.longitude_deg, 700, -250), 30.0)
    region = planned.frame.project(zones.by_name("wetland-park").geometry)
    spans = lane_spans(planned)
    lanes = planned.survey.lanes
    checked = 0
    for cut in cut_points(planned):
        rest = remaining_work(planned.mission, spans, cut)
        flown = camera_legs(planned.mission, planned.frame, -1 if cut is None else cut)
        done = sum(1 for s in spans if cut is not None and s.end_index <= cut)
        if rest is None:
            assert done == len(spans)
            assert region.difference(seen(flown, planned)).area <= 1e-6 * region.area
            continue
        assert rest.first_lane == done and rest.lanes_left == len(spans) - done
        mission = resume_mission(rest, home, zones.zones)
        again = camera_legs(mission, planned.frame)
        union = seen(flown, planned).union(seen(again, planned))
        assert region.difference(union).area <= 1e-6 * region.area, f"cut at item {cut}"
        if done:  # the rest alone leaves the flown lanes out: it starts at the first unflown one
            assert region.difference(seen(again, planned)).area > 0.01 * region.area
        for a, b in lanes[done:]:  # every remaining lane is flown with the camera on
            assert any(math.dist(a, x) < 0.05 and math.dist(b, y) < 0.05 for x, y in again)
        first_on = again[0][0]
        assert math.dist(first_on, lanes[done][0]) < 0.05  # no picture before the first lane
        assert math.dist(again[-1][1], lanes[-1][1]) < 0.05  # and none on the way home
        errors = [f for f in check_mission(mission, zones.zones, Limits()) if f.severity == "error"]
        assert not errors, errors
        checked += 1
    assert checked > 10


def test_the_resumed_mission_takes_off_sets_speed_and_camera_and_ends_with_rtl(planned) -> None:
    spans = lane_spans(planned)
    rest = remaining_work(planned.mission, spans, spans[2].end_index)
    assert rest is not None
    mission = resume_mission(rest, HOME)
    items = mission.items
    assert items[0].command == Cmd.NAV_TAKEOFF and items[-1].command == Cmd.NAV_RETURN_TO_LAUNCH
    assert items[1].command == Cmd.DO_CHANGE_SPEED and items[1].param2 == pytest.approx(8.0)
    start = next(i for i, item in enumerate(items) if item == rest.items[0])
    trigger = items[start + 1]
    assert trigger.command == Cmd.DO_SET_CAM_TRIGG_DIST
    assert trigger.param1 == pytest.approx(planned.swath.trigger_distance_m)
    assert [i.command for i in state_at(items, start)] == [Cmd.DO_CHANGE_SPEED]
    assert rest.work_s == pytest.approx(rest.length_m / 8.0)
    assert mission.cruise_speed_mps == pytest.approx(8.0)


def test_the_rest_survives_a_round_trip_through_json_and_bad_detail_is_named(planned) -> None:
    import json

    spans = lane_spans(planned)
    rest = remaining_work(planned.mission, spans, spans[4].end_index)
    assert rest is not None
    again = RemainingWork.from_detail(json.loads(json.dumps(rest.detail())))
    assert again == rest
    broken = rest.detail() | {"speed_mps": "fast"}
    with pytest.raises(ValueError, match="remaining work"):
        RemainingWork.from_detail(broken)
    with pytest.raises(ValueError, match="lanes_total is missing"):
        RemainingWork.from_detail({k: v for k, v in rest.detail().items() if k != "lanes_total"})
    bad_item = rest.detail()
    bad_item["items"][0] = {"command": 16, "colour": "red"}
    with pytest.raises(ValueError, match=r"items\[0\]"):
        RemainingWork.from_detail(bad_item)


def test_without_lanes_the_rest_starts_at_the_item_it_was_flying_to() -> None:
    def wp(north: float) -> MissionItem:
        lat, lon = geo.destination(HOME.latitude_deg, HOME.longitude_deg, north, 0)
        return MissionItem(Cmd.NAV_WAYPOINT, Frame.GLOBAL_RELATIVE_ALT, 0, 0, 0, 0, lat, lon, 40)

    roi = MissionItem(
        Cmd.DO_SET_ROI, latitude_deg=HOME.latitude_deg + 0.001, longitude_deg=HOME.longitude_deg
    )
    items = (
        MissionItem(Cmd.NAV_TAKEOFF, altitude_m=30),
        MissionItem(Cmd.DO_CHANGE_SPEED, Frame.MISSION, 1, 6, -1),
        roi,
        wp(100),
        wp(200),
        wp(300),
        MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION),
    )
    mission = Mission(HOME, items, cruise_speed_mps=6)
    rest = remaining_work(mission, (), 3)  # reached the first waypoint (item 3)
    assert rest is not None and rest.from_index == 4 and rest.first_lane is None
    assert [i.command for i in rest.state] == [Cmd.DO_CHANGE_SPEED, Cmd.DO_SET_ROI]
    resumed = resume_mission(rest, HOME)
    commands = [int(i.command) for i in resumed.items]
    assert commands == [22, 178, 16, 201, 16, 20]  # the ROI re-issued once the rest begins
    assert remaining_work(mission, (), 5) is None  # the last waypoint reached: nothing left
    assert remaining_work(mission, (), None).from_index == 3  # nothing reached: all of it
    assert replace(rest, speed_mps=0.0).work_s == math.inf
