"""What the simulated vehicle keeps of uploaded mission items, as ArduCopter's AP_Mission does."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.mission_storage import Wire, f32, keep
from tests.helpers.sitl import C

LAT, LON = 366425000, 1169275000
ABS, REL_INT, MISSION_FRAME = C.MAV_FRAME_GLOBAL, C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, 2


def _kept(command: int, params=(0, 0, 0, 0), frame=REL_INT, x=LAT, y=LON, z=25.0, ints=True):
    padded = (*params, 0.0, 0.0, 0.0, 0.0)[:4]
    result, kept = keep(Wire(command, frame, padded, x, y, z, ints))
    assert kept is not None, result
    return kept


def test_positional_items_keep_position_frame_family_and_centimetres() -> None:
    k = _kept(C.MAV_CMD_NAV_WAYPOINT, (2.9, 5, 7, 90), z=25.1234)
    assert (k.frame, k.x, k.y) == (C.MAV_FRAME_GLOBAL_RELATIVE_ALT, LAT, LON)
    assert k.params == (2, 0, 0, 0)  # copter keeps the whole-second delay only
    assert k.z == f32(2512 * f32(0.01))  # truncated to the centimetre
    assert _kept(C.MAV_CMD_NAV_WAYPOINT, frame=MISSION_FRAME).frame == ABS  # MISSION = absolute
    assert _kept(C.MAV_CMD_NAV_WAYPOINT, frame=11).frame == C.MAV_FRAME_GLOBAL_TERRAIN_ALT


def test_items_without_a_position_read_back_with_frame_zero_and_no_xyz() -> None:
    rtl = _kept(C.MAV_CMD_NAV_RETURN_TO_LAUNCH, (1, 2, 3, 4), frame=REL_INT, z=30)
    assert (rtl.frame, rtl.x, rtl.y, rtl.z, rtl.params) == (0, 0, 0, 0.0, (0, 0, 0, 0))
    speed = _kept(C.MAV_CMD_DO_CHANGE_SPEED, (1.7, 7.25, -1, 9), frame=MISSION_FRAME)
    assert (speed.frame, speed.params) == (0, (1, 7.25, -1, 0))
    cam = _kept(C.MAV_CMD_DO_DIGICAM_CONTROL, (0, 0, 0, 0), x=1, y=300)
    assert (cam.x, cam.y) == (1, 255)  # plain uint8 fields, saturated


def test_arducopters_own_view_of_unused_parameters() -> None:
    assert _kept(C.MAV_CMD_NAV_LAND, (0, 0, 0, 0)).params == (0, 0, 0, 1)
    assert _kept(C.MAV_CMD_NAV_LAND, (0, 0, 0, math.nan)).params == (0, 0, 0, 1)
    assert _kept(C.MAV_CMD_NAV_LAND, (0, 0, 0, -0.5)).params == (0, 0, 0, -1)
    assert _kept(C.MAV_CMD_NAV_LOITER_TIME, (30.5, 0, 0, 0)).params == (30, 0, 1, 0)
    assert _kept(C.MAV_CMD_NAV_LOITER_TURNS, (2.5, 0, -40.7, 1)).params == (2, 0, -40, 1)
    assert _kept(C.MAV_CMD_NAV_LOITER_TURNS, (1, 0, 1234, 0)).params == (1, 0, 1230, 0)
    assert _kept(C.MAV_CMD_DO_JUMP, (3, -1)).params == (3, -1, 0, 0)  # -1: forever


@pytest.mark.parametrize(
    ("params", "z", "result"),
    [
        ((math.nan, 0, 0, 0), 10.0, C.MAV_MISSION_INVALID_PARAM1),
        ((0, math.inf, 0, 0), 10.0, C.MAV_MISSION_INVALID_PARAM2),
        ((0, 0, 0, math.nan), 10.0, C.MAV_MISSION_ACCEPTED),  # a waypoint's yaw may be NaN
        ((0, 0, 0, 0), 83_000.0, C.MAV_MISSION_INVALID_PARAM7),
        ((0, 0, 0, 0), math.nan, C.MAV_MISSION_INVALID_PARAM7),
    ],
)
def test_bad_numbers_are_refused_with_the_parameter_named(params, z, result) -> None:
    assert keep(Wire(C.MAV_CMD_NAV_WAYPOINT, REL_INT, params, LAT, LON, z))[0] == result


def test_frames_commands_and_positions_refused_as_arducopter_refuses_them() -> None:
    assert keep(Wire(16, C.MAV_FRAME_LOCAL_NED, (0, 0, 0, 0), 0, 0, 0))[0] == (
        C.MAV_MISSION_UNSUPPORTED_FRAME
    )
    assert keep(Wire(31000, REL_INT, (0, 0, 0, 0), 0, 0, 0))[0] == C.MAV_MISSION_UNSUPPORTED
    assert keep(Wire(16, REL_INT, (0, 0, 0, 0), 910_000_000, 0, 0))[0] == (
        C.MAV_MISSION_INVALID_PARAM5_X
    )
    # Legacy MISSION_ITEM: degrees; 95° is refused before anything is stored.
    assert keep(Wire(16, REL_INT, (0, 0, 0, 0), 95.0, 0.0, 0, False))[0] == (
        C.MAV_MISSION_INVALID_PARAM5_X
    )


def test_legacy_mission_item_positions_pass_through_float32_degrees() -> None:
    k = _kept(C.MAV_CMD_NAV_WAYPOINT, x=36.6425123, y=116.9275456, ints=False)
    assert abs(k.x - 366425123) <= 40 and abs(k.y - 1169275456) <= 80  # float32 resolution
    assert k.x != 366425123 or k.y != 1169275456


@given(
    st.sampled_from([16, 19, 21, 22, 178, 183, 201, 206, 2000]),
    st.lists(st.floats(-1e6, 1e6, width=32), min_size=4, max_size=4),
    st.floats(-1000, 1000, width=32),
)
def test_what_is_kept_reads_back_unchanged_when_uploaded_again(command, params, z) -> None:
    first = _kept(command, params, z=z)
    again = _kept(command, first.params, frame=first.frame or ABS, x=first.x, y=first.y, z=first.z)
    assert again.params == first.params
    # Read back as centimetres × 0.01f, an altitude can land a hair below its centimetre, and
    # truncating it again loses that centimetre (ArduPilot does the same on a re-upload).
    assert abs(again.z - first.z) <= 0.01 + 1e-4
