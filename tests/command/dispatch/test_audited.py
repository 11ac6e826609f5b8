"""Commands that steer a flying drone go through AuditedFleet: checked, sent, audited."""

from __future__ import annotations

import math

import pytest

from command.dispatch import AuditedFleet, NotAudited, OutsideLimits
from command.link import CommandRefused
from command.storage import CommandResult, list_audit
from missions.items import Frame, Mission, MissionItem
from simulator import geo
from tests.command.dispatch.conftest import home_of, square

pytestmark = pytest.mark.timeout(180)


def test_steering_commands_are_checked_sent_and_audited(flying, db) -> None:
    fleet, _, (name,) = flying
    pilot = AuditedFleet(fleet, db, actor="web:officer1")
    home = home_of(fleet, name)

    # refused here, before anything is sent: the aircraft stays on the ground, disarmed
    with pytest.raises(OutsideLimits, match="120 m"):
        pilot.go_to(name, home.latitude_deg, home.longitude_deg, 150.0)
    with pytest.raises(OutsideLimits, match="speed"):
        pilot.change_speed(name, 45.0)
    assert fleet.snapshot(name).armed is False

    pilot.set_parameter(name, "WPNAV_SPEED", 600.0)
    pilot.set_mode(name, "GUIDED")
    pilot.arm(name)
    pilot.takeoff(name, 20.0)
    up = fleet.wait_for(name, lambda s: (s.altitude_relative_m or 0) > 18, 60)
    assert up is not None, fleet.snapshot(name)

    lat, lon = geo.destination(home.latitude_deg, home.longitude_deg, 80.0, 40.0)
    pilot.change_speed(name, 6.0)
    pilot.go_to(name, lat, lon, 30.0)
    there = fleet.wait_for(
        name,
        lambda s: (
            math.hypot(*geo.offset_m(lat, lon, s.latitude_deg or 0, s.longitude_deg or 0)) < 5
            and abs((s.altitude_relative_m or 0) - 30) < 2
        ),
        60,
    )
    assert there is not None

    pilot.land(name)
    assert fleet.wait_for(name, lambda s: not s.armed, 90) is not None

    audit = [(a.command, a.result, a.actor) for a in reversed(list_audit(db))]
    assert audit == [
        ("go_to", CommandResult.REFUSED, "web:officer1"),
        ("change_speed", CommandResult.REFUSED, "web:officer1"),
        ("set_parameter", CommandResult.ACCEPTED, "web:officer1"),
        ("set_mode", CommandResult.ACCEPTED, "web:officer1"),
        ("arm", CommandResult.ACCEPTED, "web:officer1"),
        ("takeoff", CommandResult.ACCEPTED, "web:officer1"),
        ("change_speed", CommandResult.ACCEPTED, "web:officer1"),
        ("go_to", CommandResult.ACCEPTED, "web:officer1"),
        ("land", CommandResult.ACCEPTED, "web:officer1"),
    ]
    refused = list_audit(db)[-1]
    assert "150 m" in refused.reason and refused.params["altitude_m"] == 150.0


def test_vehicle_refusal_is_audited_with_its_reason(flying, db) -> None:
    fleet, _, (name,) = flying
    pilot = AuditedFleet(fleet, db, actor="cli:pilot")
    with pytest.raises(CommandRefused):
        pilot.set_current_item(name, 57)  # no mission of that length on board
    (entry,) = list_audit(db)
    assert entry.command == "set_current_item" and entry.result is CommandResult.REFUSED
    assert entry.params == {"seq": 57}


def test_a_command_whose_audit_record_cannot_be_written_is_not_sent(flying, db) -> None:
    import time

    fleet, _, (name,) = flying
    before = fleet.snapshot(name).mode_name
    with pytest.raises(NotAudited, match="actor"):
        AuditedFleet(fleet, db, actor="x" * 121).set_mode(name, "GUIDED")
    pilot = AuditedFleet(fleet, db, actor="web:officer1")
    with pytest.raises(NotAudited, match="params"):
        pilot.go_to(name, math.nan, 116.9, 30.0)  # a NaN is no JSON: the record cannot be kept
    time.sleep(0.5)  # 5 s of simulated time: a command sent would have shown by now
    snap = fleet.snapshot(name)
    assert snap.mode_name == before != "GUIDED" and not snap.armed
    assert list_audit(db) == []

    home = home_of(fleet, name)
    hostile = Mission(
        home=home,
        items=(MissionItem(command=10**30, frame=Frame.MISSION), *square(home).items),
    )
    with pytest.raises(OutsideLimits, match=r"outside MAVLink's 0\.\.65535"):
        pilot.upload_mission(name, hostile, "hostile")
    (entry,) = list_audit(db)
    assert (entry.command, entry.result) == ("upload_mission", CommandResult.REFUSED)
    assert "nothing was sent" in entry.reason and entry.outcome_at is not None
    assert fleet.download_list(name)[1:] == []  # the vehicle holds no mission
