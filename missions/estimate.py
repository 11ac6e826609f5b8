"""Flight length, time and battery charge of a mission, from the flight it makes (missions.flight)
and a copter's energy model (missions.energy)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from missions.energy import SURVEY_QUAD, EnergyModel
from missions.flight import (
    FlightWalk,
    Kinematics,
    altitude_above_home_m,
    has_position,
    walk_flight,
)
from missions.geo import LocalFrame
from missions.items import Mission, MissionItem

__all__ = [
    "FlightEstimate",
    "Kinematics",
    "estimate_flight",
    "estimate_walk",
    "has_position",
    "relative_altitude_m",
]


@dataclass(frozen=True)
class FlightEstimate:
    """Horizontal path (m), climb and descent (m), flight time (s) and charge (mAh, before the
    model's calibration) from take-off to landing; `endless` says why the mission never ends on
    its own and `gaps` what could not be computed (then time and charge are lower bounds)."""

    horizontal_m: float
    climb_m: float
    descent_m: float
    time_s: float
    path_xy: tuple[tuple[float, float, float], ...]  # (x_m, y_m, altitude above home m) visited
    energy_mah: float = 0.0
    endless: str | None = None
    gaps: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when the whole flight was followed and it ends."""
        return self.endless is None and not self.gaps

    def describe_length(self) -> str:
        """The horizontal length for a pilot (km), or what it is a lower bound of."""
        text = f"{self.horizontal_m / 1000:.2f} km"
        if self.endless is not None:
            return f"{text} before it repeats without end"
        return text if not self.gaps else f"at least {text}"

    def describe_time(self) -> str:
        """The flight time for a pilot: minutes, or why it cannot be given."""
        if self.endless is not None:
            return f"never ends on one battery: {self.endless}"
        text = f"{self.time_s / 60:.1f} min"
        return text if not self.gaps else f"at least {text} ({'; '.join(self.gaps)})"


def relative_altitude_m(item: MissionItem, home_altitude_m: float) -> float:
    """Altitude above home of an item as ArduPilot reads its frame; NaN when unknown."""
    altitude = altitude_above_home_m(item, home_altitude_m)
    return math.nan if altitude is None else altitude


_KINEMATICS = Kinematics()


def estimate_flight(
    mission: Mission,
    kinematics: Kinematics = _KINEMATICS,
    frame: LocalFrame | None = None,
    energy: EnergyModel = SURVEY_QUAD,
) -> FlightEstimate:
    """Estimate what flying the mission takes: jumps repeated, holds and delays waited, every
    landing and take-off flown; RTL flies back to home at RTL altitude or higher and lands."""
    return estimate_walk(walk_flight(mission, frame, kinematics), kinematics, energy)


def estimate_walk(
    walk: FlightWalk, kinematics: Kinematics = _KINEMATICS, energy: EnergyModel = SURVEY_QUAD
) -> FlightEstimate:
    """The estimate of a flight already walked (missions.flight.walk_flight)."""
    horizontal = climb = descent = time_s = charge = 0.0
    path = [walk.stretches[0].start] if walk.stretches else [(0.0, 0.0, 0.0)]
    for stretch in walk.stretches:
        level_m = stretch.horizontal_m
        rise = stretch.end[2] - stretch.start[2]
        fly_s = level_m / stretch.speed_mps if level_m > 0 else 0.0
        up_s = max(rise, 0.0) / kinematics.climb_mps
        down_s = _descent_s(stretch.start[2], stretch.end[2], stretch.landing, kinematics)
        horizontal += level_m
        climb += max(rise, 0.0)
        descent += max(-rise, 0.0)
        time_s += fly_s + up_s + down_s + stretch.hold_s
        if stretch.airborne:
            charge += (
                fly_s * energy.level_current_a(stretch.speed_mps)
                + up_s * energy.climb_current_a(kinematics.climb_mps)
                + (down_s + stretch.hold_s) * energy.hover_current_a
            ) / 3.6
        if stretch.end != path[-1]:
            path.append(stretch.end)
    gaps = tuple(
        f"item {index + 1}: {reason}" if index is not None else reason
        for index, reason in walk.gaps
    )
    if walk.endless is not None:
        time_s = charge = math.inf
    elif not (math.isfinite(time_s) and math.isfinite(charge)):
        time_s = charge = 0.0
        gaps = gaps or ("speed unknown",)
    return FlightEstimate(
        horizontal, climb, descent, time_s, tuple(path), charge, walk.endless, gaps
    )


def _descent_s(start_m: float, end_m: float, landing: bool, kinematics: Kinematics) -> float:
    """Time to descend (s); a landing flies its last metres at the landing speed."""
    drop = max(start_m - end_m, 0.0)
    if not landing:
        return drop / kinematics.descent_mps
    slow = min(drop, kinematics.land_slow_below_m)
    return (drop - slow) / kinematics.descent_mps + slow / kinematics.land_speed_mps
