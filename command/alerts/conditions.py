"""Judging one rule on one reading: fired (with the value and a sentence), quiet, or cannot
judge (too few readings, a pollutant the standard has no index for) — which never fires."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import numpy as np

from command.alerts.rules import AqiRule, DroneSampleRule, HotSpotRule, RiseRateRule, SilenceRule
from command.alerts.state import StationTrack
from missions.geo import LocalFrame
from sensors.analysis.hotspots import robust_z
from sensors.aqi import LABELS, MODE_COLUMNS, aqi, iaqi, pollutant_of
from sensors.aqi.categories import category
from sensors.units import INFO

STANDARD_NAMES = {"hj633-2026": "HJ 633-2026", "hj633-2012": "HJ 633-2012", "epa": "US EPA"}


@dataclass(frozen=True)
class Firing:
    """A rule fired: the value it judged, the AQI category (AQI rules) and what to say."""

    value: float
    text: str
    category: int | None = None


Verdict = Firing | bool | None
"""Firing when the rule fires, False when it was judged and did not, None when it cannot judge."""


def label(pollutant: str) -> str:
    """'PM2.5', 'SO2', 'VOC', 'AQI'."""
    return LABELS.get(pollutant) or pollutant.upper()


def unit(pollutant: str) -> str:
    """'µg/m³' (CO 'mg/m³')."""
    return "mg/m³" if INFO[pollutant].units == "mg m-3" else "µg/m³"


@cache
def hourly_column(standard: str, pollutant: str) -> str:
    """The AQI column an hourly value of pollutant is read as: the first of the standard's
    real-time columns for it (HJ 633: gases 1 h, 2026 PM 1 h; 2012 PM and EPA PM/CO/O3 against
    their averaging-period breakpoints)."""
    return next(c for c in MODE_COLUMNS[standard, "hourly"] if pollutant_of(c) == pollutant)


def judge_aqi(rule: AqiRule, pollutant: str, values: Mapping[str, float]) -> Verdict:
    """The reading's IAQI of pollutant (or its AQI) against the rule's category or value."""
    standard = STANDARD_NAMES[rule.standard]
    if pollutant == "aqi":
        columns = {hourly_column(rule.standard, p): v for p, v in values.items() if p in LABELS}
        if not columns:
            return None
        report = aqi(columns, rule.standard, "hourly")
        index = report.aqi
        what = f"AQI {index}" + (f", primary {'/'.join(report.primary)}" if report.primary else "")
    else:
        if pollutant not in values:
            return None
        index = iaqi(hourly_column(rule.standard, pollutant), values[pollutant], rule.standard)
        what = f"{label(pollutant)} {values[pollutant]:g} {unit(pollutant)}, IAQI {index}"
    if index is None:
        return None
    cat = category(index, rule.standard)
    assert cat is not None
    if rule.category is not None:
        fired = cat.index >= rule.category
    else:
        assert rule.iaqi_above is not None
        fired = index > rule.iaqi_above
    if not fired:
        return False
    return Firing(float(index), f"{what} ({cat.zh} {cat.en}, {standard})", cat.index)


def judge_rise(rule: RiseRateRule, pollutant: str, track: StationTrack) -> Verdict:
    """The least-squares slope (per hour) of the readings within the window before the latest."""
    values = track.history.get(pollutant)
    if not values:
        return None
    end = values[-1][0]
    start = end - timedelta(minutes=rule.window_minutes)
    window = [(t, v) for t, v in values if t >= start]
    if len(window) < rule.min_readings:
        return None
    hours = np.array([(t - end).total_seconds() / 3600.0 for t, _ in window])
    conc = np.array([v for _, v in window])
    dt = hours - hours.mean()
    spread = float(dt @ dt)
    if spread <= 0:
        return None
    slope = float(dt @ (conc - conc.mean())) / spread
    if not slope > rule.rise_per_hour:
        return False
    span = (end - window[0][0]).total_seconds() / 60.0
    return Firing(
        slope,
        f"{label(pollutant)} rising {slope:.1f} {unit(pollutant)} per hour over {span:.0f} min "
        f"({len(window)} readings, now {conc[-1]:g})",
    )


def judge_hot_spot(
    rule: HotSpotRule, pollutant: str, track: StationTrack, tracks: Iterable[StationTrack]
) -> Verdict:
    """The station's latest value against its neighbours' latest (robust z, as hot spots)."""
    mine = track.latest(pollutant)
    if mine is None:
        return None
    oldest = mine[0] - timedelta(minutes=rule.max_age_minutes)
    radius_m = rule.radius_km * 1000.0
    near: list[tuple[float, float, float]] = []
    for other in tracks:
        latest = other.latest(pollutant)
        if other is track or latest is None or latest[0] < oldest:
            continue
        if _rough_distance_m(track, other) <= radius_m * 1.05:
            near.append((other.latitude_deg, other.longitude_deg, latest[1]))
    if len(near) < rule.min_neighbours:
        return None
    frame = LocalFrame.around(track.latitude_deg, track.longitude_deg)
    lats = np.array([n[0] for n in near])
    lons = np.array([n[1] for n in near])
    x, y = frame.to_xy_many(lons, lats)
    x0, y0 = frame.to_xy(track.longitude_deg, track.latitude_deg)
    within = np.hypot(x - x0, y - y0) <= radius_m
    count = int(within.sum())
    if count < rule.min_neighbours:
        return None
    # the robust z of sensors.analysis.hotspots.point_anomalies, for this one station
    median, z = robust_z(np.array([n[2] for n in near])[within], mine[1])
    if not np.isfinite(z):
        return None
    if not z > rule.z_min or mine[1] - median < rule.min_excess:
        return False
    return Firing(
        mine[1],
        f"{label(pollutant)} {mine[1]:g} {unit(pollutant)} against {median:g} at "
        f"{count} stations within {rule.radius_km:g} km (robust z {z:.1f})",
    )


def judge_silence(
    rule: SilenceRule,
    pollutant: str | None,
    track: StationTrack | None,
    now: datetime,
    since: datetime,
) -> Verdict:
    """Minutes since the station's (or the pollutant's) last reading, or since `since` when it
    never reported."""
    if track is None:
        last = None
    elif pollutant is None:
        last = track.last_period_end_utc
    else:
        latest = track.latest(pollutant)
        last = latest[0] if latest else None
    minutes = (now - (last or since)).total_seconds() / 60.0
    if not minutes > rule.silent_minutes:
        return False
    what = f"no {label(pollutant)} reading" if pollutant else "no reading"
    when = f"since {last:%Y-%m-%d %H:%M}Z" if last else "since monitoring began"
    return Firing(minutes, f"{what} for {minutes:.0f} min ({when})")


def judge_drone(rule: DroneSampleRule, pollutant: str, value: float | None) -> Verdict:
    """A drone sample's value against the rule's concentration."""
    if value is None:
        return None
    if not value > rule.above:
        return False
    return Firing(
        value,
        f"drone sample {label(pollutant)} {value:g} {unit(pollutant)} above {rule.above:g}",
    )


def _rough_distance_m(a: StationTrack, b: StationTrack) -> float:
    """Equirectangular distance (m): a cheap first cut before projecting."""
    k = math.cos(math.radians((a.latitude_deg + b.latitude_deg) / 2))
    dn = math.radians(b.latitude_deg - a.latitude_deg)
    de = math.radians(b.longitude_deg - a.longitude_deg) * k
    return 6_371_000.0 * math.hypot(dn, de)
