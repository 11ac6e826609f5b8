import math

import pytest

from missions.inspection import InspectionSpec, downwind_unit, orbit, plan_inspection, transects


def test_orbit_is_at_radius_and_closed():
    leg = orbit((100.0, 200.0), 80.0, 12, 90.0)
    assert leg.waypoints[0] == pytest.approx(leg.waypoints[-1])
    assert all(math.dist(p, (100.0, 200.0)) == pytest.approx(80.0) for p in leg.waypoints)
    assert leg.altitude_m == 90.0


def test_transects_lie_downwind_and_crosswind():
    # wind from the north blows south: transects south of the source, running east-west
    dx, dy = downwind_unit(0.0)
    assert (dx, dy) == pytest.approx((0.0, -1.0))
    leg = transects((0.0, 0.0), 0.0, (100.0, 200.0), 50.0, plume_half_angle_deg=20.0)
    pairs = [leg.waypoints[i : i + 2] for i in range(0, len(leg.waypoints), 2)]
    for (a, b), distance in zip(pairs, (100.0, 200.0), strict=True):
        assert a[1] == pytest.approx(-distance) and b[1] == pytest.approx(-distance)
        half = max(60.0, distance * math.tan(math.radians(20.0)))
        assert abs(a[0] - b[0]) == pytest.approx(2 * half)


def test_plan_inspection_flies_above_the_stack():
    legs = plan_inspection((0.0, 0.0), 30.0, 80.0, 90.0, InspectionSpec(orbit_clearance_m=20.0))
    assert [leg.kind for leg in legs] == ["orbit", "transect"]
    assert legs[0].altitude_m == 100.0
    assert math.dist(legs[0].waypoints[0], (0.0, 0.0)) >= 50.0
    # wind from the east: transects to the west of the source
    assert all(p[0] < 0 for p in legs[1].waypoints)
    assert plan_inspection((0.0, 0.0), 0.0, 10.0, None)[0].altitude_m == 30.0
