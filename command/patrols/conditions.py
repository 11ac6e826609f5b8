"""Conditions that forbid flying a task: a no-fly window, night, wind above the limit.

Wind comes from reports passed in (drones' WIND messages, stations' anemometers); night from
the sun's elevation at the zone (astral). A check that cannot judge refuses: with a wind limit
and no fresh report near the zone, the task waits.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from astral import Observer
from astral.sun import elevation
from pyproj import Geod
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from .tasks import CRITICAL, Cause, Hold

_WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class WindReport:
    """Wind measured somewhere: mean speed (m/s) at a place (degrees) and UTC time."""

    source: str  # vehicle or station name
    latitude_deg: float
    longitude_deg: float
    speed_mps: float
    time_utc: datetime


@dataclass(frozen=True)
class NoFlyWindow:
    """Flying forbidden from start to end (UTC, end excluded) over an area (lon/lat degrees;
    None: everywhere), e.g. a temporary airspace closure."""

    name: str
    start_utc: datetime
    end_utc: datetime
    area: BaseGeometry | None = None

    def __post_init__(self) -> None:
        if self.end_utc <= self.start_utc:
            raise ValueError(f"no-fly window {self.name!r}: end is not after start")

    def active(self, latitude_deg: float, longitude_deg: float, now: datetime) -> bool:
        """True when the window is on at `now` over that place."""
        if not self.start_utc <= now < self.end_utc:
            return False
        return self.area is None or self.area.intersects(Point(longitude_deg, latitude_deg))


@dataclass(frozen=True)
class NightRule:
    """No flying while the sun is below `sun_below_deg` (−6°: civil twilight) at the zone,
    except tasks of priority `exempt_max_priority` or more urgent (0: none exempt)."""

    sun_below_deg: float = -6.0
    exempt_max_priority: int = 0


@dataclass(frozen=True)
class FlyingRules:
    """Limits: mean wind (m/s; critical work may have its own), report age (s) and reach (m)."""

    wind_limit_mps: float | None = 10.0
    critical_wind_limit_mps: float | None = None  # None: the same as wind_limit_mps
    wind_max_age_s: float = 1800.0
    wind_radius_m: float = 15_000.0
    night: NightRule | None = None
    windows: tuple[NoFlyWindow, ...] = field(default=())

    def wind_limit_for(self, priority: int) -> float | None:
        """The wind limit (m/s) for work of that priority."""
        if priority <= CRITICAL and self.critical_wind_limit_mps is not None:
            return self.critical_wind_limit_mps
        return self.wind_limit_mps


def ground_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance (m) on the WGS84 ellipsoid between two places (degrees)."""
    return float(_WGS84.inv(lon1, lat1, lon2, lat2)[2])


def sun_elevation_deg(latitude_deg: float, longitude_deg: float, now: datetime) -> float:
    """The sun's elevation above the horizon (degrees, refraction included) at a place."""
    return float(elevation(Observer(latitude_deg, longitude_deg), now))


class Conditions:
    """The flying rules plus the latest wind report of each source; thread-safe."""

    def __init__(self, rules: FlyingRules = FlyingRules()) -> None:
        self.rules = rules
        self._wind: dict[str, WindReport] = {}
        self._windows: dict[str, NoFlyWindow] = {w.name: w for w in rules.windows}
        self._lock = threading.Lock()

    def report_wind(self, report: WindReport) -> None:
        """Keep a source's newest wind report (an older one than held is ignored)."""
        if not math.isfinite(report.speed_mps) or report.speed_mps < 0:
            raise ValueError(f"wind report from {report.source!r}: speed {report.speed_mps!r}")
        with self._lock:
            held = self._wind.get(report.source)
            if held is None or held.time_utc <= report.time_utc:
                self._wind[report.source] = report

    def add_window(self, window: NoFlyWindow) -> None:
        """Add or replace a no-fly window (by name)."""
        with self._lock:
            self._windows[window.name] = window

    def remove_window(self, name: str) -> None:
        """Drop a no-fly window (KeyError when unknown)."""
        with self._lock:
            del self._windows[name]

    def windows(self) -> tuple[NoFlyWindow, ...]:
        """The no-fly windows known."""
        with self._lock:
            return tuple(self._windows.values())

    def forbids(
        self, latitude_deg: float, longitude_deg: float, priority: int, now: datetime
    ) -> Hold | None:
        """Why work of that priority cannot fly at that place now, or None when it may."""
        with self._lock:
            windows = tuple(self._windows.values())
            reports = tuple(self._wind.values())
        for window in windows:
            if window.active(latitude_deg, longitude_deg, now):
                until = window.end_utc.strftime("%Y-%m-%d %H:%M UTC")
                return Hold(Cause.NO_FLY, f"no-fly window {window.name!r} until {until}")
        night = self.rules.night
        if night is not None and priority > night.exempt_max_priority:
            sun = sun_elevation_deg(latitude_deg, longitude_deg, now)
            if sun < night.sun_below_deg:
                exempt = (
                    f"only priority {night.exempt_max_priority} and above fly at night"
                    if night.exempt_max_priority
                    else "no flying at night"
                )
                return Hold(
                    Cause.NIGHT, f"night: the sun is below {night.sun_below_deg:g}° ({exempt})"
                )
        limit = self.rules.wind_limit_for(priority)
        if limit is None:
            return None
        return self._wind_hold(latitude_deg, longitude_deg, limit, reports, now)

    def _wind_hold(
        self,
        latitude_deg: float,
        longitude_deg: float,
        limit: float,
        reports: tuple[WindReport, ...],
        now: datetime,
    ) -> Hold | None:
        oldest = now - timedelta(seconds=self.rules.wind_max_age_s)
        # A report newer than `now` counts: each source keeps only its newest report, which
        # the drones renew many times a second — while a round judges (its `now` taken at the
        # start), the held one is usually a little younger than that `now`.
        near = [
            r
            for r in reports
            if oldest <= r.time_utc
            and ground_distance_m(latitude_deg, longitude_deg, r.latitude_deg, r.longitude_deg)
            <= self.rules.wind_radius_m
        ]
        if not near:
            return Hold(
                Cause.WIND_UNKNOWN,
                f"no wind report within {self.rules.wind_radius_m / 1000:g} km in the last "
                f"{self.rules.wind_max_age_s / 60:g} min",
            )
        strongest = max(near, key=lambda r: r.speed_mps)
        if strongest.speed_mps > limit:
            return Hold(
                Cause.WIND,
                f"wind {strongest.speed_mps:.1f} m/s at {strongest.source} "
                f"above the {limit:g} m/s limit",
            )
        return None
