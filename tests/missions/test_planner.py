import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from missions.checks import Limits, check_mission
from missions.items import Cmd, Position
from missions.planner import PlanError, PlanSpec, plan_zone
from missions.zones import TASK_KINDS, load_zones, parse_zones

EXAMPLE = "missions/examples/huaiyin_zones.geojson"
HOME = Position(36.6425, 116.9275, 30.0)


@pytest.fixture(scope="module")
def zones():
    return load_zones(EXAMPLE)


@pytest.mark.parametrize(
    "name",
    ["wetland-park", "yanshan-construction-site", "huaiyin-thermal-plant", "xiaoqing-river-reach"],
)
def test_every_example_zone_plans_and_passes_checks(zones, name):
    planned = plan_zone(zones.by_name(name), HOME, zones.zones, PlanSpec(wind_from_deg=45.0))
    findings = check_mission(planned.mission, zones.zones, Limits())
    assert not [f for f in findings if f.severity == "error"], findings
    items = planned.mission.items
    assert items[0].command == Cmd.NAV_TAKEOFF and items[-1].command == Cmd.NAV_RETURN_TO_LAUNCH
    assert all(i.altitude_m <= 120.0 for i in items)
    route = shapely.LineString(planned.route_xy)
    no_fly = planned.frame.project(zones.by_name("west-station-approach").geometry)
    assert not route.intersects(no_fly)


def test_survey_sets_camera_trigger_at_start_and_stops_it(zones):
    planned = plan_zone(zones.by_name("wetland-park"), HOME, zones.zones)
    triggers = [i for i in planned.mission.items if i.command == Cmd.DO_SET_CAM_TRIGG_DIST]
    assert [t.param1 > 0 for t in triggers] == [True, False]
    assert triggers[0].param1 == pytest.approx(planned.swath.trigger_distance_m)


def test_route_to_wetland_goes_around_the_station(zones):
    planned = plan_zone(zones.by_name("wetland-park"), HOME, zones.zones)
    home_xy = planned.route_xy[0]
    first = planned.survey.waypoints[0]
    straight = shapely.LineString([home_xy, first])
    no_fly = planned.frame.project(zones.by_name("west-station-approach").geometry)
    assert straight.intersects(no_fly), "the example should need a detour"
    assert len(planned.route_xy) > len(planned.survey.waypoints) + 2


def test_zone_altitude_above_ceiling_is_refused(zones):
    with pytest.raises(PlanError, match="ceiling"):
        plan_zone(
            zones.by_name("wetland-park"),
            HOME,
            zones.zones,
            PlanSpec(altitude_m=150.0, ceiling_m=120),
        )


def test_high_stack_orbit_is_capped_at_the_ceiling():
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [116.93, 36.65]},
                "properties": {
                    "name": "tall",
                    "kind": "enterprise",
                    "priority": 1,
                    "revisit_minutes": 30,
                    "stack_height_m": 115,
                },
            }
        ],
    }
    zone = parse_zones(doc).zones[0]
    planned = plan_zone(zone, Position(36.645, 116.93), (zone,), PlanSpec())
    assert max(i.altitude_m for i in planned.mission.items) == 120.0
    assert any("capped" in note for note in planned.notes)


def test_non_task_zone_is_refused(zones):
    with pytest.raises(PlanError, match="no_fly"):
        plan_zone(zones.by_name("west-station-approach"), HOME, zones.zones)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(dx=st.floats(-0.004, 0.004), dy=st.floats(-0.003, 0.003), altitude=st.floats(20.0, 120.0))
def test_planned_missions_respect_ceiling_and_never_cross_no_fly(dx, dy, altitude):
    # a no-fly square moved around between home and the zones
    base = load_zones(EXAMPLE)
    ring = [
        [116.9300 + dx, 36.6460 + dy],
        [116.9330 + dx, 36.6460 + dy],
        [116.9330 + dx, 36.6485 + dy],
        [116.9300 + dx, 36.6485 + dy],
        [116.9300 + dx, 36.6460 + dy],
    ]
    moved = parse_zones(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"name": "moving", "kind": "no_fly"},
                }
            ],
        }
    ).zones
    zones = (*[z for z in base.zones if z.kind.value != "fence"], *moved)
    for zone in (z for z in zones if z.kind in TASK_KINDS):
        try:
            planned = plan_zone(
                zone, HOME, zones, PlanSpec(altitude_m=altitude, wind_from_deg=200.0)
            )
        except PlanError:
            continue  # e.g. the zone lies under the moved no-fly zone: refused, not flown through
        assert all(i.altitude_m <= 120.0 + 1e-9 for i in planned.mission.items)
        codes = {f.code for f in check_mission(planned.mission, zones)}
        assert not codes & {"LEG_CROSSES_NO_FLY", "IN_NO_FLY", "ABOVE_CEILING"}, codes


def test_orbit_and_transects_fly_around_a_no_fly_zone_across_them():
    """A no-fly strip across the orbit's east side and the downwind transects."""
    site = (116.9300, 36.6500)
    strip = [[116.9306, 36.6470], [116.9316, 36.6470], [116.9316, 36.6530], [116.9306, 36.6530]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(site)},
                "properties": {
                    "name": "plant",
                    "kind": "enterprise",
                    "priority": 1,
                    "revisit_minutes": 60,
                    "stack_height_m": 40,
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*strip, strip[0]]]},
                "properties": {"name": "school", "kind": "no_fly"},
            },
        ],
    }
    zones = parse_zones(doc).zones
    plant, school = zones
    home = Position(36.6480, 116.9290, 30.0)
    spec = PlanSpec(wind_from_deg=270.0)  # blows east, across the strip
    planned = plan_zone(plant, home, zones, spec)
    no_fly = planned.frame.project(school.geometry)
    route = shapely.LineString(planned.route_xy)
    assert route.intersects(no_fly.buffer(200)), "the example must bring the pattern near it"
    assert route.distance(no_fly) >= spec.clearance_m / 2
    assert any("detour" in note for note in planned.notes), planned.notes
    findings = check_mission(planned.mission, zones, Limits())
    assert not [f for f in findings if f.severity == "error"], findings
    # what lies clear of the zone is still flown: the orbit's west side, the far transects
    centre = planned.frame.to_xy(*site)
    west = shapely.Point(centre[0] - 80.0, centre[1])
    assert route.distance(west) < 5.0
