"""Preflight checks: typed findings (an error blocks upload) for every item, every leg the flight
makes (jumps followed), the fence and rally points, and endurance against the battery there is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from shapely.geometry import Point

from missions.airspace import Airspace, build_airspace
from missions.commands import ALTITUDE_MAX_M
from missions.endurance import endurance_findings
from missions.energy import SURVEY_QUAD, EnergyModel
from missions.estimate import estimate_walk
from missions.findings import Finding, Severity, blocks_upload, error, figure, warning
from missions.flight import FlightWalk, Kinematics, walk_flight
from missions.geo import LocalFrame
from missions.item_checks import ItemLimits, item_findings
from missions.items import Cmd, Mission
from missions.zones import Zone

__all__ = ["Finding", "Limits", "Severity", "blocks_upload", "check_mission", "has_position_home"]


@dataclass(frozen=True)
class Limits:
    """What a mission must respect: ceiling, floor (m above home), reach (m), items; the copter's
    energy model and the reserve (fraction of a full pack left at landing). `endurance_s`, when
    given, rescales the energy model to that hover endurance of a full pack (s)."""

    ceiling_m: float = 120.0
    min_altitude_m: float = 10.0
    max_distance_from_home_m: float = 3000.0
    endurance_s: float | None = None
    reserve_fraction: float = 0.25
    max_items: int = 700
    kinematics: Kinematics = field(default_factory=Kinematics)
    energy: EnergyModel = SURVEY_QUAD

    def __post_init__(self) -> None:
        for name in ("ceiling_m", "min_altitude_m", "max_distance_from_home_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"limits: {name} must be a number of metres >= 0, got {value}")
        if not (math.isfinite(self.reserve_fraction) and 0 <= self.reserve_fraction < 1):
            raise ValueError(
                f"limits: reserve_fraction must be in [0, 1), got {self.reserve_fraction}"
            )
        if self.endurance_s is not None and not (
            math.isfinite(self.endurance_s) and self.endurance_s > 0
        ):
            raise ValueError(f"limits: endurance_s must be positive, got {self.endurance_s}")

    @property
    def battery(self) -> EnergyModel:
        """The energy model the endurance check uses."""
        if self.endurance_s is None:
            return self.energy
        return self.energy.with_hover_endurance(self.endurance_s)

    @property
    def usable_endurance_s(self) -> float:
        """Hover time a full pack allows once the reserve is kept (s)."""
        return self.battery.hover_endurance_s * (1.0 - self.reserve_fraction)


def has_position_home(mission: Mission) -> bool:
    """True when home is not the 0,0 placeholder."""
    return not (mission.home.latitude_deg == 0.0 and mission.home.longitude_deg == 0.0)


def _valid_latlon(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def check_mission(
    mission: Mission,
    zones: Sequence[Zone] = (),
    limits: Limits = Limits(),
    *,
    battery_remaining_pct: float | None = None,
) -> list[Finding]:
    """All findings for a mission against zones (no-fly = keep-out, fence = keep-in) and limits;
    `battery_remaining_pct` is the vehicle's reported charge (None: a full pack)."""
    home = mission.home
    if (
        not _valid_latlon(home.latitude_deg, home.longitude_deg)
        or not abs(home.altitude_m) < ALTITUDE_MAX_M
        or not has_position_home(mission)
    ):
        return [
            error(
                None,
                "BAD_HOME",
                f"home {figure(home.latitude_deg)}, {figure(home.longitude_deg)}, "
                f"{figure(home.altitude_m)} m "
                "is not a place",
            )
        ]
    if not mission.items:
        return [error(None, "EMPTY", "the mission has no items")]
    findings: list[Finding] = []
    if len(mission.items) + 1 > limits.max_items:
        findings.append(
            error(
                None,
                "TOO_MANY_ITEMS",
                f"{len(mission.items) + 1} items with home, limit {limits.max_items}",
            )
        )
    for label, speed in (("cruise", mission.cruise_speed_mps), ("hover", mission.hover_speed_mps)):
        if not (math.isfinite(speed) and speed > 0):
            findings.append(
                error(None, "BAD_SPEED", f"the {label} speed is not a positive number of m/s")
            )
    frame = LocalFrame.around(home.latitude_deg, home.longitude_deg)
    airspace, fence_findings = build_airspace(mission, zones, frame)
    findings.extend(fence_findings)
    home_xy = frame.to_xy(home.longitude_deg, home.latitude_deg)
    if airspace.keep_out is not None and airspace.keep_out.intersects(Point(home_xy)):
        findings.append(error(None, "HOME_IN_NO_FLY", "home lies inside a no-fly zone"))
    item_limits = ItemLimits(
        limits.ceiling_m,
        limits.min_altitude_m,
        limits.max_distance_from_home_m,
        home_xy,
        limits.kinematics,
    )
    for index in range(len(mission.items)):
        findings.extend(item_findings(mission, index, airspace, frame.to_xy, item_limits))
    findings.extend(_rally(mission, airspace, frame, item_limits))
    walk = walk_flight(mission, frame, limits.kinematics)
    findings.extend(_legs(mission, walk, airspace))
    if walk.ends == "open" and walk.endless is None and not walk.gaps:
        findings.append(
            warning(None, "NO_RETURN", "the mission does not end with a return or a landing")
        )
    estimate = estimate_walk(walk, limits.kinematics, limits.battery)
    findings.extend(
        endurance_findings(estimate, limits.battery, limits.reserve_fraction, battery_remaining_pct)
    )
    return findings


def _rally(
    mission: Mission, airspace: Airspace, frame: LocalFrame, limits: ItemLimits
) -> list[Finding]:
    found: list[Finding] = []
    for k, point in enumerate(mission.rally):
        label = f"rally point #{k}"
        if not (
            _valid_latlon(point.latitude_deg, point.longitude_deg)
            and abs(point.altitude_m) < ALTITUDE_MAX_M
        ):
            found.append(error(None, "BAD_RALLY", f"{label} is not a place"))
            continue
        xy = frame.to_xy(point.longitude_deg, point.latitude_deg)
        found.extend(airspace.point_findings(None, xy, label))
        distance = math.dist(xy, limits.home_xy)
        if distance > limits.max_distance_from_home_m:
            found.append(error(None, "TOO_FAR", f"{label} {distance:.0f} m from home"))
        if point.altitude_m > limits.ceiling_m + 1e-6:
            found.append(
                error(
                    None,
                    "ABOVE_CEILING",
                    f"{label} at {point.altitude_m:.1f} m above home, "
                    f"ceiling {limits.ceiling_m:g} m",
                )
            )
    return found


def _legs(mission: Mission, walk: FlightWalk, airspace: Airspace) -> list[Finding]:
    """Leg findings for every distinct track the flight makes (once per item and code)."""
    if airspace.keep_in is None and airspace.keep_out is None:
        return []
    found: list[Finding] = []
    seen_tracks: set[tuple[tuple[float, float], ...]] = set()
    seen: set[tuple[int, str]] = set()
    tracks = [
        (s.item_index, s.track(), "return to launch" if _is_rtl(mission, s.item_index) else "leg")
        for s in walk.stretches
    ]
    tracks += [(i, (a, b), "a return to a rally point") for i, a, b in walk.alternate_legs]
    for index, track, what in tracks:
        key = tuple((round(x, 1), round(y, 1)) for x, y in track)
        if key in seen_tracks:
            continue
        seen_tracks.add(key)
        for finding in airspace.track_findings(index, track, what):
            if (index, finding.code) not in seen:
                seen.add((index, finding.code))
                found.append(finding)
    return found


def _is_rtl(mission: Mission, index: int) -> bool:
    return mission.items[index].command == Cmd.NAV_RETURN_TO_LAUNCH
