from dataclasses import replace

import pytest

from missions.checks import Limits, blocks_upload, check_mission
from missions.energy import ARDUCOPTER_SITL_QUAD
from missions.estimate import estimate_flight
from missions.items import (
    Cmd,
    Fence,
    FenceCircle,
    FencePolygon,
    Frame,
    Mission,
    MissionItem,
    Position,
)
from missions.zones import parse_zones

HOME = Position(36.6500, 116.9300, 30.0)
D_LAT = 1 / 111_000  # degrees per metre north
D_LON = 1 / 89_200  # degrees per metre east at 36.65 N


def item(command, east_m=0.0, north_m=0.0, alt=50.0, frame=Frame.GLOBAL_RELATIVE_ALT, **params):
    """An item of any command at east/north metres from home."""
    return MissionItem(
        command,
        frame,
        latitude_deg=HOME.latitude_deg + north_m * D_LAT,
        longitude_deg=HOME.longitude_deg + east_m * D_LON,
        altitude_m=alt,
        **params,
    )


def wp(
    east_m=0.0, north_m=0.0, alt=50.0, frame=Frame.GLOBAL_RELATIVE_ALT, command=Cmd.NAV_WAYPOINT
):
    return item(command, east_m, north_m, alt, frame)


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


# --- every NAV command with a position, as real files carry them -------------------------


def no_nan_anywhere(findings):
    for finding in findings:
        assert "nan" not in finding.message.lower().replace("nan)", ""), finding


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (item(Cmd.NAV_LOITER_TO_ALT, 100, 0, alt=250.0), {("ABOVE_CEILING", 1)}),
        (item(Cmd.NAV_ARC_WAYPOINT, 11_000, 0, alt=300.0, param1=90.0),
         {("ABOVE_CEILING", 1), ("TOO_FAR", 1)}),
        (item(Cmd.NAV_PAYLOAD_PLACE, 100, 50, alt=400.0, param1=10.0), {("ABOVE_CEILING", 1)}),
        (item(Cmd.NAV_VTOL_TAKEOFF, alt=180.0), {("ABOVE_CEILING", 1)}),
        (item(Cmd.NAV_LOITER_TURNS, 2990, 0, param1=2.0, param3=50.0), {("TOO_FAR", 1)}),
        (item(25, 100, 0), {("UNKNOWN_NAV_COMMAND", 1)}),
        (item(Cmd.NAV_GUIDED_ENABLE, param1=1.0), {("UNJUDGED_COMMAND", 1)}),
        (item(31000), {("UNKNOWN_COMMAND", 1)}),
    ],
)  # fmt: skip
def test_every_positional_nav_command_is_checked(bad, expected):
    findings = check_mission(mission(bad))
    assert expected <= codes(findings), findings
    assert blocks_upload(findings)
    no_nan_anywhere(findings)


def test_unknown_nav_command_is_named():
    finding = next(f for f in check_mission(mission(item(25, 100, 0))) if f.severity == "error")
    assert "command 25" in finding.message and finding.code == "UNKNOWN_NAV_COMMAND"


def test_vtol_land_and_payload_place_positions_meet_the_no_fly_zone():
    zones = no_fly_zone(50, -50, 150, 50)
    landing = check_mission(mission(item(Cmd.NAV_VTOL_LAND, 100, 0, alt=0.0)), zones)
    assert ("IN_NO_FLY", 1) in codes(landing)
    place = check_mission(mission(item(Cmd.NAV_PAYLOAD_PLACE, 100, 0, param1=10.0)), zones)
    assert ("IN_NO_FLY", 1) in codes(place)


def test_arc_is_checked_along_the_arc_not_the_chord():
    """A clockwise half circle from home to 400 m east bulges 200 m north, through a no-fly box
    the chord misses (counter-clockwise it bulges south, clear of it)."""
    zones = no_fly_zone(150, 150, 250, 250)
    chord = check_mission(mission(wp(0, 0), wp(400, 0)), zones)
    assert not blocks_upload(chord)
    arc = check_mission(mission(wp(0, 0), item(Cmd.NAV_ARC_WAYPOINT, 400, 0, param1=180.0)), zones)
    assert ("LEG_CROSSES_NO_FLY", 2) in codes(arc)
    south = item(Cmd.NAV_ARC_WAYPOINT, 400, 0, param1=-180.0)
    assert not blocks_upload(check_mission(mission(wp(0, 0), south), zones))


@pytest.mark.parametrize(
    ("frame", "plain"),
    [(Frame.GLOBAL_INT, Frame.GLOBAL), (Frame.GLOBAL_RELATIVE_ALT_INT, Frame.GLOBAL_RELATIVE_ALT)],
)
def test_int_frames_are_their_plain_twins(frame, plain):
    for alt in (145.0, 155.0, 60.0):
        a = codes(check_mission(mission(wp(10, 0, alt=alt, frame=frame))))
        b = codes(check_mission(mission(wp(10, 0, alt=alt, frame=plain))))
        assert a == b
    assert ("ABOVE_CEILING", 1) in codes(check_mission(mission(wp(10, 0, 155.0, frame=5))))


def test_terrain_int_frame_warns_like_terrain_and_mission_frame_reads_amsl():
    terrain = check_mission(mission(wp(10, 0, 50.0, frame=Frame.GLOBAL_TERRAIN_ALT_INT)))
    assert codes(terrain) == {("TERRAIN_FRAME", 1)}
    amsl = check_mission(mission(wp(10, 0, 155.0, frame=Frame.MISSION)))
    assert {("MISSION_FRAME", 1), ("ABOVE_CEILING", 1)} <= codes(amsl)


def test_unknown_altitude_is_a_finding_and_the_estimate_says_so():
    local = wp(10, 0, 50.0, frame=1)  # MAV_FRAME_LOCAL_NED: ArduPilot refuses it
    findings = check_mission(mission(local))
    assert ("BAD_FRAME", 1) in codes(findings)
    assert ("ENDURANCE_UNKNOWN", None) in codes(findings)
    no_nan_anywhere(findings)


def test_values_the_wire_cannot_carry_are_refused_by_the_check():
    huge = MissionItem(10**30, Frame.GLOBAL_RELATIVE_ALT, latitude_deg=36.65, longitude_deg=116.93)
    nan_do = MissionItem(Cmd.DO_CHANGE_SPEED, Frame.GLOBAL_RELATIVE_ALT, param2=5.0,
                         latitude_deg=float("nan"))  # fmt: skip
    overflow = wp(10, 0, alt=50.0)
    overflow = MissionItem(overflow.command, overflow.frame, param1=1e39,
                           latitude_deg=overflow.latitude_deg,
                           longitude_deg=overflow.longitude_deg, altitude_m=50.0)  # fmt: skip
    nan_param = MissionItem(Cmd.NAV_LOITER_TURNS, Frame.GLOBAL_RELATIVE_ALT, param1=float("nan"),
                            latitude_deg=36.65, longitude_deg=116.93, altitude_m=50.0)  # fmt: skip
    found = codes(check_mission(mission(huge, nan_do, overflow, nan_param)))
    assert {("BAD_COMMAND", 1), ("BAD_COORDINATES", 2), ("BAD_PARAM", 3), ("BAD_PARAM", 4)} <= found


# --- the flight as ArduCopter flies it: jumps, delays, landings ---------------------------


def loop_mission(repeats, *extra):
    """Take-off, a 400 m square, DO_JUMP back to its first corner `repeats` times, RTL."""
    corners = [wp(200, 0), wp(200, 400), wp(-200, 400), wp(-200, 0)]
    jump = MissionItem(Cmd.DO_JUMP, Frame.MISSION, param1=2.0, param2=float(repeats))
    return mission(*corners, jump, *extra)


def test_infinite_jump_is_not_flyable_on_one_battery():
    findings = check_mission(loop_mission(-1))
    endurance = next(f for f in findings if f.code == "ENDURANCE")
    assert (
        "not flyable on one battery" in endurance.message and "repeats forever" in endurance.message
    )
    estimate = estimate_flight(loop_mission(-1))
    assert estimate.endless and "never ends" in estimate.describe_time()


def test_jump_repeats_are_flown_in_the_estimate():
    once = estimate_flight(loop_mission(0))
    thrice = estimate_flight(loop_mission(3))
    square = 400 + 400 + 400 + 400  # one more lap: back to the first corner and round
    assert thrice.horizontal_m - once.horizontal_m == pytest.approx(3 * square, rel=1e-3)
    assert thrice.time_s > once.time_s + 3 * square / 10.0


def test_jump_back_leg_through_a_no_fly_zone_is_found():
    """The jump from the last corner back to the first crosses the zone; no listed leg does."""
    corners = [wp(200, 0), wp(200, 400), wp(-200, 400)]
    jump = MissionItem(Cmd.DO_JUMP, Frame.MISSION, param1=2.0, param2=1.0)
    zones = no_fly_zone(-10, 150, 10, 250)
    assert not blocks_upload(check_mission(mission(*corners), zones))
    found = check_mission(mission(*corners, jump), zones)
    assert ("LEG_CROSSES_NO_FLY", 1) in codes(found)


def test_bad_jump_targets_are_errors():
    out_of_range = MissionItem(Cmd.DO_JUMP, Frame.MISSION, param1=40.0, param2=1.0)
    fraction = MissionItem(Cmd.DO_JUMP, Frame.MISSION, param1=2.0, param2=1.5)
    assert ("BAD_JUMP", 2) in codes(check_mission(mission(wp(100, 0), out_of_range)))
    assert ("BAD_JUMP", 2) in codes(check_mission(mission(wp(100, 0), fraction)))


def test_delays_and_loiters_are_waited_in_the_estimate():
    base = estimate_flight(mission(wp(100, 0)))
    delay = MissionItem(Cmd.NAV_DELAY, Frame.MISSION, param1=120.0, param2=-1, param3=-1,
                        param4=-1)  # fmt: skip
    waited = estimate_flight(mission(wp(100, 0), delay))
    assert waited.time_s == pytest.approx(base.time_s + 120.0, abs=0.5)
    loiter = item(Cmd.NAV_LOITER_TIME, 100, 0, param1=300.0)
    assert estimate_flight(mission(loiter)).time_s == pytest.approx(base.time_s + 300.0, abs=0.5)
    unlimited = check_mission(mission(item(Cmd.NAV_LOITER_UNLIM, 100, 0)))
    assert ("ENDURANCE", None) in codes(unlimited)
    time_of_day = MissionItem(Cmd.NAV_DELAY, Frame.MISSION, param1=-1, param2=14, param3=30,
                              param4=0)  # fmt: skip
    assert ("ENDURANCE_UNKNOWN", None) in codes(check_mission(mission(time_of_day)))


def test_landing_then_take_off_flies_on_and_is_checked():
    """Land at a sampling point, take off again, fly on: the second part counts and is checked."""
    zones = no_fly_zone(250, -50, 350, 50)
    land = item(Cmd.NAV_LAND, 200, 0, alt=0.0)
    takeoff = item(Cmd.NAV_TAKEOFF, 0, 0, alt=40.0)
    takeoff = MissionItem(Cmd.NAV_TAKEOFF, Frame.GLOBAL_RELATIVE_ALT, altitude_m=40.0)
    first = estimate_flight(mission(wp(200, 0), land))
    both = estimate_flight(mission(wp(200, 0), land, takeoff, wp(400, 0)))
    assert both.time_s > first.time_s + 400 / 10.0
    assert both.horizontal_m == pytest.approx(200 + 200 + 400, rel=1e-2)
    found = check_mission(mission(wp(200, 0), land, takeoff, wp(400, 0)), zones)
    assert ("LEG_CROSSES_NO_FLY", 4) in codes(found)


def test_vtol_landing_counts_as_the_end():
    vtol = item(Cmd.NAV_VTOL_LAND, 0, 0, alt=0.0)
    findings = check_mission(Mission(HOME, (wp(command=Cmd.NAV_VTOL_TAKEOFF), wp(100, 0), vtol)))
    assert "NO_RETURN" not in {f.code for f in findings}


# --- fences, rally points, speeds and the battery -----------------------------------------


def test_bad_fence_rally_and_speed_in_a_mission_built_in_code():
    bowtie = FencePolygon(((36.650, 116.930), (36.652, 116.932), (36.650, 116.932),
                           (36.652, 116.930)), inclusion=False)  # fmt: skip
    fenced = replace(mission(wp(100, 0)), fence=Fence(polygons=(bowtie,)))
    assert ("BAD_FENCE", None) in codes(check_mission(fenced))
    rallied = replace(mission(wp(100, 0)), rally=(Position(float("nan"), 116.93, 30.0),))
    assert ("BAD_RALLY", None) in codes(check_mission(rallied))
    slow = replace(mission(wp(100, 0)), cruise_speed_mps=float("nan"))
    found = check_mission(slow)
    assert {("BAD_SPEED", None), ("ENDURANCE_UNKNOWN", None)} <= codes(found)
    no_nan_anywhere(found)


def test_rally_points_are_checked_against_the_no_fly_zone_and_ceiling():
    zones = no_fly_zone(50, -50, 150, 50)
    inside = Position(HOME.latitude_deg, HOME.longitude_deg + 100 * D_LON, 30.0)
    high = Position(HOME.latitude_deg + 100 * D_LAT, HOME.longitude_deg, 200.0)
    found = codes(check_mission(replace(mission(wp(0, 100)), rally=(inside, high)), zones))
    assert {("IN_NO_FLY", None), ("ABOVE_CEILING", None)} <= found


def test_endurance_takes_the_battery_the_vehicle_reports():
    sortie = mission(*[wp(600 * (k % 2), 100 * k) for k in range(8)])
    assert not blocks_upload(check_mission(sortie))  # fits a full pack
    assert ("ENDURANCE", None) in codes(check_mission(sortie, battery_remaining_pct=40.0))
    assert ("BATTERY_UNKNOWN", None) in codes(check_mission(sortie, battery_remaining_pct=-1))
    sitl = Limits(energy=ARDUCOPTER_SITL_QUAD)
    assert ("ENDURANCE", None) in codes(check_mission(sortie, limits=sitl))


def test_fence_rally_and_home_values_beyond_the_wire_are_errors():
    wide = Fence(circles=(FenceCircle(HOME.latitude_deg, HOME.longitude_deg, 1e39, False),))
    assert ("BAD_FENCE", None) in codes(check_mission(replace(mission(wp(100, 0)), fence=wide)))
    deep = (Position(HOME.latitude_deg, HOME.longitude_deg, -1e39),)
    assert ("BAD_RALLY", None) in codes(check_mission(replace(mission(wp(100, 0)), rally=deep)))
    high_home = replace(mission(wp(100, 0)), home=Position(36.65, 116.93, 1e6))
    assert codes(check_mission(high_home)) == {("BAD_HOME", None)}
