"""The sortie tracker's decisions from snapshots, with time passed in (no vehicle needed)."""

from __future__ import annotations

from dataclasses import replace

from command.dispatch import SortieTracker
from command.link import LinkState, StatusText, VehicleSnapshot

BASE = VehicleSnapshot(
    name="d1",
    link=LinkState.OK,
    latitude_deg=36.6,
    longitude_deg=116.9,
    altitude_relative_m=0.0,
    battery_remaining_pct=90,
    mode_name="AUTO",
    armed=True,
    mission_seq=1,
    mission_total=7,
    mission_state=3,
)


def _fly(tracker: SortieTracker, **changes) -> None:
    tracker.observe(replace(BASE, altitude_relative_m=20.0, **changes), 1.0)


def test_lost_link_ends_the_sortie_as_lost() -> None:
    t = SortieTracker(7, True, 25, 0.0)
    _fly(t)
    d = t.observe(replace(BASE, link=LinkState.LOST, mission_seq=3), 2.0)
    assert d.outcome == "lost" and "item 3/6" in d.reason


def test_low_battery_commands_one_return_and_ends_as_failsafe() -> None:
    t = SortieTracker(7, True, 25, 0.0)
    _fly(t)
    d = t.observe(replace(BASE, altitude_relative_m=20.0, battery_remaining_pct=24), 2.0)
    assert d.command_return and "24%" in (d.event or "")
    again = t.observe(
        replace(BASE, altitude_relative_m=20.0, battery_remaining_pct=23, mode_name="RTL"), 3.0
    )
    assert not again.command_return and again.outcome is None
    end = t.observe(replace(BASE, armed=False, battery_remaining_pct=20, mode_name="RTL"), 9.0)
    assert end.outcome == "failsafe" and t.battery_used_pct == 70


def test_vehicle_failsafe_is_recorded_with_its_reason() -> None:
    t = SortieTracker(7, True, 25, 0.0)
    _fly(t)
    announced = StatusText(1.9, 4, "GCS Failsafe")
    d = t.observe(
        replace(BASE, altitude_relative_m=20.0, mode_name="RTL", time_s=2.0,
                status_text="GCS Failsafe", failsafe_text=announced),
        2.0,
    )  # fmt: skip
    assert not d.command_return and "GCS Failsafe" in (d.event or "")
    end = t.observe(replace(BASE, armed=False, mode_name="RTL"), 9.0)
    assert end.outcome == "failsafe" and "GCS Failsafe" in end.reason


def test_completion_needs_the_last_item_and_landing() -> None:
    t = SortieTracker(7, True, 25, 0.0)
    _fly(t)
    early = t.observe(replace(BASE, armed=False, mission_seq=4), 5.0)
    assert early.outcome == "failed" and "before the mission completed" in early.reason
    t2 = SortieTracker(7, True, 25, 0.0)
    _fly(t2)
    done = t2.observe(replace(BASE, armed=False, last_reached_seq=6, mission_state=5), 5.0)
    assert done.outcome == "completed"


def test_never_taking_off_fails_after_the_grace_period() -> None:
    t = SortieTracker(7, True, 25, 0.0)
    assert t.observe(replace(BASE, armed=False), 5.0).outcome is None
    assert t.observe(replace(BASE, armed=False), 16.0).outcome == "failed"


def test_abort_commands_return_once() -> None:
    t = SortieTracker(7, True, 25, 0.0)
    _fly(t)
    t.request_abort("officer")
    assert t.observe(replace(BASE, altitude_relative_m=20.0), 2.0).command_return
    assert not t.observe(
        replace(BASE, altitude_relative_m=20.0, mode_name="RTL"), 3.0
    ).command_return
    assert t.observe(replace(BASE, armed=False, mode_name="RTL"), 9.0).outcome == "aborted"
