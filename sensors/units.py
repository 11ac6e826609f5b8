"""Pollutants, their storage units and CF names, and mixing-ratio ↔ mass conversions.

Inside EcoPatrol concentrations are µg/m³ (``ug m-3``), CO mg/m³ (``mg m-3``). Gas mixing
ratios convert at the reference state of GB 3095-2026 and the US EPA: 298.15 K, 1013.25 hPa,
where one mole of gas fills 24.465 L.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MOLAR_VOLUME_L = 24.465
"""Molar volume (L/mol) of an ideal gas at 298.15 K and 1013.25 hPa."""

POLLUTANTS = ("pm2_5", "pm10", "so2", "no2", "co", "o3", "voc")
"""Pollutant keys in payload order (same keys as the simulator)."""

MOLAR_MASS_G_MOL = {"so2": 64.066, "no2": 46.0055, "co": 28.010, "o3": 47.997}
"""Molar masses (g/mol) of the gases whose mixing ratios we convert."""


@dataclass(frozen=True)
class PollutantInfo:
    """Storage unit, CF standard name (or None) and long name of one pollutant."""

    key: str
    units: str
    standard_name: str | None
    long_name: str


_MASS = "mass_concentration_of_{}_in_air"
INFO: dict[str, PollutantInfo] = {
    "pm2_5": PollutantInfo(
        "pm2_5", "ug m-3", "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air", "PM2.5"
    ),
    "pm10": PollutantInfo(
        "pm10", "ug m-3", "mass_concentration_of_pm10_ambient_aerosol_particles_in_air", "PM10"
    ),
    "so2": PollutantInfo("so2", "ug m-3", _MASS.format("sulfur_dioxide"), "sulfur dioxide"),
    "no2": PollutantInfo("no2", "ug m-3", _MASS.format("nitrogen_dioxide"), "nitrogen dioxide"),
    "co": PollutantInfo("co", "mg m-3", _MASS.format("carbon_monoxide"), "carbon monoxide"),
    "o3": PollutantInfo("o3", "ug m-3", _MASS.format("ozone"), "ozone"),
    "voc": PollutantInfo("voc", "ug m-3", None, "total volatile organic compounds"),
}

_UNIT_ALIASES = {
    "ug m-3": "ug m-3",
    "µg/m³": "ug m-3",
    "ug/m3": "ug m-3",
    "µg/m3": "ug m-3",
    "μg/m³": "ug m-3",
    "μg/m3": "ug m-3",
    "ug/m^3": "ug m-3",
    "mg m-3": "mg m-3",
    "mg/m³": "mg m-3",
    "mg/m3": "mg m-3",
    "ppb": "ppb",
    "ppm": "ppm",
    "1e-9": "ppb",
    "1e-6": "ppm",
}


class UnitError(ValueError):
    """A unit we cannot read or cannot convert for this pollutant."""


def normalise_unit(unit: str) -> str:
    """Canonical spelling (``ug m-3``, ``mg m-3``, ``ppb``, ``ppm``) of a unit string."""
    key = unit.strip().lower().replace("μ", "µ")
    for alias, canon in _UNIT_ALIASES.items():
        if key == alias.lower().replace("μ", "µ"):
            return canon
    raise UnitError(f"unknown unit {unit!r}")


def factor(pollutant: str, from_unit: str, to_unit: str) -> float:
    """Multiplier taking a concentration of pollutant from from_unit to to_unit."""
    src, dst = normalise_unit(from_unit), normalise_unit(to_unit)
    if src == dst:
        return 1.0
    # everything through µg/m³
    to_ug = _to_ug(pollutant, src)
    from_ug = 1.0 / _to_ug(pollutant, dst)
    return to_ug * from_ug


def _to_ug(pollutant: str, unit: str) -> float:
    if unit == "ug m-3":
        return 1.0
    if unit == "mg m-3":
        return 1000.0
    mass = MOLAR_MASS_G_MOL.get(pollutant)
    if mass is None:
        raise UnitError(f"{pollutant}: no molar mass, cannot convert from {unit}")
    per_ppb = mass / MOLAR_VOLUME_L
    return per_ppb if unit == "ppb" else per_ppb * 1000.0


def to_storage(pollutant: str, value: float, unit: str) -> float:
    """Value converted to the storage unit of pollutant (µg/m³; CO mg/m³)."""
    return value * factor(pollutant, unit, INFO[pollutant].units)


PLAUSIBLE_CO_MG_M3 = (0.02, 50.0)
"""Ambient CO at monitoring stations, mg/m³: a value outside it that falls inside once read in
the other mass unit (µg/m³ for mg/m³, or the reverse) was most likely given in that unit."""


def mass_unit_suspect(pollutant: str, stored: np.ndarray, stated_unit: str) -> np.ndarray:
    """Values (storage units) plausible only had the feed meant the other mass unit (CO)."""
    stored = np.asarray(stored, dtype=np.float64)
    none = np.zeros(stored.shape, dtype=bool)
    if pollutant != "co":
        return none
    canon = normalise_unit(stated_unit)
    if canon == "mg m-3":
        other = stored / 1000.0
    elif canon == "ug m-3":
        other = stored * 1000.0
    else:
        return none
    lo, hi = PLAUSIBLE_CO_MG_M3
    with np.errstate(invalid="ignore"):
        return (stored > 0) & ~((stored >= lo) & (stored <= hi)) & (other >= lo) & (other <= hi)


def cf_attrs(pollutant: str) -> dict[str, str]:
    """CF attributes (units, standard_name or our own long name) for a pollutant variable."""
    info = INFO[pollutant]
    attrs = {"units": info.units, "long_name": info.long_name}
    if info.standard_name:
        attrs["standard_name"] = info.standard_name
    else:
        attrs["ecopatrol_quantity"] = f"mass_concentration_of_{pollutant}_in_air"
    return attrs
