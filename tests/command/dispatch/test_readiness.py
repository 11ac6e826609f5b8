"""The battery check before a sortie: the vehicle's reported charge against the planner's
estimate, calibrated by what the vehicle measured on its past sorties (real SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from command.dispatch import (
    Calibration,
    battery_calibration,
    battery_check,
    planned_battery_pct,
    vehicle_problems,
)
from command.link import LinkState, VehicleSnapshot
from command.storage import Database, close_sortie, open_sortie, save_mission
from missions.checks import Limits
from missions.items import Position
from tests.command.dispatch.conftest import square

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HOME = Position(36.6425, 116.9275, 30.0)
READY = VehicleSnapshot(
    "d1",
    link=LinkState.OK,
    latitude_deg=HOME.latitude_deg,
    longitude_deg=HOME.longitude_deg,
    altitude_relative_m=0.0,
    battery_remaining_pct=100,
    battery_voltage_v=16.8,
    gps_fix_type=3,
)


def _flown(db, outcome: str, estimated: float, start: float, end: float, n: int) -> None:
    mission = save_mission(
        db, name=f"m{n}", home_latitude_deg=HOME.latitude_deg,
        home_longitude_deg=HOME.longitude_deg, home_altitude_m=30, cruise_speed_mps=8,
        items=[], now=NOW,
    )  # fmt: skip
    at = NOW + timedelta(hours=n)
    sortie = open_sortie(
        db, mission_id=mission.id, vehicle_name="d1", now=at,
        battery_start_pct=start, estimated_battery_pct=estimated,
    )  # fmt: skip
    close_sortie(db, sortie.id, outcome, "", at + timedelta(minutes=9), battery_end_pct=end)


def test_the_calibration_is_the_measured_over_the_estimated_use_of_completed_sorties(
    db: Database, d1: str
) -> None:
    assert battery_calibration(db, "d1") == Calibration(1.0, 0)
    assert battery_calibration(db, "never-flown") == Calibration(1.0, 0)
    _flown(db, "completed", estimated=16.0, start=100.0, end=33.0, n=1)  # the planner said 16 %
    _flown(db, "completed", estimated=10.0, start=90.0, end=48.0, n=2)
    _flown(db, "aborted", estimated=20.0, start=90.0, end=85.0, n=3)  # not a whole flight
    _flown(db, "completed", estimated=10.0, start=90.0, end=89.9, n=4)  # a bad record: ignored
    calibration = battery_calibration(db, "d1")
    assert calibration.sorties == 2
    assert calibration.factor == pytest.approx((67.0 + 42.0) / (16.0 + 10.0))


def test_a_second_sortie_is_refused_when_the_calibrated_need_exceeds_the_charge(
    db: Database, d1: str
) -> None:
    mission = square(HOME, side_m=300)
    limits = Limits()
    planned = planned_battery_pct(mission, limits)
    assert 5 < planned < 30
    fresh = battery_check(mission, READY, limits, 25.0, Calibration())
    assert fresh.problems == () and fresh.needed_pct == pytest.approx(planned)
    _flown(db, "completed", estimated=16.0, start=100.0, end=33.0, n=1)  # drained 4.2× the plan
    calibration = battery_calibration(db, "d1")
    after = battery_check(mission, READY, limits, 25.0, calibration)
    assert after.needed_pct == pytest.approx(planned * 67.0 / 16.0)
    half = VehicleSnapshot(**{**_fields(READY), "battery_remaining_pct": 70})
    refused = battery_check(mission, half, limits, 25.0, calibration)
    (problem,) = refused.problems
    assert "the vehicle reports 70%" in problem and "× 4.19 measured on 1 past sortie" in problem


def test_a_vehicle_that_reports_no_charge_cannot_start() -> None:
    silent = VehicleSnapshot(**{**_fields(READY), "battery_remaining_pct": None})
    assert any("no battery charge" in p for p in vehicle_problems(silent))
    check = battery_check(square(HOME), silent, Limits(), 25.0, Calibration())
    assert any("cannot be checked" in p for p in check.problems)
    assert vehicle_problems(READY) == []


def _fields(snap: VehicleSnapshot) -> dict:
    return {f: getattr(snap, f) for f in snap.__dataclass_fields__}
