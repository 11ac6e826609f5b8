"""`CommandCentre`: the one composition root. It owns the database, the event bus, the fleet
links, the dispatcher, live sensing, the patrol scheduler and queue, the alert engine and the
video relay; `start()` brings them up, `close()` stops them in a safe order. Its methods are the
narrow interface the console and the pilot tools use (see command/centre/api.py)."""

from __future__ import annotations

import csv
import logging
import math
import time
from collections.abc import Callable, Collection, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from command.alerts import AlertEngine, ResponsePlanner, load_rules
from command.alerts.loader import RuleFileError, RuleSet
from command.alerts.store import AlertStore
from command.centre.alerting import AlertService
from command.centre.config import CentreConfig, ConfigError
from command.centre.mixins import operation_mixins, start_areas
from command.centre.operations import CentreOperations
from command.centre.work import CentreDispatch, wind_of
from command.centre.zoneset import ZoneBook, ZoneDocumentError, ZoneVersion
from command.dispatch import Dispatcher
from command.dispatch.work import queue_remainder
from command.events import (
    EventBus,
    LinkBack,
    SortieEvent,
    TelemetryUpdated,
    WorkLeft,
    ZonesChanged,
)
from command.events.types import Event
from command.link import Fleet, LinkState, VehicleSnapshot
from command.patrols import (
    Conditions,
    DispatchQueue,
    DroneChooser,
    FlyingRules,
    NightRule,
    PatrolClock,
    PatrolScheduler,
    PatrolZoneError,
    WindReport,
    estimate_work_s,
    patrol_zone,
)
from command.sensing import LiveSensing
from command.storage import (
    Database,
    SortieOutcome,
    StorageError,
    get_sortie,
    open_database,
)
from command.video import VideoRelay
from command.video.records import RecordingStore
from missions.checks import Limits
from missions.items import Position
from missions.zones import TASK_KINDS, Zone
from sensors.analysis.tracing import WindObs
from sensors.cubes import STATIONS
from sensors.cubes.compute import applied as cube_scheduler
from sensors.cubes.compute import release as release_cube_scheduler
from sensors.cubes.station import open_store as open_station_store
from sensors.cubes.station import station_ids

log = logging.getLogger("command.centre")


RECONCILE_RETRY_S = 5.0
"""How often (s) an open sortie left by a stopped centre, not judged yet, is looked at again."""


def utc_now() -> datetime:
    """The centre's clock (UTC)."""
    return datetime.now(UTC)


class CommandCentre(*operation_mixins(), CentreOperations):
    """The command centre at run time, built from one `CentreConfig`; no module-level state.
    Its bases are CentreOperations and each area's `command/centre/ops_<area>.py` MIXIN."""

    def __init__(
        self,
        config: CentreConfig,
        *,
        utcnow: Callable[[], datetime] = utc_now,
        clock: Callable[[], float] = time.monotonic,
        replaces: Collection[str] = (),
    ) -> None:
        """`replaces`: the owners (see command.dispatch.owner) of the active daemon this one
        takes over from; the sorties it left in the air are adopted once their vehicles
        report, whatever its process table says."""
        self.config = config
        self.replaces = tuple(replaces)
        self.fenced: str | None = None
        self._to_adopt: set[str] = set()
        self.utcnow = utcnow
        self.started = False
        self._wind_known: set[str] = set()
        self._unreconciled: dict[str, float] = {}  # vehicle → when next to look (monotonic)
        self.bus = EventBus()
        self.db: Database = open_database(config.database)
        self.zone_book = ZoneBook(self.db)
        if self.zone_book.current.version is None and config.zones is not None:
            self._seed_zones(config.zones)
        self.limits = Limits(
            ceiling_m=config.limits.ceiling_m, reserve_fraction=config.limits.reserve_pct / 100
        )
        self._planner = ResponsePlanner(self.zones)
        self.sensing = LiveSensing.from_config(
            config, bus=self.bus, sortie_of=self._sortie_of, clock=clock, utcnow=utcnow
        )
        self.fleet = Fleet(
            on_sample=self.sensing.offer,
            bus=self.bus,
            clock=clock,
            heartbeat_period_s=1.0 / config.heartbeat_hz,
            telemetry_period_s=1.0 / config.telemetry_hz,
            utcnow=utcnow,
        )
        self.dispatcher = Dispatcher(
            self.fleet,
            self.db,
            actor=config.actor,
            bus=self.bus,
            zones=self.zones,
            limits=self.limits,
            tracks_dir=config.tracks_path,
            reserve_pct=config.limits.reserve_pct,
            min_start_battery_pct=config.limits.min_start_battery_pct,
            utcnow=utcnow,
            requeue=self._requeue,
        )
        self.conditions = Conditions(_flying_rules(config))
        self.work = CentreDispatch(
            config,
            self.fleet,
            self.dispatcher,
            lambda: self.zones,
            lambda: self._planner,
            self.limits,
            self._response_dispatched,
        )
        self.queue = DispatchQueue(
            self.db,
            self.work,
            self.conditions,
            DroneChooser(reserve_fraction=config.limits.reserve_pct / 100),
            self.bus,
        )
        self.scheduler = PatrolScheduler(self.db, self.queue, self.bus)
        self.patrol_clock = PatrolClock(self.scheduler, self.queue, clock=utcnow)
        self.alert_store = AlertStore(self.db)
        self.rules = self._load_rules()
        self.alerts = AlertService(
            AlertEngine(self.rules.rules, self.zones, state=self.alert_store.load_state()),
            self.alert_store,
            self.bus,
            self.queue,
            lambda: self._planner,
            lambda: self.zones,
            self._origin,
            self._wind,
            utcnow,
            tick_s=config.alerts.tick_s,
            trace_after_s=2 * config.sensing.batch_s + 1,
            on_queued=self.patrol_clock.poke,
        )
        self._cube_scheduler = ExitStack()
        video = config.video
        self.video = (
            VideoRelay(video, publish=self.bus.publish, recordings=RecordingStore(self.db))
            if video is not None and video.enabled
            else None
        )

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Connect the fleet, start sensing, alerts, video, then the patrols (queue recovered
        from the database, schedules synchronised with the zones)."""
        now = self.utcnow()
        # a second writer of the cubes stops here, before anything started
        self.sensing.take_leases(replaces=self.replaces)
        self._cube_scheduler.enter_context(cube_scheduler(self.config.cubes.dask_scheduler))
        self.bus.subscribe(
            "centre", self._on_event, kinds=(SortieEvent, LinkBack, TelemetryUpdated)
        )
        start_areas(self)
        self._unreconciled = {v.name: 0.0 for v in self.config.vehicles}
        self.sensing.start()
        if self.video is not None:
            self.bus.subscribe("video", self.video.handle, kinds=self.video.EVENT_KINDS)
            self.video.start()
        self._to_adopt = {v.name for v in self.config.vehicles}
        for vehicle in self.config.vehicles:
            self.fleet.connect(vehicle.name, vehicle.connect, signing_key=vehicle.signing_key)
        self.alerts.start()
        self.queue.recover(now)
        if self.fenced is None:
            if self.config.scheduler.enabled:
                self.scheduler.start()
                self._sync_schedules(now)
            else:  # no scheduled patrols; quick responses and re-queued work still flow
                self.patrol_clock.patrols = False
            self.patrol_clock.start()
        self.started = True
        log.info("command centre started: %d vehicles", len(self.config.vehicles))

    def fence(self, reason: str) -> None:
        """Stop acting at once — this process is no longer the active one (its leadership was
        lost): dispatch and the patrol scheduler first, then the alerts; nothing more is sent
        or recorded for the sorties, which the daemon taking over adopts. `close()` after."""
        if self.fenced is not None:
            return
        self.fenced = reason
        log.error("fenced: %s; dispatch, patrols and alerts stopped", reason)
        for name, step in (
            ("dispatcher", lambda: self.dispatcher.fence(reason)),
            ("patrol clock", self.patrol_clock.close),
            ("scheduler", self.scheduler.close),
            ("alerts", self.alerts.close),
        ):
            try:
                step()
            except Exception:  # the next part must still be stopped
                log.exception("fencing the %s failed", name)

    def unreachable(self, timeout_s: float | None = None) -> dict[str, str]:
        """Wait up to `timeout_s` (the config's link_wait_s) for every drone's heartbeat; the
        drones still silent, each with why (its connection string and what the link saw). The
        others are not held up: they fly meanwhile."""
        from command.link.errors import NoHeartbeat

        wait_s = self.config.link_wait_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + wait_s
        silent: dict[str, str] = {}
        for vehicle in self.config.vehicles:
            try:
                self.fleet.wait_until_up(vehicle.name, max(0.0, deadline - time.monotonic()))
            except NoHeartbeat as exc:
                silent[vehicle.name] = str(exc)
        return silent

    def close(self) -> None:
        """Stop in a safe order: scheduler → alerts → dispatcher (open sorties closed as
        interrupted; drones in the air fly on under their own failsafes) → sensing (flushed) →
        video → fleet → bus → database."""
        steps: list[tuple[str, Callable[[], None]]] = [
            ("patrol clock", self.patrol_clock.close),
            ("scheduler", self.scheduler.close),
            ("alerts", self.alerts.close),
            ("dispatcher", self.dispatcher.close),
            ("sensing", self.sensing.close),
            ("cube scheduler", self._release_cube_scheduler),
        ]
        if self.video is not None:
            steps.append(("video", self.video.close))
        steps.append(("video snapshots", self.close_video_operations))
        steps += [("fleet", self.fleet.close), ("bus", self.bus.close), ("database", self.db.close)]
        for name, step in steps:
            try:
                step()
            except Exception:  # the next part must still be stopped
                log.exception("closing the %s failed", name)
        self.started = False

    def __enter__(self) -> CommandCentre:
        self.start()
        return self

    def _release_cube_scheduler(self) -> None:
        """Stop computing on the configured Dask cluster and close this process's Client."""
        self._cube_scheduler.close()
        release_cube_scheduler(self.config.cubes.dask_scheduler)

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- zones -----------------------------------------------------------------------------
    @property
    def zones(self) -> tuple[Zone, ...]:
        """The zones in force."""
        return self.zone_book.zones

    def put_zones(self, text: str | bytes, source: str, actor: str) -> ZoneVersion:
        """A new zone document, checked whole (ZoneDocumentError, nothing changed); the
        planners and schedules follow it; ZonesChanged is published."""
        version = self.zone_book.put(text, source, actor, self.utcnow())
        self._zones_changed(version, actor)
        return version

    def edit_zone(self, name: str, changes: Mapping[str, object], actor: str) -> ZoneVersion:
        """Change one zone's priority, revisit interval, altitude, speed or pattern (a new
        version; ZonesChanged is published)."""
        version = self.zone_book.edit(name, dict(changes), actor, self.utcnow())
        self._zones_changed(version, actor)
        return version

    def _seed_zones(self, path: Path) -> None:
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"zones: {path}: cannot read: {exc.strerror or exc}") from None
        try:
            self.zone_book.put(text, str(path), self.config.actor, self.utcnow())
        except ZoneDocumentError as exc:
            raise ConfigError(f"zones: {exc}") from None

    def _zones_changed(self, version: ZoneVersion, actor: str) -> None:
        zones = self.zones
        self._planner = ResponsePlanner(zones)
        self.dispatcher.zones = zones
        if self.started and self.config.scheduler.enabled:
            self._sync_schedules(self.utcnow())
            self.patrol_clock.poke()
        self.bus.publish(
            ZonesChanged(
                time_utc=self.utcnow(),
                version=version.version or 0,
                source=version.source,
                actor=actor,
                zones=len(version.zones.zones),
            )
        )

    def _sync_schedules(self, now: datetime) -> None:
        patrols = []
        for zone in self.zones:
            if zone.kind not in TASK_KINDS or not zone.revisit_minutes:
                continue
            try:
                patrols.append(patrol_zone(zone, estimate_work_s(zone, self.zones)))
            except (PatrolZoneError, ValueError) as exc:
                log.warning("zone %s is not scheduled: %s", zone.name, exc)
        self.scheduler.sync(patrols, now)

    # --- alerts ----------------------------------------------------------------------------
    def _load_rules(self) -> RuleSet:
        path = self.config.alerts.rules
        if path is None:
            return RuleSet(())
        names = [z.name for z in self.zones]
        try:
            rules = load_rules(
                path, zones=names, stations=self._station_ids(), strict=self.config.alerts.strict
            )
        except RuleFileError as exc:
            raise ConfigError(f"alerts.rules: {exc}") from None
        for error in rules.errors:
            log.error("alert rule refused: %s", error)
        return rules

    def _station_ids(self) -> list[str]:
        """Stations known from the station cube and the feeds' metadata files."""
        ids: list[str] = []
        cube = self.config.cubes_path / STATIONS
        if cube.exists():
            try:
                ids += station_ids(open_station_store(cube))
            except Exception:  # a cube being made: the metadata files still say
                log.warning("station cube %s could not be read for station ids", cube)
        for feed in self.config.feeds:
            meta = feed.metadata or feed.path.with_name("stations_meta.csv")
            if meta.exists():
                with meta.open(newline="", encoding="utf-8-sig") as f:
                    ids += [row.get("station_id", "") for row in csv.DictReader(f)]
        return sorted({i for i in ids if i})

    def _response_dispatched(
        self, alert_id: int, sortie_id: int, vehicle: str, on_scene_seq: int, now: datetime
    ) -> None:
        self.alerts.response_dispatched(alert_id, sortie_id, vehicle, on_scene_seq, now)

    # --- what the parts ask each other -----------------------------------------------------
    def _sortie_of(self, vehicle: str, at: datetime) -> int | None:
        sortie = self.dispatcher.active().get(vehicle)
        return sortie.sortie_id if sortie is not None else None

    def _requeue(self, left: WorkLeft) -> int | None:
        if left.task_id is None:
            return None
        task = self.queue.task_interrupted(
            left.task_id, left.time_utc, left.reason, queue_remainder(left)
        )
        self.patrol_clock.poke()
        return task.id if task is not None else None

    def _origin(self) -> Position | None:
        """Where a response is first planned from: the first drone with a position."""
        for snap in self.fleet.snapshots().values():
            if snap.latitude_deg is not None and snap.longitude_deg is not None:
                return Position(snap.latitude_deg, snap.longitude_deg, snap.altitude_amsl_m or 0)
        return None

    def _wind(self, vehicle: str) -> WindObs | None:
        """A vehicle's wind estimate ("" or unknown: the freshest of any vehicle)."""
        snaps = self.fleet.snapshots()
        if vehicle in snaps:
            return wind_of(snaps[vehicle])
        for snap in sorted(snaps.values(), key=lambda s: s.time_s, reverse=True):
            wind = wind_of(snap)
            if wind is not None:
                return wind
        return None

    def _on_event(self, event: Event) -> None:
        """Sortie ends tell the queue; drones' wind estimates feed the flying conditions."""
        if isinstance(event, TelemetryUpdated):
            self._report_wind(event.snapshot)
            if event.snapshot.name in self._to_adopt:
                self._adopt(event.snapshot)
            else:  # adoption first: what it leaves, reconciliation closes
                self._reconcile(event.snapshot)
            return
        if isinstance(event, LinkBack):
            self.patrol_clock.poke()
            return
        self.queue_follow(event)

    def _adopt(self, snap: VehicleSnapshot) -> None:
        """Once a vehicle reports after the start: adopt (or reconcile) the open sorties a
        stopped centre left on it; until then no new sortie may start on it (preflight)."""
        if snap.link is not LinkState.OK or snap.altitude_relative_m is None:
            return
        self._to_adopt.discard(snap.name)
        if self.fenced is not None:
            return
        try:
            taken = self.dispatcher.adopt(snap.name, self.replaces)
        except Exception:
            log.exception("%s: the open sorties could not be adopted", snap.name)
            return
        for item in taken:  # those closed from what the vehicle reports end their tasks too
            if item.adopted:
                continue
            try:
                record = get_sortie(self.db, item.sortie_id)
            except StorageError:
                log.exception("sortie %s: its record cannot be read", item.sortie_id)
                continue
            if record.ended_at is not None:
                self._task_of_reconciled(item.sortie_id, record.outcome, record.reason)
        if taken:
            self.patrol_clock.poke()

    def queue_follow(self, event: Event) -> None:
        """Close the queue's task of a sortie that ended (completed, failed or interrupted)."""
        from command.events import SortieCompleted, SortieFailed, SortieInterrupted

        if not isinstance(event, SortieCompleted | SortieFailed | SortieInterrupted):
            return
        sortie = self.dispatcher.sortie(event.sortie_id)
        task_id = sortie.work.task_id if sortie is not None else None
        if task_id is None:  # the dispatcher forgets a sortie as it publishes its end
            try:
                task_id = get_sortie(self.db, event.sortie_id).task_id
            except StorageError:
                log.exception("sortie %s: its task cannot be read", event.sortie_id)
        if task_id is not None:
            now = event.time_utc
            try:
                if isinstance(event, SortieCompleted):
                    self.queue.task_completed(task_id, now)
                elif isinstance(event, SortieFailed) or event.requeued_task_id is None:
                    self.queue.task_interrupted(task_id, now, event.reason)
            except Exception:
                log.exception(
                    "task %s of sortie %s not closed in the queue", task_id, event.sortie_id
                )
        self.patrol_clock.poke()

    def _reconcile(self, snap: VehicleSnapshot) -> None:
        """Once a drone is heard after start, close the sorties a stopped centre left open on
        it from what it reports (landed, returning...); one it cannot judge yet is looked at
        again every RECONCILE_RETRY_S until judged."""
        due = self._unreconciled.get(snap.name)
        if due is None or snap.link is not LinkState.OK or time.monotonic() < due:
            return
        try:
            found = self.dispatcher.reconcile(snap.name)
        except Exception:  # judged again at the next look
            log.exception("open sorties of %s not reconciled", snap.name)
            self._unreconciled[snap.name] = time.monotonic() + RECONCILE_RETRY_S
            return
        found = [r for r in found if self.dispatcher.sortie(r.sortie_id) is None]  # not ours
        for r in found:
            log.info("sortie %s of %s: %s", r.sortie_id, snap.name, r.reason)
            if r.outcome is not None:
                self._task_of_reconciled(r.sortie_id, r.outcome, r.reason)
        if any(r.outcome is None for r in found):
            self._unreconciled[snap.name] = time.monotonic() + RECONCILE_RETRY_S
        else:
            self._unreconciled.pop(snap.name, None)
            if found:
                self.patrol_clock.poke()

    def _task_of_reconciled(self, sortie_id: int, outcome: SortieOutcome, reason: str) -> None:
        """The queue's task of a sortie closed by reconciliation ends with it (done when the
        drone flew it all, else interrupted with the reason), so its zone is patrolled again."""
        from command.patrols import TaskState

        try:
            task_id = get_sortie(self.db, sortie_id).task_id
            if task_id is None or self.queue.get(task_id).state is not TaskState.FLYING:
                return
            now = self.utcnow()
            if outcome is SortieOutcome.COMPLETED:
                self.queue.task_completed(task_id, now)
            else:
                self.queue.task_interrupted(task_id, now, f"reconciled after a restart: {reason}")
        except Exception:
            log.exception("the task of reconciled sortie %s was not closed", sortie_id)

    def _report_wind(self, snap: VehicleSnapshot) -> None:
        if (
            snap.wind_speed_mps is None
            or snap.latitude_deg is None
            or snap.longitude_deg is None
            or snap.link is not LinkState.OK
            or not math.isfinite(snap.wind_speed_mps)
        ):
            return
        self.conditions.report_wind(
            WindReport(
                snap.name,
                snap.latitude_deg,
                snap.longitude_deg,
                snap.wind_speed_mps,
                self.utcnow(),  # when the centre learnt it (a sped-up vehicle's clock runs fast)
            )
        )
        if snap.name not in self._wind_known:  # work held for an unknown wind may go now
            self._wind_known.add(snap.name)
            self.patrol_clock.poke()


def _flying_rules(config: CentreConfig) -> FlyingRules:
    limits = config.limits
    night = (
        None if limits.fly_at_night else NightRule(exempt_max_priority=limits.night_exempt_priority)
    )
    return FlyingRules(
        wind_limit_mps=limits.wind_limit_mps,
        critical_wind_limit_mps=limits.critical_wind_limit_mps,
        night=night,
    )
