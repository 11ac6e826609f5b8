import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from missions.routing import path_length
from missions.transit import TransitError, TransitPlanner
from tests.missions.polygons import star_polygon


def obstacles(seed: int, count: int):
    rng = np.random.default_rng(seed)
    shapes = []
    for k in range(count):
        centre = rng.uniform(-600, 600, 2)
        shape = shapely.affinity.translate(
            star_polygon(seed + k, vertices=8, radius_m=120.0), *centre
        )
        shapes.append(shape)
    return shapes


@settings(max_examples=30, deadline=None, derandomize=True)
@given(seed=st.integers(0, 100_000), count=st.integers(1, 4))
def test_no_transit_leg_crosses_a_no_fly_zone(seed, count):
    no_fly = obstacles(seed, count)
    planner = TransitPlanner(no_fly, clearance_m=20.0)
    start, goal = (-1000.0, -900.0), (1000.0, 950.0)
    path = planner.route(start, goal)
    assert path[0] == start and path[-1] == goal
    line = shapely.LineString(path)
    assert not line.intersects(shapely.union_all(no_fly))
    assert line.distance(shapely.union_all(no_fly)) >= 10.0 - 1e-6
    assert path_length(path) >= np.hypot(2000.0, 1850.0) - 1e-6


def test_clear_leg_is_straight_and_blocked_leg_goes_around():
    wall = shapely.box(-50, -300, 50, 300)
    planner = TransitPlanner([wall], clearance_m=20.0)
    assert planner.route((-200.0, 400.0), (200.0, 400.0)) == [(-200.0, 400.0), (200.0, 400.0)]
    around = planner.route((-200.0, 0.0), (200.0, 0.0))
    assert len(around) > 2
    assert not shapely.LineString(around).intersects(wall)
    assert not planner.leg_is_clear((-200.0, 0.0), (200.0, 0.0))


def test_end_inside_no_fly_is_an_error():
    planner = TransitPlanner([shapely.box(0, 0, 100, 100)])
    with pytest.raises(TransitError, match=r"start .* inside a no-fly zone"):
        planner.route((50.0, 50.0), (500.0, 500.0))
