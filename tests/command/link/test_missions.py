"""Mission, fence and rally transfer against the real simulator."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from command.link import (
    FENCE,
    MISSION,
    RALLY,
    Fleet,
    LinkState,
    MissionUploadError,
    first_difference,
)
from command.link.mission_wire import mission_items
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
from tests.helpers.sitl import sitl

LAT, LON = 33.5, 119.1  # near the world's origin is not required: items are only stored


def _mission(n: int, home: Position | None = None) -> Mission:
    home = home or Position(LAT, LON, 10.0)
    items = [MissionItem(Cmd.NAV_TAKEOFF, Frame.GLOBAL_RELATIVE_ALT, altitude_m=20.0)]
    items.append(MissionItem(Cmd.DO_CHANGE_SPEED, Frame.MISSION, param1=1, param2=7.3, param3=-1))
    for i in range(n - 3):
        a = i * 0.1
        items.append(
            MissionItem(
                Cmd.NAV_WAYPOINT,
                latitude_deg=LAT + 0.001 * math.cos(a) + 1.23456789e-5,
                longitude_deg=LON + 0.001 * math.sin(a),
                altitude_m=30.0 + 0.1 * i,
                param1=0.3,
            )
        )
    items.append(MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.GLOBAL_RELATIVE_ALT))
    fence = Fence(
        polygons=(
            FencePolygon(
                (
                    (LAT - 0.01, LON - 0.01),
                    (LAT - 0.01, LON + 0.01),
                    (LAT + 0.01, LON + 0.01),
                    (LAT + 0.01, LON - 0.01),
                ),
                True,
            ),
        ),
        circles=(FenceCircle(LAT + 0.002, LON, 50.0, False),),
    )
    rally = (Position(LAT + 0.003, LON + 0.003, 25.0), Position(LAT - 0.003, LON, 30.0))
    return Mission(home=home, items=tuple(items), fence=fence, rally=rally)


def test_upload_verify_and_download_equal(fleet: Fleet) -> None:
    mission = _mission(12)
    report = fleet.upload_mission("d1", mission)
    assert (report.mission_items, report.fence_items, report.rally_items) == (12, 5, 2)
    got = fleet.download_list("d1", MISSION)
    assert len(got) == 13
    # The vehicle's copy, as ArduCopter keeps it: no frame for commands without a position,
    # whole-second waypoint delays, centimetre altitudes; the verification accepted exactly that.
    assert first_difference(mission_items(mission), got, MISSION) is None
    speed, rtl = got[2], got[-1]
    assert (speed.frame, speed.param1, speed.param2, speed.param3) == (0, 1, pytest.approx(7.3), -1)
    assert (rtl.frame, rtl.command) == (0, Cmd.NAV_RETURN_TO_LAUNCH)
    for sent, back in zip(mission.items[2:-1], got[3:-1], strict=True):
        assert back.param1 == 0  # 0.3 s of hold: ArduCopter keeps whole seconds
        assert back.x == round(sent.latitude_deg * 1e7) and back.y == round(
            sent.longitude_deg * 1e7
        )
        assert abs(back.z - sent.altitude_m) < 0.01
    fence = fleet.download_list("d1", FENCE)
    assert [i.command for i in fence] == [5001] * 4 + [5004]
    rally = fleet.download_list("d1", RALLY)
    assert [round(i.to_mission_item().altitude_m) for i in rally] == [25, 30]
    assert fleet.wait_for("d1", lambda s: s.mission_total == 12, 5) is not None  # home not counted


def test_error_ack_is_typed_and_old_mission_stays(fleet: Fleet) -> None:
    fleet.upload_mission("d1", _mission(5))
    bad = _mission(6)
    items = list(bad.items)
    items[2] = MissionItem(31000, Frame.GLOBAL_RELATIVE_ALT, latitude_deg=LAT, longitude_deg=LON)
    with pytest.raises(MissionUploadError) as err:
        fleet.upload_mission("d1", Mission(bad.home, tuple(items), bad.fence, bad.rally))
    assert err.value.result == 3  # MAV_MISSION_UNSUPPORTED
    assert (err.value.mission_type, err.value.seq) == (MISSION, 3)
    assert "UNSUPPORTED" in str(err.value)
    assert len(fleet.download_list("d1", MISSION)) == 6  # the old one: home + 5


@pytest.mark.slow
def test_200_items_under_20_percent_loss(tmp_path: Path) -> None:
    with sitl(tmp_path, speedup=10, extra=["--loss", "20"]) as s, Fleet() as fleet:
        fleet.connect("d1", s.url(0))
        assert fleet.wait_for("d1", lambda x: x.link is LinkState.OK, 20) is not None
        mission = _mission(200)
        report = fleet.upload_mission("d1", mission)  # verified by reading it back
        assert report.mission_items == 200
