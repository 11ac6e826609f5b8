"""Source tracing for an alert: the quick-response sortie's samples and the wind through
sensors.tracing, and the enterprise zones inside the estimate's uncertainty circle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import Point

from command.alerts.places import latlon_text
from missions.geo import LocalFrame
from missions.zones import Zone, ZoneKind
from sensors.analysis.tracing import SourceEstimate, WindObs, trace_source
from sensors.cubes.trajectory import DroneSample
from sensors.units import INFO, POLLUTANTS


@dataclass(frozen=True)
class CandidateZone:
    """An enterprise zone near the estimated source: metres from the estimate (0 inside it)."""

    name: str
    distance_m: float


@dataclass(frozen=True)
class SourceFinding:
    """Where the samples say the emission comes from, the enterprise zones inside the
    uncertainty circle (nearest first), the wind used and the sentence for the alert."""

    estimate: SourceEstimate
    candidates: tuple[CandidateZone, ...]
    wind: WindObs
    message: str


def trace_for_alert(
    samples: Sequence[DroneSample],
    wind: WindObs,
    zones: Sequence[Zone],
    pollutant: str | None = None,
) -> SourceFinding:
    """Trace the source of `pollutant` (default: the most prominent in the samples); raises
    sensors.analysis.tracing.TracingError when the samples cannot say."""
    traced = pollutant if pollutant in POLLUTANTS else None
    estimate = trace_source(samples, wind, pollutant=traced)
    candidates = enterprises_within(estimate, zones)
    return SourceFinding(estimate, candidates, wind, _message(estimate, candidates))


def enterprises_within(
    estimate: SourceEstimate, zones: Sequence[Zone]
) -> tuple[CandidateZone, ...]:
    """Enterprise zones within the estimate's uncertainty radius, nearest first."""
    frame = LocalFrame.around(estimate.lat, estimate.lon)
    here = Point(frame.to_xy(estimate.lon, estimate.lat))
    found = []
    for zone in zones:
        if zone.kind is not ZoneKind.ENTERPRISE:
            continue
        distance = float(frame.project(zone.geometry).distance(here))
        if distance <= estimate.uncertainty_m:
            found.append(CandidateZone(zone.name, distance))
    return tuple(sorted(found, key=lambda c: (c.distance_m, c.name)))


def _message(estimate: SourceEstimate, candidates: tuple[CandidateZone, ...]) -> str:
    label = INFO[estimate.pollutant].long_name
    unit = "kg/s" if estimate.rate_g_s >= 1000 else "g/s"
    rate = estimate.rate_g_s / 1000 if unit == "kg/s" else estimate.rate_g_s
    text = (
        f"source estimated at {latlon_text(estimate.lat, estimate.lon)} "
        f"± {estimate.uncertainty_m:.0f} m: {label} {rate:.1f} {unit} from "
        f"{estimate.stack_height_m:.0f} m ({estimate.n_samples} samples)"
    )
    if not candidates:
        return f"{text}; no enterprise zone within {estimate.uncertainty_m:.0f} m"
    near = ", ".join(f"{c.name} ({c.distance_m:.0f} m)" for c in candidates)
    return f"{text}; enterprise zones within: {near}"
