import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from missions.camera import Camera, swath_from_camera, swath_from_width
from missions.survey import plan_survey
from tests.missions.polygons import star_polygon


def lane_cover(survey, width_m):
    """Ground seen by the lanes if each senses a strip `width_m` wide."""
    rects = [
        shapely.LineString(lane).buffer(width_m / 2 + 1e-6, cap_style="flat")
        for lane in survey.lanes
    ]
    return shapely.union_all(rects)


def assert_survey_ok(region, swath, survey):
    assert survey.spacing_m <= swath.spacing_m + 1e-9
    uncovered = region.difference(lane_cover(survey, survey.spacing_m)).area
    assert uncovered <= 1e-6 * region.area, f"{uncovered:.3f} m² not covered"
    path = shapely.LineString(survey.waypoints)
    assert region.buffer(survey.margin_m + 1e-3).covers(path), "path leaves the zone plus margin"


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 100_000), hole=st.booleans(), width=st.sampled_from([20.0, 45.0, 80.0]))
def test_survey_covers_zone_and_stays_within_margin(seed, hole, width):
    region = star_polygon(seed, vertices=14, hole=hole)
    swath = swath_from_width(width)
    survey = plan_survey(region, swath)
    assert_survey_ok(region, swath, survey)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 100_000), overlap=st.sampled_from([0.2, 0.6, 0.8]))
def test_camera_survey_keeps_requested_side_overlap(seed, overlap):
    region = star_polygon(seed, vertices=10, jitter=0.2)
    swath = swath_from_camera(Camera(), 60.0, side_overlap=overlap)
    survey = plan_survey(region, swath)
    assert_survey_ok(region, swath, survey)
    # neighbouring images overlap at least as much as asked
    across, _ = Camera().footprint_m(60.0)
    assert (across - survey.spacing_m) / across >= overlap - 1e-9


def test_square_flies_parallel_to_an_edge_and_near_the_bound():
    square = box(0, 0, 1000, 1000)
    survey = plan_survey(square, swath_from_width(30.0))
    assert survey.cells == 1
    assert math.isclose(survey.angle_deg % 90.0, 0.0, abs_tol=1e-6)
    assert len(survey.lanes) == 34  # ceil(1000 / 30)
    efficiency = survey.length_m / (square.area / 30.0)
    assert efficiency < 1.05


def test_concave_zone_with_hole_is_decomposed_and_avoids_the_hole():
    outer = Polygon([(0, 0), (800, 0), (800, 800), (0, 800)])
    hole = box(300, 300, 500, 500)
    region = outer.difference(hole)
    swath = swath_from_width(25.0)
    survey = plan_survey(region, swath, margin_m=5.0)
    assert survey.cells >= 3
    assert_survey_ok(region, swath, survey)
    # no lane crosses the hole shrunk by the margin
    inner = hole.buffer(-6.0)
    assert not any(shapely.LineString(lane).intersects(inner) for lane in survey.lanes)


def test_u_shaped_zone_links_stay_inside():
    u_shape = Polygon(
        [(0, 0), (600, 0), (600, 600), (400, 600), (400, 200), (200, 200), (200, 600), (0, 600)]
    )
    swath = swath_from_width(40.0)
    survey = plan_survey(u_shape, swath, angle_deg=0.0)
    assert_survey_ok(u_shape, swath, survey)
    assert survey.cells == 3


def test_empty_region_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        plan_survey(Polygon(), swath_from_width(30.0))
