import pytest

from missions.checks import Limits, blocks_upload, check_mission
from missions.items import Cmd, Fence, FenceCircle, Frame, Mission, MissionItem, Position
from missions.zones import parse_zones

HOME = Position(36.6500, 116.9300, 30.0)
D_LAT = 1 / 111_000  # degrees per metre north
D_LON = 1 / 89_200  # degrees per metre east at 36.65 N


def wp(
    east_m=0.0, north_m=0.0, alt=50.0, frame=Frame.GLOBAL_RELATIVE_ALT, command=Cmd.NAV_WAYPOINT
):
    return MissionItem(
        command,
        frame,
        latitude_deg=HOME.latitude_deg + north_m * D_LAT,
        longitude_deg=HOME.longitude_deg + east_m * D_LON,
        altitude_m=alt,
    )


NO_FENCE = Fence()


def mission(*items, fence=NO_FENCE):
    takeoff = wp(alt=50.0, command=Cmd.NAV_TAKEOFF)
    return Mission(
        HOME, (takeoff, *items, MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION)), fence
    )


def codes(findings):
    return {(f.code, f.item_index) for f in findings}


def no_fly_zone(west, south, east, north, kind="no_fly"):
    ring = [
        [HOME.longitude_deg + e * D_LON, HOME.latitude_deg + n * D_LAT]
        for e, n in ((west, south), (east, south), (east, north), (west, north), (west, south))
    ]
    return parse_zones(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"name": f"{kind}-zone", "kind": kind},
                }
            ],
        }
    ).zones


def test_clean_mission_may_fly():
    findings = check_mission(mission(wp(100, 100), wp(200, 0)))
    assert findings == [] and not blocks_upload(findings)


def test_ceiling_and_minimum_altitude_are_errors():
    findings = check_mission(mission(wp(100, 0, alt=121.0), wp(200, 0, alt=5.0)))
    assert ("ABOVE_CEILING", 1) in codes(findings)
    assert ("BELOW_MIN_ALTITUDE", 2) in codes(findings)
    assert blocks_upload(findings)
    assert check_mission(mission(wp(100, 0, alt=121.0)), limits=Limits(ceiling_m=150.0)) == []


def test_absolute_frame_is_compared_above_home():
    assert ("ABOVE_CEILING", 1) in codes(
        check_mission(mission(wp(10, 0, alt=155.0, frame=Frame.GLOBAL)))
    )
    assert check_mission(mission(wp(10, 0, alt=145.0, frame=Frame.GLOBAL))) == []


def test_waypoint_and_leg_in_no_fly():
    zones = no_fly_zone(50, -50, 150, 50)
    inside = check_mission(mission(wp(100, 0)), zones)
    assert ("IN_NO_FLY", 1) in codes(inside)
    crossing = check_mission(mission(wp(0, -200), wp(300, 200)), zones)
    assert ("LEG_CROSSES_NO_FLY", 2) in codes(crossing)
    assert ("IN_NO_FLY", 2) not in codes(crossing)
    # the return to launch leg is checked too
    back = check_mission(mission(wp(300, 0)), zones)
    assert ("LEG_CROSSES_NO_FLY", 2) in codes(back)


def test_keep_in_fence_from_zones_and_from_the_mission():
    fence_zone = no_fly_zone(-100, -100, 300, 300, kind="fence")
    assert check_mission(mission(wp(200, 200)), fence_zone) == []
    outside = check_mission(mission(wp(400, 0)), fence_zone)
    assert ("OUTSIDE_FENCE", 1) in codes(outside) and ("LEG_LEAVES_FENCE", 1) in codes(outside)
    circle = Fence(
        circles=(FenceCircle(HOME.latitude_deg, HOME.longitude_deg, 150.0, inclusion=True),)
    )
    assert ("OUTSIDE_FENCE", 1) in codes(check_mission(mission(wp(200, 0), fence=circle)))
    keep_out = Fence(
        circles=(FenceCircle(HOME.latitude_deg, HOME.longitude_deg + 100 * D_LON, 20.0, False),)
    )
    assert ("LEG_CROSSES_NO_FLY", 1) in codes(check_mission(mission(wp(200, 0), fence=keep_out)))


def test_distance_endurance_and_item_count():
    far = check_mission(mission(wp(3500, 0)))
    assert ("TOO_FAR", 1) in codes(far)
    long = check_mission(
        mission(*[wp(1000 * (k % 2), 100 * k) for k in range(20)]),
        limits=Limits(max_distance_from_home_m=10_000),
    )
    assert ("ENDURANCE", None) in codes(long)
    many = check_mission(mission(*[wp(k, 0) for k in range(30)]), limits=Limits(max_items=20))
    assert ("TOO_MANY_ITEMS", None) in codes(many)


def test_empty_and_unterminated_missions():
    assert codes(check_mission(Mission(HOME, ()))) == {("EMPTY", None)}
    open_ended = Mission(HOME, (wp(command=Cmd.NAV_TAKEOFF), wp(100, 0)))
    findings = check_mission(open_ended)
    assert ("NO_RETURN", None) in codes(findings) and not blocks_upload(findings)
    assert codes(check_mission(Mission(Position(0.0, 0.0), (wp(),)))) == {("BAD_HOME", None)}


def test_finding_text_names_item_and_reason():
    finding = check_mission(mission(wp(100, 0, alt=130.0)))[0]
    assert str(finding).startswith("ERROR ABOVE_CEILING (item 2)")
    assert "130.0 m above home, ceiling 120 m" in finding.message


@pytest.mark.parametrize("lat", [95.0, float("nan")])
def test_bad_coordinates(lat):
    bad = MissionItem(
        Cmd.NAV_WAYPOINT,
        Frame.GLOBAL_RELATIVE_ALT,
        latitude_deg=lat,
        longitude_deg=116.9,
        altitude_m=50,
    )
    assert ("BAD_COORDINATES", 1) in codes(check_mission(mission(bad)))
