"""RTL stages, failsafe timers and the order of DO commands, with the copter stepped in
simulated time in this process (no sockets, no sleeps)."""

from __future__ import annotations

import math

from simulator.auto import MissionState
from simulator.events import CurrentChanged, ItemReached
from simulator.modes import Mode
from simulator.rtl import RtlStage
from simulator.telemetry import BUILDERS
from tests.helpers.sitl import C
from tests.simulator.stepping import REL, Stepper

WP, TAKEOFF, RTL = C.MAV_CMD_NAV_WAYPOINT, C.MAV_CMD_NAV_TAKEOFF, C.MAV_CMD_NAV_RETURN_TO_LAUNCH


def _stages(s: Stepper, seconds: float) -> list[tuple[float, RtlStage]]:
    seen: list[tuple[float, RtlStage]] = []

    def note(c) -> bool:
        stage = c.rtl.stage if c.rtl is not None else None
        if stage is not None and (not seen or seen[-1][1] is not stage):
            seen.append((s.t, stage))
        return not c.armed

    assert s.run(seconds, note)
    return seen


def test_rtl_climbs_returns_loiters_and_lands_at_home() -> None:
    s = Stepper(RTL_ALT=3000, RTL_LOIT_TIME=3000)
    c = s.airborne(15)
    c.goto(*c.lat_lon, 15)
    assert c.goto(*_north_of(c, 80), 15)
    assert s.run(60, lambda c: math.dist(c.home_ne, (c.kin.north, c.kin.east)) > 75)
    assert c.set_mode(Mode.RTL)
    stages = _stages(s, 300)
    assert [stage for _, stage in stages] == [
        RtlStage.CLIMB, RtlStage.RETURN, RtlStage.LOITER, RtlStage.LAND
    ]  # fmt: skip
    times = dict((stage, t) for t, stage in stages)
    assert times[RtlStage.LAND] - times[RtlStage.LOITER] >= 3.0 - 0.05  # RTL_LOIT_TIME
    assert "Land complete" in s.texts() and not c.armed
    assert math.dist(c.home_ne, (c.kin.north, c.kin.east)) < 1.5


def test_rtl_final_descent_stays_at_rtl_alt_final() -> None:
    s = Stepper(RTL_ALT=2000, RTL_LOIT_TIME=0, RTL_ALT_FINAL=500)
    c = s.airborne(20)
    assert c.set_mode(Mode.RTL)
    assert s.run(120, lambda c: c.rtl is not None and c.rtl.stage is RtlStage.FINAL_DESCENT)
    s.run(40)
    assert c.armed and abs(c.kin.up - 5.0) < 0.3  # it holds there; the pilot lands it


def test_gcs_failsafe_fires_after_fs_gcs_timeout_of_simulated_time() -> None:
    s = Stepper(FS_GCS_ENABLE=1, FS_GCS_TIMEOUT=5)
    c = s.airborne(10)
    c.heartbeat_from_gcs()
    last = s.t
    assert s.run(20, lambda c: c.mode is Mode.RTL)
    assert 5.0 < s.at("GCS Failsafe") - last <= 5.0 + 0.05
    assert c.failsafe.gcs
    c.heartbeat_from_gcs()
    assert not c.failsafe.gcs and "GCS Failsafe Cleared" in [e.text for e in c.outbox]
    assert c.mode is Mode.RTL  # the mode is not given back when the link returns


def test_gcs_failsafe_on_the_ground_disarms() -> None:
    s = Stepper(FS_GCS_ENABLE=1, FS_GCS_TIMEOUT=3, DISARM_DELAY=0)
    c = s.ready()
    assert c.set_mode(Mode.GUIDED) and c.arm() is None
    c.heartbeat_from_gcs()
    assert s.run(10, lambda c: not c.armed)
    assert "GCS Failsafe - Disarming" in s.texts()


def test_mission_do_commands_run_one_after_another_while_the_copter_flies() -> None:
    s = Stepper()
    s.mission(
        (REL, TAKEOFF, (), 0, 0, 15),  # 1
        (REL, WP, (), 40, 0, 15),  # 2
        (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_CHANGE_SPEED, (1, 4), 0, 0, 0),  # 3
        (C.MAV_FRAME_MISSION, C.MAV_CMD_CONDITION_DELAY, (6,), 0, 0, 0),  # 4
        (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_SET_CAM_TRIGG_DIST, (10,), 0, 0, 0),  # 5
        (REL, WP, (), 40, 120, 15),  # 6
        (REL, RTL, (), 0, 0, 0),  # 7
    )
    c = s.ready()
    assert c.set_mode(Mode.GUIDED) and c.arm() is None
    assert c.start_mission()
    assert s.run(400, lambda c: not c.armed)
    starts = [text for text in s.texts() if text.startswith("Mission: ")]
    assert starts == [
        "Mission: 1 Takeoff", "Mission: 2 WP", "Mission: 3 ChangeSpeed", "Mission: 6 WP",
        "Mission: 4 CondDelay", "Mission: 5 SetCamTrigDst", "Mission: 7 RTL",
    ]  # fmt: skip
    # The first DO starts with the next waypoint; the delay holds back the DO after it by
    # 6 s of simulated time, not the flight.
    assert s.at("Mission: 3 ChangeSpeed") == s.at("Mission: 6 WP")
    held = s.at("Mission: 5 SetCamTrigDst") - s.at("Mission: 4 CondDelay")
    assert 6.0 <= held <= 6.0 + 3 * 0.04
    reached = [ev.seq for _, ev in s.events if isinstance(ev, ItemReached)]
    assert reached == [1, 2, 3, 4, 6, 7]  # the camera trigger is completed by the mission itself
    assert c.camera.image_index > 3  # the distance trigger fired along the second leg
    assert "Mission complete" not in s.texts()


def test_mission_end_in_the_air_holds_and_reports_item_zero() -> None:
    s = Stepper()
    s.mission((REL, TAKEOFF, (), 0, 0, 12), (REL, WP, (), 20, 0, 12))
    c = s.ready()
    assert c.set_mode(Mode.GUIDED) and c.arm() is None and c.start_mission()
    assert s.run(120, lambda c: c.auto.state is MissionState.COMPLETE)
    assert c.auto.current_seq == 0
    current = BUILDERS["MISSION_CURRENT"](c, C.MAVLink(None), s.t)
    assert (current.seq, current.total, current.mission_state) == (0, 2, C.MISSION_STATE_COMPLETE)
    assert [ev.seq for _, ev in s.events if isinstance(ev, CurrentChanged)][-1] == 0
    where = (c.kin.north, c.kin.east)
    s.run(10)
    assert c.armed and math.dist(where, (c.kin.north, c.kin.east)) < 3.0  # holding there (gusts)


def test_jump_repeats_then_a_jump_outside_the_mission_ends_it() -> None:
    s = Stepper()
    s.mission(
        (REL, TAKEOFF, (), 0, 0, 10),  # 1
        (REL, WP, (), 15, 0, 10),  # 2
        (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_JUMP, (2, 2), 0, 0, 0),  # 3: two more times
        (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_JUMP, (40, 1), 0, 0, 0),  # 4: no such item
        (REL, WP, (), 0, 15, 10),  # 5: never flown
    )
    c = s.ready()
    assert c.set_mode(Mode.GUIDED) and c.arm() is None and c.start_mission()
    assert s.run(200, lambda c: c.auto.state is MissionState.COMPLETE)
    reached = [ev.seq for _, ev in s.events if isinstance(ev, ItemReached)]
    assert reached == [1, 2, 2, 2]


def _north_of(c, metres: float) -> tuple[float, float]:
    from simulator import geo

    return geo.destination(*c.lat_lon, metres, 0.0)
