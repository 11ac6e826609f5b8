"""Battery use of a multicopter: an explicit current model, calibrated from flown sorties.

Current drawn (A) while flying: `hover_current_a × (1 + airspeed_factor × v²)` in level flight
at v m/s (the thrust needed grows as the copter tilts against drag), plus
`climb_current_a_per_mps` per m/s of climb; hovering, loitering and descending draw the hover
current. Charge used (mAh) = current × time / 3.6, times `calibration` (measured ÷ estimated of
flown sorties, see `calibration_factor`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class EnergyModel:
    """A copter's pack (mAh) and current draw (A): hover, rise with airspeed, climb; calibration."""

    name: str
    capacity_mah: float
    hover_current_a: float
    airspeed_factor: float  # per (m/s)²: level-flight current = hover × (1 + factor × v²)
    climb_current_a_per_mps: float  # extra current per m/s of climb
    calibration: float = 1.0  # measured ÷ estimated charge of flown sorties

    def __post_init__(self) -> None:
        for label in ("capacity_mah", "hover_current_a", "calibration"):
            value = getattr(self, label)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(
                    f"energy model {self.name!r}: {label} must be positive, got {value}"
                )
        for label in ("airspeed_factor", "climb_current_a_per_mps"):
            value = getattr(self, label)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"energy model {self.name!r}: {label} must be >= 0, got {value}")

    def level_current_a(self, speed_mps: float) -> float:
        """Current (A) in level flight at a ground speed (m/s)."""
        return self.hover_current_a * (1.0 + self.airspeed_factor * speed_mps * speed_mps)

    def climb_current_a(self, climb_mps: float) -> float:
        """Current (A) climbing vertically at `climb_mps`."""
        return self.hover_current_a + self.climb_current_a_per_mps * max(climb_mps, 0.0)

    @property
    def hover_endurance_s(self) -> float:
        """How long a full pack hovers (s), calibration included."""
        return self.capacity_mah * 3.6 / (self.hover_current_a * self.calibration)

    def calibrated(self, factor: float) -> EnergyModel:
        """The same model with a calibration factor (from `calibration_factor`)."""
        return replace(self, calibration=factor)

    def with_capacity(self, capacity_mah: float) -> EnergyModel:
        """The same copter with another pack (the vehicle's BATT_CAPACITY, mAh)."""
        return replace(self, capacity_mah=capacity_mah)

    def with_hover_endurance(self, endurance_s: float) -> EnergyModel:
        """The model scaled so that a full pack hovers `endurance_s` seconds."""
        if not (math.isfinite(endurance_s) and endurance_s > 0):
            raise ValueError(f"hover endurance must be positive, got {endurance_s} s")
        current = self.capacity_mah * 3.6 / (endurance_s * self.calibration)
        scale = current / self.hover_current_a
        return replace(
            self,
            hover_current_a=current,
            climb_current_a_per_mps=self.climb_current_a_per_mps * scale,
        )

    def percent_of_pack(self, charge_mah: float) -> float:
        """A charge (mAh, uncalibrated model figure) as a percentage of the pack, calibrated."""
        return 100.0 * charge_mah * self.calibration / self.capacity_mah


SURVEY_QUAD = EnergyModel(
    name="survey quad (5 kg, 4S 10 Ah)",
    capacity_mah=10_000.0,
    hover_current_a=18.0,
    airspeed_factor=0.0035,
    climb_current_a_per_mps=2.5,
)
"""The bureau's survey quad (the simulated fleet's copter): 33 min hover on a full pack."""

ARDUCOPTER_SITL_QUAD = EnergyModel(
    name="ArduCopter SITL quad (3 kg, 3S 3.3 Ah)",
    capacity_mah=3300.0,
    hover_current_a=29.3,
    airspeed_factor=0.001,
    climb_current_a_per_mps=5.3,
)
"""ArduCopter SITL's default frame: SIM_Frame's model hovers at refCurrent 29.3 A × refVoltage
12.09 V on the 3300 mAh BATT_CAPACITY default, so a full pack hovers 6.8 min; the airspeed factor
fits its thrust at tilt (45° at 15 m/s), the climb term its 0.46 figure of merit."""

COPTERS = {"survey-quad": SURVEY_QUAD, "arducopter-sitl": ARDUCOPTER_SITL_QUAD}
"""Energy models by the name the CLI takes (--copter)."""

_PLAUSIBLE = (0.2, 5.0)


def calibration_factor(
    estimated_mah: float,
    *,
    measured_mah: float | None = None,
    measured_pct: float | None = None,
    capacity_mah: float | None = None,
) -> float:
    """Measured ÷ estimated charge of a flown sortie: the factor that makes the model match it.

    `estimated_mah` is the uncalibrated estimate (FlightEstimate.energy_mah) of the sortie as
    flown; the measurement is mAh used, or % of the pack used (with `capacity_mah`). A factor
    outside 0.2 … 5 means the model or the measurement is wrong, and is refused.
    """
    if (measured_mah is None) == (measured_pct is None):
        raise ValueError("give the sortie's measured use as mAh or as % of the pack (one of them)")
    if measured_pct is not None:
        if capacity_mah is None or not (math.isfinite(capacity_mah) and capacity_mah > 0):
            raise ValueError(f"a % measurement needs the pack capacity (mAh), got {capacity_mah}")
        if not (math.isfinite(measured_pct) and 0 < measured_pct <= 100):
            raise ValueError(
                f"measured use must be more than 0 and at most 100 %, got {measured_pct}"
            )
        measured_mah = measured_pct / 100.0 * capacity_mah
    assert measured_mah is not None
    if not (math.isfinite(measured_mah) and measured_mah > 0):
        raise ValueError(f"measured use must be a positive charge (mAh), got {measured_mah}")
    if not (math.isfinite(estimated_mah) and estimated_mah > 0):
        raise ValueError(
            f"the sortie's estimate must be a positive charge (mAh), got {estimated_mah}"
        )
    factor = measured_mah / estimated_mah
    low, high = _PLAUSIBLE
    if not low <= factor <= high:
        raise ValueError(
            f"measured {measured_mah:.0f} mAh is {factor:.2f} × the estimate of "
            f"{estimated_mah:.0f} mAh: outside {low:g} … {high:g}, so the copter's model "
            "(pack, hover current) or the measurement is wrong; not calibrated"
        )
    return factor
