"""What the checker passes goes on the wire: every item without a wire finding is encoded by the
command side (command.link.mission_wire) and packed by pymavlink as a MISSION_ITEM_INT; every item
pymavlink cannot pack has one."""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from command.link.mission_wire import mission_items
from missions.commands import wire_problems
from missions.items import Mission, MissionItem, Position

HOME = Position(36.65, 116.93, 30.0)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-400.0, 400.0),
    st.sampled_from([0.0, -1.0, 1e39, -1e39, 3.4e38, 214.7483647, 214.7483648]),
)
items = st.builds(
    MissionItem,
    command=st.one_of(st.integers(-5, 70_000), st.sampled_from([16, 20, 22, 178, 201])),
    frame=st.one_of(st.integers(-2, 300), st.sampled_from([0, 2, 3, 5, 6, 10, 11])),
    param1=numbers,
    param2=numbers,
    param3=numbers,
    param4=numbers,
    latitude_deg=numbers,
    longitude_deg=numbers,
    altitude_m=numbers,
    autocontinue=st.booleans(),
)


def packs(item: MissionItem) -> bool:
    wire = mission_items(Mission(HOME, (item,)))[1]
    message = mavlink.MAVLink_mission_item_int_message(
        1, 1, wire.seq, wire.frame, wire.command, 0, wire.autocontinue, wire.param1,
        wire.param2, wire.param3, wire.param4, wire.x, wire.y, wire.z, wire.mission_type,
    )  # fmt: skip
    message.pack(mavlink.MAVLink(None, srcSystem=255))
    return True


@settings(max_examples=200, deadline=None, derandomize=True)
@given(item=items)
def test_an_item_without_wire_findings_packs_and_one_that_does_not_pack_has_one(item):
    problems = wire_problems(item)
    try:
        packed = packs(item)
    except (struct.error, ValueError, OverflowError, TypeError) as exc:
        packed = False
        assert problems, f"{item} passed the check but does not pack: {exc}"
    if not problems:
        assert packed
        for value in (item.param1, item.param2, item.param3, item.param4, item.altitude_m):
            assert math.isnan(value) or math.isfinite(value)
