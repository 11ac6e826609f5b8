"""Is a vehicle fit to start a sortie? Read from its snapshot, before anything is sent to it."""

from __future__ import annotations

from command.link import LinkState, VehicleSnapshot

MIN_START_BATTERY_PCT = 60
"""A sortie does not start on a pack below this charge."""


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
    if snap.battery_remaining_pct is not None and snap.battery_remaining_pct < min_battery_pct:
        problems.append(
            f"battery {snap.battery_remaining_pct}% below {min_battery_pct:.0f}% to start"
        )
    return problems
