"""The console's fleet, sortie and map operations (mixed into CommandCentre): the fleet panel
(mode, battery, link, the sortie flown and its progress), sortie history, and the live map's
plain data (drones with their tracks, stations with AQI, zones, open alerts). Every call reads
memory or one small query and returns at once; the live parts are kept from the event bus."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from shapely.geometry import mapping

from command.events import ItemReached, SortieStarted, StationReading, TelemetryUpdated
from command.events.types import Event
from command.link import VehicleSnapshot
from command.storage import list_sorties
from command.storage.records import SortieRecord
from maps.model import AlertMark, DronePoint, FlightPath, StationPoint, ZoneShape
from missions.zones import TASK_KINDS
from sensors.aqi import aqi

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

TRACK_POINTS = 600
"""Positions kept per drone for its track on the map (the latest sortie's)."""
TRACK_MIN_STEP_DEG = 2e-6
"""A new track point only when the drone moved about this much (~0.2 m)."""
HOURS_KEPT = 24


@dataclass(frozen=True)
class Progress:
    """Mission items reached of a sortie's total (home not counted)."""

    reached: int
    total: int


@dataclass(frozen=True)
class FleetEntry:
    """One configured drone as the console shows it."""

    name: str
    snapshot: VehicleSnapshot
    sortie_id: int | None = None
    sortie_name: str | None = None
    stage: str | None = None
    progress: Progress | None = None


@dataclass
class _Live:
    """What the console keeps from the bus (guarded by `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    stations: dict[str, StationReading] = field(default_factory=dict)
    station_aqi: dict[str, deque[tuple[datetime, int | None]]] = field(default_factory=dict)
    tracks: dict[str, deque[tuple[float, float]]] = field(default_factory=dict)
    progress: dict[int, Progress] = field(default_factory=dict)

    def take(self, event: Event) -> None:
        with self.lock:
            if isinstance(event, TelemetryUpdated):
                self._track(event.snapshot)
            elif isinstance(event, StationReading):
                self._station(event)
            elif isinstance(event, SortieStarted):
                self.tracks[event.vehicle] = deque(maxlen=TRACK_POINTS)
            elif isinstance(event, ItemReached):
                # seq counts home as 0; total is the mission's items (home not among them)
                self.progress[event.sortie_id] = Progress(min(event.seq, event.total), event.total)

    def _track(self, snap: VehicleSnapshot) -> None:
        if snap.latitude_deg is None or snap.longitude_deg is None or not snap.armed:
            return
        track = self.tracks.setdefault(snap.name, deque(maxlen=TRACK_POINTS))
        here = (snap.latitude_deg, snap.longitude_deg)
        if track and max(abs(here[0] - track[-1][0]), abs(here[1] - track[-1][1])) < (
            TRACK_MIN_STEP_DEG
        ):
            return
        track.append(here)

    def _station(self, reading: StationReading) -> None:
        if not (math.isfinite(reading.latitude_deg) and math.isfinite(reading.longitude_deg)):
            return
        known = self.stations.get(reading.station_id)
        if known is None or known.period_end_utc <= reading.period_end_utc:
            self.stations[reading.station_id] = reading
        hours = self.station_aqi.setdefault(reading.station_id, deque(maxlen=HOURS_KEPT))
        if not hours or hours[-1][0] < reading.period_end_utc:
            hours.append((reading.period_end_utc, station_report(reading).aqi))


def station_report(reading: StationReading):
    """The HJ 633-2026 hourly AQI report of a station reading."""
    return aqi({f"{p}_1h": v for p, v in reading.values if p != "voc"})


class ConsoleOperations:
    """Fleet panel, sortie history and the live map's data."""

    def start_area(self: CommandCentre) -> None:
        """Keep tracks, station readings and sortie progress from the bus."""
        live = _console_live(self)
        self.bus.subscribe(
            "console",
            live.take,
            kinds=(TelemetryUpdated, StationReading, SortieStarted, ItemReached),
            maxsize=4096,
        )

    # --- the fleet --------------------------------------------------------------------------
    def fleet_status(self: CommandCentre) -> list[FleetEntry]:
        """Every configured drone: its snapshot, the sortie it flies and that sortie's progress."""
        snaps = self.fleet.snapshots()
        active = self.dispatcher.active()
        live = _console_live(self)
        entries = []
        for vehicle in self.config.vehicles:
            snap = snaps.get(vehicle.name) or VehicleSnapshot(name=vehicle.name)
            sortie = active.get(vehicle.name)
            if sortie is None:
                entries.append(FleetEntry(vehicle.name, snap))
                continue
            with live.lock:
                progress = live.progress.get(sortie.sortie_id)
            if progress is None:
                total = max(len(sortie.mission.items), 0)
                progress = Progress(0, total)
            entries.append(
                FleetEntry(
                    vehicle.name,
                    snap,
                    sortie.sortie_id,
                    sortie.name,
                    str(sortie.stage.value),
                    progress,
                )
            )
        return entries

    def sortie_progress(self: CommandCentre, sortie_id: int) -> Progress | None:
        """Items reached of a sortie flown in this run (None: none reported yet)."""
        live = _console_live(self)
        with live.lock:
            return live.progress.get(sortie_id)

    def sortie_history(
        self: CommandCentre, limit: int = 50, vehicle: str | None = None
    ) -> list[SortieRecord]:
        """The newest sorties, newest first (optionally of one drone)."""
        return list_sorties(self.db, limit=limit, vehicle_name=vehicle)

    def task_zone_names(self: CommandCentre) -> list[str]:
        """Zones a drone can be sent to fly, most urgent first."""
        zones = [z for z in self.zones if z.kind in TASK_KINDS]
        return [z.name for z in sorted(zones, key=lambda z: (z.priority or 9, z.name))]

    # --- the live map's data ----------------------------------------------------------------
    def map_drones(self: CommandCentre) -> tuple[list[DronePoint], list[FlightPath]]:
        """Drones with a position, and their tracks of the current (or last) sortie."""
        live = _console_live(self)
        drones, paths = [], []
        for entry in self.fleet_status():
            snap = entry.snapshot
            if snap.latitude_deg is None or snap.longitude_deg is None:
                continue
            battery = snap.battery_remaining_pct
            drones.append(
                DronePoint(
                    id=entry.name,
                    name=entry.name,
                    lat=snap.latitude_deg,
                    lon=snap.longitude_deg,
                    heading_deg=snap.heading_deg,
                    battery_pct=None if battery is None else float(max(0, min(battery, 100))),
                    mode=snap.mode_name or "UNKNOWN",
                    link=snap.link.value,
                    altitude_m=snap.altitude_relative_m,
                    groundspeed_mps=(
                        None if snap.groundspeed_mps is None else max(snap.groundspeed_mps, 0.0)
                    ),
                    armed=snap.armed,
                    sortie=None if entry.sortie_id is None else str(entry.sortie_id),
                )
            )
            with live.lock:
                track = tuple(live.tracks.get(entry.name, ()))
            if len(track) >= 2:
                paths.append(FlightPath(entry.name, "track", track))
            if entry.sortie_id is not None:
                paths.append(FlightPath(entry.name, "route", _route(self, entry.sortie_id)))
        return drones, paths

    def map_stations(self: CommandCentre) -> list[StationPoint]:
        """Each station's latest hourly reading with its IAQI, AQI and category."""
        live = _console_live(self)
        with live.lock:
            readings = list(live.stations.values())
            history = {k: tuple(a for _, a in v) for k, v in live.station_aqi.items()}
        points = []
        for r in sorted(readings, key=lambda r: r.station_id):
            report = station_report(r)
            points.append(
                StationPoint(
                    id=r.station_id,
                    name=r.name,
                    lat=r.latitude_deg,
                    lon=r.longitude_deg,
                    values=dict(r.values),
                    iaqi={k.removesuffix("_1h"): v for k, v in report.iaqi.items()},
                    aqi=report.aqi,
                    category=None if report.category is None else report.category.index,
                    primary=report.primary,
                    aqi_24h=history.get(r.station_id, ()),
                    time=r.period_end_utc,
                )
            )
        return points

    def map_zones(self: CommandCentre) -> list[ZoneShape]:
        """The zones in force as the map draws them."""
        return [
            ZoneShape(
                id=z.name,
                name=z.name,
                kind=z.kind.value,
                geometry=mapping(z.geometry),
                priority=z.priority,
                revisit_minutes=z.revisit_minutes,
            )
            for z in self.zones
        ]

    def map_alerts(self: CommandCentre) -> list[AlertMark]:
        """Open alerts at their source estimate (else where they were raised)."""
        marks = []
        for alert in self.alert_store.alerts(open_only=True, limit=200):
            status = "acknowledged" if alert.acknowledged_utc is not None else "open"
            source = getattr(alert.source, "estimate", None)
            lat, lon, radius = alert.latitude_deg, alert.longitude_deg, 0.0
            if source is not None:
                lat, lon = source.lat, source.lon
                radius = min(max(float(source.uncertainty_m), 0.0), 100_000.0)
            marks.append(
                AlertMark(
                    id=str(alert.alert_id),
                    text=alert.message or alert.rule,
                    lat=lat,
                    lon=lon,
                    uncertainty_m=radius,
                    status=status,
                    pollutant=alert.pollutant,
                    time=alert.raised_utc,
                )
            )
        return marks


def _route(centre: CommandCentre, sortie_id: int) -> tuple[tuple[float, float], ...]:
    """A sortie's planned route: home, then each mission item with a position."""
    sortie = centre.dispatcher.sortie(sortie_id)
    if sortie is None:
        return ()
    home = sortie.mission.home
    points = [(home.latitude_deg, home.longitude_deg)]
    points += [
        (i.latitude_deg, i.longitude_deg)
        for i in sortie.mission.items
        if (i.latitude_deg or i.longitude_deg) and -90 <= i.latitude_deg <= 90
    ]
    return tuple(points)


def _console_live(centre: CommandCentre) -> _Live:
    live = centre.__dict__.get("_console_live")
    if live is None:
        live = centre.__dict__.setdefault("_console_live", _Live())
    return live


MIXIN = ConsoleOperations
