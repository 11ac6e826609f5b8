"""Is a vehicle fit to start a sortie? Read from its snapshot (and its own battery figures of
past sorties), before anything is sent to it.

The endurance check lives in one function, `battery_check`: it asks the planner's estimate
(`missions.estimate`) for the share of a full pack the mission takes, scales it by what this
vehicle measured on its past sorties, and compares with the charge the vehicle reports now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from command.dispatch.tracker import ground_distance_m
from command.link import LinkState, VehicleSnapshot
from command.storage import Database, NotFoundError, SortieOutcome, list_sorties
from missions.checks import Limits
from missions.estimate import estimate_flight
from missions.items import Mission

MIN_START_BATTERY_PCT = 60
"""A sortie does not start on a pack below this charge."""
CALIBRATION_SORTIES = 10
"""How many recent completed sorties of a vehicle calibrate the planner's battery estimate."""
CALIBRATION_RANGE = (0.25, 10.0)
"""Measured/estimated ratios outside this range are taken as bad records and ignored."""


def vehicle_problems(
    snap: VehicleSnapshot, min_battery_pct: float = MIN_START_BATTERY_PCT
) -> list[str]:
    """Reasons the vehicle cannot start a sortie now (empty when it can)."""
    problems = []
    if snap.link is not LinkState.OK:
        problems.append(f"link is {snap.link.value}")
        return problems
    if snap.armed:
        problems.append("vehicle is armed (already flying a sortie?)")
    if (snap.altitude_relative_m or 0.0) > 2.0:
        problems.append(f"vehicle is {snap.altitude_relative_m:.0f} m above home, not landed")
    if not snap.has_position or snap.gps_fix_type < 3:
        problems.append("no position estimate / 3D GPS fix yet")
    if snap.battery_remaining_pct is None:
        problems.append("the vehicle reports no battery charge: the endurance cannot be checked")
    elif snap.battery_remaining_pct < min_battery_pct:
        problems.append(
            f"battery {snap.battery_remaining_pct}% below {min_battery_pct:.0f}% to start"
        )
    return problems


@dataclass(frozen=True)
class Calibration:
    """Measured battery use / the planner's estimate, over `sorties` past sorties (1.0: none)."""

    factor: float = 1.0
    sorties: int = 0


@dataclass(frozen=True)
class BatteryCheck:
    """The mission's battery need against the vehicle's charge (percentages of a full pack)."""

    planned_pct: float  # the planner's figure
    needed_pct: float  # planned × calibration
    remaining_pct: float | None  # what the vehicle reports now
    reserve_pct: float
    calibration: Calibration
    problems: tuple[str, ...]


def battery_calibration(db: Database, vehicle: str) -> Calibration:
    """The vehicle's own measured/estimated battery ratio over its recent completed sorties."""
    measured = planned = 0.0
    count = 0
    try:
        sorties = list_sorties(db, limit=5 * CALIBRATION_SORTIES, vehicle_name=vehicle)
    except NotFoundError:  # a vehicle never flown here
        return Calibration()
    for sortie in sorties:
        used, estimate = sortie.battery_used_pct, sortie.estimated_battery_pct
        if sortie.outcome != SortieOutcome.COMPLETED or used is None or not estimate:
            continue
        if not CALIBRATION_RANGE[0] <= used / estimate <= CALIBRATION_RANGE[1]:
            continue
        measured, planned, count = measured + used, planned + estimate, count + 1
        if count == CALIBRATION_SORTIES:
            break
    return Calibration(measured / planned, count) if count and planned > 0 else Calibration()


def planned_battery_pct(mission: Mission, limits: Limits) -> float:
    """The planner's estimate (its energy model, before any calibration) of the share of a full
    pack (%) the mission takes; infinite when the mission never ends or cannot be estimated."""
    model = limits.battery.calibrated(1.0)
    estimate = estimate_flight(mission, limits.kinematics, energy=model)
    if not estimate.complete or not math.isfinite(estimate.energy_mah):
        return math.inf
    return model.percent_of_pack(estimate.energy_mah)


def battery_check(
    mission: Mission,
    snap: VehicleSnapshot,
    limits: Limits,
    reserve_pct: float,
    calibration: Calibration,
) -> BatteryCheck:
    """Does the vehicle's reported charge cover the calibrated need and keep the reserve?"""
    planned = planned_battery_pct(mission, limits)
    needed = planned * calibration.factor
    remaining = snap.battery_remaining_pct
    problems: list[str] = []
    basis = (
        f"the planner's {planned:.0f}% × {calibration.factor:.2f} measured on "
        f"{calibration.sorties} past sortie{'s' if calibration.sorties != 1 else ''}"
        if calibration.sorties
        else "the planner's estimate, not yet calibrated on this vehicle"
    )
    if not math.isfinite(needed):
        problems.append("the battery the mission needs cannot be estimated")
    elif remaining is None:
        problems.append("the vehicle reports no battery charge: the endurance cannot be checked")
    elif needed > remaining - reserve_pct:
        problems.append(
            f"the mission needs about {needed:.0f}% of a pack ({basis}); the vehicle reports "
            f"{remaining}% and {reserve_pct:.0f}% must stay in reserve"
        )
    return BatteryCheck(
        planned, needed, None if remaining is None else float(remaining), reserve_pct,
        calibration, tuple(problems),
    )  # fmt: skip


def home_problems(mission: Mission, snap: VehicleSnapshot, max_offset_m: float) -> list[str]:
    """The vehicle must stand (or, in the air, have its home) within `max_offset_m` of the
    mission's planned home: the mission's heights are taken above it."""
    here = (snap.latitude_deg, snap.longitude_deg)
    if snap.home is not None and snap.armed:  # airborne: the home it will return to
        here = (snap.home.latitude_deg, snap.home.longitude_deg)
    if here[0] is None or here[1] is None:
        return []
    planned = (mission.home.latitude_deg, mission.home.longitude_deg)
    offset = ground_distance_m((here[0], here[1]), planned)
    if offset <= max_offset_m:
        return []
    where = "its home lies" if snap.armed else "vehicle stands"
    return [f"{where} {offset:.0f} m from the mission's home (at most {max_offset_m:.0f} m)"]
