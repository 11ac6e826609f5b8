"""The read-back comparison: what ArduCopter keeps is accepted, a real difference is caught."""

from __future__ import annotations

from dataclasses import replace

from command.link import MISSION, RALLY, WireItem, first_difference
from command.link.mission_wire import mission_items
from missions.items import Cmd, Frame, Mission, MissionItem, Position

HOME = Position(36.6425, 116.9275, 30.0)
LAT, LON = 366435000, 1169285000


def _sent() -> list[WireItem]:
    items = (
        MissionItem(Cmd.NAV_TAKEOFF, Frame.GLOBAL_RELATIVE_ALT, altitude_m=20.0),
        MissionItem(Cmd.DO_CHANGE_SPEED, Frame.MISSION, param1=1, param2=7.3, param3=-1),
        MissionItem(Cmd.NAV_WAYPOINT, 6, param1=2.5, param2=3,  # 6: GLOBAL_RELATIVE_ALT_INT
                    param4=float("nan"), latitude_deg=36.6435, longitude_deg=116.9285,
                    altitude_m=25.125),
        MissionItem(Cmd.NAV_LAND, Frame.GLOBAL_RELATIVE_ALT, latitude_deg=36.6435,
                    longitude_deg=116.9285),
        MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION),
    )  # fmt: skip
    return mission_items(Mission(home=HOME, items=items))


def _arducopter_read_back() -> list[WireItem]:
    """What ArduCopter 4.7 returns for _sent(): frame 0 and zeros where it keeps nothing."""
    home = WireItem(0, 0, 16, x=366425000, y=1169275000, z=30.0)
    return [
        home,
        WireItem(1, 3, 22, z=20.0),
        WireItem(2, 0, 178, 1.0, 7.300000190734863, -1.0, 0.0),
        WireItem(3, 3, 16, 2.0, 0.0, 0.0, 0.0, LAT, LON, 25.1200008392334),
        WireItem(4, 3, 21, 0.0, 0.0, 0.0, 1.0, LAT, LON, 0.0),
        WireItem(5, 0, 20),
    ]


def test_arducopters_read_back_of_do_items_and_rtl_with_frame_zero_is_accepted() -> None:
    assert first_difference(_sent(), _arducopter_read_back(), MISSION) is None


def test_a_changed_kept_parameter_position_altitude_frame_or_command_is_caught() -> None:
    good = _arducopter_read_back()
    cases = {
        2: (replace(good[2], param2=5.0), "item 2: param2"),
        3: (replace(good[3], x=LAT + 5), "item 3: position"),
        4: (replace(good[4], frame=0), "item 4: frame 0, uploaded 3"),
        1: (replace(good[1], z=19.5), "item 1: altitude"),
        5: (replace(good[5], command=21), "item 5: command 21"),
    }
    for seq, (bad, why) in cases.items():
        got = list(good)
        got[seq] = bad
        message = first_difference(_sent(), got, MISSION)
        assert message is not None and message.startswith(why), (seq, message)


def test_a_command_it_cannot_judge_is_compared_in_full() -> None:
    sent = [WireItem(0, 0, 16), WireItem(1, 3, 31010, 1.5, 2.0, 0, 0, LAT, LON, 10.0)]
    assert first_difference(sent, list(sent), MISSION) is None
    got = [sent[0], replace(sent[1], param1=1.0)]
    assert (first_difference(sent, got, MISSION) or "").startswith("item 1: param1")


def test_rally_altitudes_are_kept_in_whole_metres() -> None:
    sent = [WireItem(0, 6, 5100, x=LAT, y=LON, z=30.6, mission_type=RALLY)]
    assert first_difference(sent, [replace(sent[0], frame=3, z=30.0)], RALLY) is None
    assert first_difference(sent, [replace(sent[0], z=25.0)], RALLY) is not None
    assert first_difference(sent, [replace(sent[0], frame=0, z=30.0)], RALLY) is not None
