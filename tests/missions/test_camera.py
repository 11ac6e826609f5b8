import pytest

from missions.camera import Camera, Swath, swath_from_camera, swath_from_width


def test_footprint_and_swath_from_camera():
    camera = Camera(sensor_width_mm=13.2, sensor_height_mm=8.8, focal_length_mm=8.8)
    across, along = camera.footprint_m(60.0)
    assert across == pytest.approx(90.0) and along == pytest.approx(60.0)
    swath = swath_from_camera(camera, 60.0, side_overlap=0.7, forward_overlap=0.8)
    assert swath.spacing_m == pytest.approx(27.0)
    assert swath.trigger_distance_m == pytest.approx(12.0)
    assert camera.gsd_cm(60.0) == pytest.approx(100 * 90.0 / 5472)


def test_swath_from_width_and_bad_values():
    assert swath_from_width(30.0).spacing_m == 30.0
    assert swath_from_width(30.0, 0.5).spacing_m == 15.0
    with pytest.raises(ValueError, match="side_overlap"):
        swath_from_camera(Camera(), 60.0, side_overlap=1.0)
    with pytest.raises(ValueError, match="sensing_width_m"):
        swath_from_width(0.0)
    with pytest.raises(ValueError, match="spacing_m"):
        Swath(spacing_m=40.0, sensed_width_m=30.0)


def test_footprint_along_track_and_lane_inset():
    camera_swath = swath_from_camera(Camera(), 60.0, side_overlap=0.7, forward_overlap=0.8)
    assert camera_swath.footprint_along_m == pytest.approx(60.0)  # image height on the ground
    assert camera_swath.lane_inset_m == pytest.approx(30.0 - 12.0)
    strip = swath_from_width(30.0, 0.5)
    assert strip.footprint_along_m == 30.0 and strip.lane_inset_m == 15.0
    assert swath_from_width(30.0, along_track_m=0.0).lane_inset_m == 0.0
    low_overlap = swath_from_camera(Camera(), 60.0, forward_overlap=0.4)
    assert low_overlap.lane_inset_m == 0.0  # images too far apart to stop short of the edge
    with pytest.raises(ValueError, match="along_track_m"):
        Swath(spacing_m=30.0, sensed_width_m=30.0, along_track_m=-1.0)
