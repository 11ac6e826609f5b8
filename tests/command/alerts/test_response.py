"""Quick-response planning: transects downwind of the reading, an inspection of the enterprise
zones upwind, each a mission that passes the missions checks — or a refusal with the reason."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from shapely.geometry import Point

from command.alerts.response import ResponsePlanner, ResponseRefused, ResponseSpec
from command.alerts.rules import Pattern
from missions.checks import Limits, blocks_upload, check_mission
from missions.inspection import downwind_unit
from missions.items import Cmd, Position
from missions.zones import Zone, ZoneKind
from sensors.analysis.tracing import WindObs
from tests.command.alerts.plume_flight import downwind_point, stack_world

HOME = Position(36.6440, 116.9420, 30.0)
SW_WIND = WindObs(3.0, 225.0)
PLANT = (36.648, 116.945)


def _along_and_across(plan, reading_lat: float, reading_lon: float, from_deg: float):
    rx, ry = plan.frame.to_xy(reading_lon, reading_lat)
    dx, dy = downwind_unit(from_deg)
    points = [p for leg in plan.pattern_xy for p in leg]
    along = [(x - rx) * dx + (y - ry) * dy for x, y in points]
    across = [(x - rx) * -dy + (y - ry) * dx for x, y in points]
    return along, across


@pytest.mark.parametrize("from_deg", [225.0, 0.0, 300.0])
def test_transects_lie_downwind_of_the_reading_crosswind_and_pass_the_checks(
    zones, from_deg: float
) -> None:
    reading = (36.6500, 116.9480)
    spec = ResponseSpec()
    plan = ResponsePlanner(zones, spec).plan_at(
        *reading, Pattern.TRANSECTS, WindObs(3.0, from_deg), HOME
    )
    along, across = _along_and_across(plan, *reading, from_deg)
    assert min(along) == pytest.approx(50.0, abs=0.5) and max(along) == pytest.approx(
        350.0, abs=0.5
    )
    # legs run crosswind: each pair of points shares its downwind distance
    for k in range(0, len(along), 2):
        assert along[k] == pytest.approx(along[k + 1], abs=0.5)
        assert abs(across[k] - across[k + 1]) >= 2 * spec.min_half_length_m - 1.0
    assert not blocks_upload(check_mission(plan.mission, zones, Limits()))
    items = plan.mission.items
    assert items[0].command == Cmd.NAV_TAKEOFF and items[-1].command == Cmd.NAV_RETURN_TO_LAUNCH
    assert all(i.altitude_m == spec.altitude_m for i in items if i.command == Cmd.NAV_WAYPOINT)
    first = items[plan.on_scene_index]
    lon, lat = plan.frame.to_lonlat(*plan.pattern_xy[0][0])
    assert first.command == Cmd.NAV_WAYPOINT
    assert (first.latitude_deg, first.longitude_deg) == pytest.approx((lat, lon), abs=1e-7)
    assert plan.on_scene_seq == plan.on_scene_index + 1
    assert "transects downwind" in plan.summary and plan.flight_time_s > 0


def test_a_reading_inside_a_no_fly_zone_is_refused(zones) -> None:
    with pytest.raises(ResponseRefused, match="lies in no-fly zone 'west-station-approach'"):
        ResponsePlanner(zones).plan_at(36.647, 116.928, Pattern.TRANSECTS, SW_WIND, HOME)


def test_transects_over_a_no_fly_zone_are_cut_and_routed_around_it(zones) -> None:
    home = Position(36.6425, 116.9275, 30.0)
    planner = ResponsePlanner(zones)
    plan = planner.plan_at(36.6448, 116.9252, Pattern.TRANSECTS, SW_WIND, home)
    no_fly = next(z for z in zones if z.kind is ZoneKind.NO_FLY)
    keep_out = plan.frame.project(no_fly.geometry)
    route = [Point(p) for p in plan.route_xy]
    assert not any(keep_out.covers(p) for p in route)
    assert not blocks_upload(check_mission(plan.mission, zones, Limits()))
    assert any("no-fly" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("wind", "words"),
    [(None, "no wind report"), (WindObs(0.2, 225.0), "calmer than 0.5 m/s")],
)
def test_without_a_usable_wind_the_response_is_refused(zones, wind, words) -> None:
    for pattern in Pattern:
        with pytest.raises(ResponseRefused, match=words):
            ResponsePlanner(zones).plan_at(36.65, 116.948, pattern, wind, HOME)


def test_a_response_beyond_reach_or_battery_is_refused_with_the_failed_check(zones) -> None:
    with pytest.raises(ResponseRefused, match="TOO_FAR"):
        ResponsePlanner(zones).plan_at(36.69, 116.99, Pattern.TRANSECTS, SW_WIND, HOME)
    short = ResponseSpec(limits=Limits(endurance_s=300.0))
    with pytest.raises(ResponseRefused, match="ENDURANCE"):
        ResponsePlanner(zones, short).plan_at(36.65, 116.948, Pattern.TRANSECTS, SW_WIND, HOME)


def test_a_position_less_alert_is_refused(zones) -> None:
    with pytest.raises(ResponseRefused, match="no position"):
        ResponsePlanner(zones).plan_at(math.nan, math.nan, Pattern.TRANSECTS, SW_WIND, HOME)


def test_inspect_upwind_flies_the_nearest_enterprise_upwind_as_the_planner_would(zones) -> None:
    world = stack_world(*PLANT)
    reading = downwind_point(world, 600.0)
    plan = ResponsePlanner(zones).plan_at(*reading, Pattern.INSPECT_UPWIND, SW_WIND, HOME)
    assert plan.sites == ("huaiyin-thermal-plant",)
    assert not blocks_upload(check_mission(plan.mission, zones, Limits()))
    orbit = plan.pattern_xy[0]
    px, py = plan.frame.to_xy(PLANT[1], PLANT[0])
    assert all(math.dist(p, (px, py)) == pytest.approx(80.0, abs=0.5) for p in orbit)
    altitudes = {i.altitude_m for i in plan.mission.items if i.command == Cmd.NAV_WAYPOINT}
    assert max(altitudes) == 100.0  # 20 m above the 80 m stack, under the 120 m ceiling
    with pytest.raises(ResponseRefused, match="no enterprise zone within 3000 m upwind"):
        ResponsePlanner(zones).plan_at(*reading, Pattern.INSPECT_UPWIND, WindObs(3.0, 45.0), HOME)


def _second_site(zones) -> tuple[Zone, ...]:
    farther = Zone(
        "far-chemical-works",
        ZoneKind.ENTERPRISE,
        Point(116.9380, 36.6430),  # further south-west of the reading than the plant
        priority=2,
        revisit_minutes=120,
        stack_height_m=30.0,
    )
    return (*zones, farther)


def test_inspect_upwind_takes_the_nearest_first_and_drops_sites_the_battery_cannot_reach(
    zones,
) -> None:
    reading = downwind_point(stack_world(*PLANT), 600.0)
    both = ResponsePlanner(_second_site(zones)).plan_at(
        *reading, Pattern.INSPECT_UPWIND, SW_WIND, HOME
    )
    assert both.sites == ("huaiyin-thermal-plant", "far-chemical-works")
    one = ResponsePlanner(_second_site(zones), replace(ResponseSpec(), max_sites=1)).plan_at(
        *reading, Pattern.INSPECT_UPWIND, SW_WIND, HOME
    )
    assert one.sites == ("huaiyin-thermal-plant",) and one.flight_time_s < both.flight_time_s
    between = (one.flight_time_s + both.flight_time_s) / 2 / 0.75
    tight = ResponseSpec(limits=Limits(endurance_s=between))
    fitted = ResponsePlanner(_second_site(zones), tight).plan_at(
        *reading, Pattern.INSPECT_UPWIND, SW_WIND, HOME
    )
    assert fitted.sites == ("huaiyin-thermal-plant",)


def test_plan_from_a_request_carries_the_alert(zones) -> None:
    from command.alerts.desk import ResponseRequest
    from tests.command.alerts.conftest import at

    request = ResponseRequest(
        5, "r", "station:S1", "so2", 36.65, 116.948, Pattern.TRANSECTS, 3, None, at(0)
    )
    plan = ResponsePlanner(zones).plan(request, SW_WIND, HOME)
    assert plan.alert_id == 5 and plan.pattern is Pattern.TRANSECTS
