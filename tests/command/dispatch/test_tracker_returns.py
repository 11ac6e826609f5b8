"""The tracker with what ArduCopter reports: item 0 after the end, failsafe texts around a
return, and returns another ground station or the RC asked for."""

from __future__ import annotations

from dataclasses import replace

from command.dispatch import SortieTracker
from command.link import LinkState, StatusText, VehicleSnapshot

ACTIVE, COMPLETE, NOT_STARTED = 3, 5, 1
FLYING = VehicleSnapshot(
    name="d1",
    link=LinkState.OK,
    latitude_deg=36.6,
    longitude_deg=116.9,
    altitude_relative_m=25.0,
    battery_remaining_pct=80,
    mode_name="AUTO",
    armed=True,
    mission_seq=3,
    mission_total=19,  # ArduCopter's total: home not counted
    mission_state=ACTIVE,
)


def test_progress_after_the_end_reads_all_items_not_item_zero() -> None:
    t = SortieTracker(20, True, 25, 0.0)  # 19 items + home
    t.observe(FLYING, 1.0)
    assert t.progress(FLYING) == (3, 19)
    end = replace(FLYING, mission_seq=0, mission_state=COMPLETE, last_reached_seq=19)
    t.observe(end, 2.0)
    assert t.progress(end) == (19, 19)
    assert end.mission_progress == (19, 19)  # the snapshot's own reading, for displays
    landed = t.observe(replace(end, armed=False, altitude_relative_m=0.0), 9.0)
    assert landed.outcome == "completed"


def test_figures_left_from_an_earlier_flight_do_not_complete_a_new_sortie() -> None:
    t = SortieTracker(20, False, 25, 0.0)
    stale = replace(FLYING, mission_seq=0, mission_state=COMPLETE, last_reached_seq=19)
    d = t.observe(replace(stale, altitude_relative_m=0.0, mode_name="GUIDED"), 0.5)
    assert not d.command_return and not t.complete
    t.observe(replace(FLYING, mission_seq=1, last_reached_seq=None), 1.0)
    assert not t.complete and t.progress(FLYING) == (3, 19)


def test_rtl_from_another_ground_station_is_not_a_failsafe() -> None:
    t = SortieTracker(20, True, 25, 0.0)
    t.observe(FLYING, 1.0)
    d = t.observe(replace(FLYING, mode_name="RTL", time_s=2.0, status_text="Mission: 3 WP"), 2.0)
    assert not d.command_return and "another ground station or the RC" in (d.event or "")
    later = t.observe(replace(FLYING, mode_name="RTL", time_s=8.0), 8.0)
    assert later.outcome is None
    end = t.observe(replace(FLYING, mode_name="RTL", armed=False, altitude_relative_m=0.0,
                            time_s=40.0), 40.0)  # fmt: skip
    assert end.outcome == "aborted"
    assert end.reason == "RTL: returned by another ground station or the RC"


def test_failsafe_text_just_after_the_mode_change_still_makes_it_a_failsafe() -> None:
    t = SortieTracker(20, True, 25, 0.0)
    t.observe(FLYING, 1.0)
    t.observe(replace(FLYING, mode_name="RTL", time_s=2.0), 2.0)
    text = StatusText(2.4, 4, "Battery Failsafe")
    d = t.observe(replace(FLYING, mode_name="RTL", time_s=2.5, failsafe_text=text), 2.5)
    assert d.event == "vehicle failsafe: Battery Failsafe"
    end = t.observe(replace(FLYING, mode_name="RTL", armed=False, altitude_relative_m=0.0,
                            time_s=30.0, failsafe_text=text), 30.0)  # fmt: skip
    assert end.outcome == "failsafe" and end.reason == "RTL: Battery Failsafe"


def test_an_old_failsafe_text_does_not_explain_a_later_return() -> None:
    t = SortieTracker(20, True, 25, 0.0)
    old = StatusText(100.0, 4, "GCS Failsafe")
    t.observe(replace(FLYING, time_s=101.0, failsafe_text=old), 101.0)
    d = t.observe(replace(FLYING, mode_name="LAND", time_s=160.0, failsafe_text=old), 160.0)
    assert "another ground station" in (d.event or "")


def test_lost_link_after_the_end_names_the_last_item_not_the_start() -> None:
    t = SortieTracker(20, True, 25, 0.0)
    t.observe(FLYING, 1.0)
    end = replace(FLYING, mission_seq=0, mission_state=COMPLETE, last_reached_seq=19)
    t.observe(end, 2.0)
    lost = t.observe(replace(end, link=LinkState.LOST), 9.0)
    assert lost.outcome == "lost" and "item 19/19" in lost.reason
