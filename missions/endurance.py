"""Endurance check: the charge a mission needs (energy model, calibrated) against the battery the
vehicle actually has (its reported remaining %, or a full pack when none is given) less the
reserve. A mission that never ends, or whose use cannot be computed, is refused."""

from __future__ import annotations

import math

from missions.energy import EnergyModel
from missions.estimate import FlightEstimate
from missions.findings import Finding, error, figure, warning

TIGHT_SHARE = 0.85
"""A mission using more than this share of the usable charge gets a warning."""


def battery_needed_pct(estimate: FlightEstimate, energy: EnergyModel) -> float:
    """Percentage of a full pack the mission uses (calibrated); inf when it never ends."""
    return energy.percent_of_pack(estimate.energy_mah)


def endurance_findings(
    estimate: FlightEstimate,
    energy: EnergyModel,
    reserve_fraction: float,
    battery_remaining_pct: float | None = None,
) -> list[Finding]:
    """ENDURANCE (error) when the mission needs more than the battery available above the
    reserve, ENDURANCE_TIGHT (warning) within 15 % of it, BATTERY_UNKNOWN / ENDURANCE_UNKNOWN
    (errors) when that cannot be judged. `battery_remaining_pct` is what the vehicle reports
    (0–100, ArduPilot's -1 means unknown); None assumes a full pack."""
    if estimate.endless is not None:
        return [error(None, "ENDURANCE", f"not flyable on one battery: {estimate.endless}")]
    if estimate.gaps:
        reasons = "; ".join(estimate.gaps)
        return [error(None, "ENDURANCE_UNKNOWN", f"battery use cannot be computed: {reasons}")]
    if battery_remaining_pct is None:
        remaining, source = 100.0, "a full pack assumed"
    elif math.isfinite(battery_remaining_pct) and 0.0 <= battery_remaining_pct <= 100.0:
        remaining, source = battery_remaining_pct, "remaining at take-off"
    else:
        return [
            error(
                None,
                "BATTERY_UNKNOWN",
                f"the remaining battery given is {figure(battery_remaining_pct)} %: "
                "endurance cannot be judged",
            )
        ]
    needed = min(battery_needed_pct(estimate, energy), 1000.0)  # shown as at most 1000 %
    reserve = 100.0 * reserve_fraction
    usable = remaining - reserve
    share = (
        f"needs {needed:.0f}% of the pack ({energy.name}, {estimate.time_s / 60:.1f} min); "
        f"{source} {remaining:.0f}%, {reserve:.0f}% kept in reserve: {max(usable, 0.0):.0f}% usable"
    )
    if needed > usable:
        return [error(None, "ENDURANCE", share)]
    if needed > TIGHT_SHARE * usable:
        return [warning(None, "ENDURANCE_TIGHT", f"{share}: within 15% of the reserve")]
    return []
