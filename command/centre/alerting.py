"""The alert engine at run time: readings and sortie events in from the bus, alerts stored and
published, quick responses put in the dispatch queue as critical work, the response sortie's
samples traced to a source (outside the lock; the finding is put on the alert by the public
`attach_source`). One lock orders the engine's changes and their saving."""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from command.alerts import (
    AlertEngine,
    Outcome,
    ResponsePlanner,
    ResponseRefused,
    ResponseRequest,
    SourceFinding,
    trace_for_alert,
)
from command.alerts.store import AlertStore
from command.events import (
    DroneReading,
    Event,
    EventBus,
    SortieCompleted,
    SortieEvent,
    SortieInterrupted,
    StationReading,
)
from command.patrols import CRITICAL, DispatchQueue, NewTask, TaskKind
from missions.estimate import estimate_flight
from missions.items import Position
from missions.zones import Zone
from sensors.analysis.tracing import TracingError, WindObs
from sensors.cubes.trajectory import DroneSample

log = logging.getLogger("command.centre.alerts")

WINDLESS = "no wind estimate"
"""Why a response sortie's samples were not traced when there is no wind for its drone."""
MAX_TRACE_SAMPLES = 20_000
"""Samples kept per response sortie for source tracing."""


class AlertService:
    """Runs the alert engine for the centre; its calls are thread-safe and take `now`."""

    EVENT_KINDS = (StationReading, DroneReading, SortieEvent)

    def __init__(
        self,
        engine: AlertEngine,
        store: AlertStore,
        bus: EventBus,
        queue: DispatchQueue,
        planner: Callable[[], ResponsePlanner],
        zones: Callable[[], Sequence[Zone]],
        origin: Callable[[], Position | None],
        wind: Callable[[str], WindObs | None],
        utcnow: Callable[[], datetime],
        *,
        tick_s: float = 60.0,
        trace_after_s: float = 5.0,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.bus = bus
        self.queue = queue
        self._planner = planner
        self._zones = zones
        self._origin = origin
        self._wind = wind
        self.utcnow = utcnow
        self.tick_s = tick_s
        self.trace_after_s = trace_after_s
        self._on_queued = on_queued
        self._lock = threading.RLock()
        self._responses: dict[int, tuple[int, str, str]] = {}  # sortie → alert, vehicle, pollutant
        self._samples: dict[int, list[DroneSample]] = defaultdict(list)
        self._trace_due: dict[int, datetime] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Subscribe to the bus and start the thread judging time-watching rules and tracing."""
        self.bus.subscribe("alerts", self.handle, kinds=self.EVENT_KINDS)
        self._thread = threading.Thread(target=self._serve, name="alert-clock", daemon=True)
        self._thread.start()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the thread (the bus subscription ends with the bus)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    # --- events from the bus -------------------------------------------------------------------
    def handle(self, event: Event) -> None:
        """A reading or a sortie event, on the bus's subscriber thread."""
        now = self.utcnow()
        if isinstance(event, DroneReading) and event.sortie_id in self._responses:
            self._keep_sample(event)
        with self._lock:
            self._apply(self.engine.observe(event, now), now)
            ended = isinstance(event, SortieCompleted | SortieInterrupted)
            if ended and event.sortie_id in self._responses:
                self._trace_due[event.sortie_id] = now + timedelta(seconds=self.trace_after_s)
                self._wake.set()

    def _keep_sample(self, reading: DroneReading) -> None:
        kept = self._samples[reading.sortie_id or 0]
        if len(kept) < MAX_TRACE_SAMPLES:
            kept.append(
                DroneSample(
                    vehicle_id=reading.vehicle,
                    sortie_id=str(reading.sortie_id),
                    time_ms=int(reading.time_utc.timestamp() * 1000),
                    lat=reading.latitude_deg,
                    lon=reading.longitude_deg,
                    altitude_m=reading.altitude_m,
                    values=dict(reading.values),
                )
            )

    # --- what people do ----------------------------------------------------------------------
    def acknowledge(self, alert_id: int, by: str, comment: str) -> None:
        """A named person takes the alert in hand (AlertActionError when not possible)."""
        self._act(lambda now: self.engine.acknowledge(alert_id, by, comment, now))

    def close_alert(self, alert_id: int, by: str, comment: str) -> None:
        """A named person closes the alert."""
        self._act(lambda now: self.engine.close(alert_id, by, comment, now))

    def approve_response(self, alert_id: int, by: str) -> None:
        """An officer approves the quick response an alert waits for."""
        self._act(lambda now: self.engine.approve_response(alert_id, by, now))

    def decline_response(self, alert_id: int, by: str, comment: str) -> None:
        """An officer declines it, saying why."""
        self._act(lambda now: self.engine.decline_response(alert_id, by, comment, now))

    # --- tracing's outcome ---------------------------------------------------------------------
    def attach_source(
        self, alert_id: int, finding: SourceFinding, now: datetime | None = None
    ) -> None:
        """A traced source put on the alert (stored, then published as AlertUpdated): what the
        centre's tracing of a response sortie does with its finding; `now` defaults to the
        clock. AlertActionError when the alert is unknown."""
        self._act(lambda at: self.engine.attach_source(alert_id, finding, at), now)

    def _act(self, action: Callable[[datetime], Outcome], now: datetime | None = None) -> None:
        now = self.utcnow() if now is None else now
        with self._lock:
            self._apply(action(now), now)

    # --- quick responses -----------------------------------------------------------------------
    def response_dispatched(
        self, alert_id: int, sortie_id: int, vehicle: str, on_scene_seq: int, now: datetime
    ) -> None:
        """The queue gave the response to a drone and its sortie is prepared."""
        with self._lock:
            alert = self.engine.alert(alert_id)
            self._responses[sortie_id] = (alert_id, vehicle, alert.pollutant)
            self._apply(
                self.engine.record_dispatch(alert_id, sortie_id, vehicle, on_scene_seq, now), now
            )

    def _request(self, request: ResponseRequest, now: datetime) -> Outcome:
        """Check that the response can be planned (from the fleet's origin) and queue it as
        critical work; the chosen drone's own position is planned from at dispatch."""
        home = self._origin()
        if home is None:
            return self.engine.record_refusal(request.alert_id, "no drone has a position", now)
        try:
            plan = self._planner().plan(request, self._wind(""), home)
        except ResponseRefused as exc:
            return self.engine.record_refusal(request.alert_id, str(exc), now)
        work_s = estimate_flight(plan.mission).time_s
        self.queue.enqueue(
            NewTask(
                kind=TaskKind.QUICK_RESPONSE,
                zone=f"alert {request.alert_id} {request.place}"[:120],
                priority=CRITICAL,
                due_at=now,
                latitude_deg=request.latitude_deg,
                longitude_deg=request.longitude_deg,
                work_s=work_s if math.isfinite(work_s) else 600.0,
                detail={
                    "alert_id": request.alert_id,
                    "latitude_deg": request.latitude_deg,
                    "longitude_deg": request.longitude_deg,
                    "pattern": request.pattern.value,
                    "pollutant": request.pollutant,
                },
                run_key=f"alert:{request.alert_id}",
            ),
            now,
        )
        self._on_queued()
        return self.engine.record_plan(request.alert_id, plan.summary, now)

    def _apply(self, outcome: Outcome, now: datetime) -> None:
        """Publish, store, and queue what the engine decided (under the lock)."""
        outcomes = [outcome]
        for request in outcome.responses:
            outcomes.append(self._request(request, now))
        changed = {e.alert_id for o in outcomes for e in o.events}
        if changed:
            self.store.save(self.engine.state(), now, changed)
        for o in outcomes:
            for event in o.events:
                self.bus.publish(event)

    # --- the clock: silent stations, tracing ---------------------------------------------------
    def _serve(self) -> None:
        next_tick = self.utcnow()
        while not self._stop.is_set():
            now = self.utcnow()
            try:
                if now >= next_tick:
                    with self._lock:
                        self._apply(self.engine.tick(now), now)
                    next_tick = now + timedelta(seconds=self.tick_s)
                self._trace_due_ones(now)
            except Exception:  # the clock must keep running
                log.exception("alert clock round failed")
            wait = (next_tick - now).total_seconds()
            if self._trace_due:
                wait = min(wait, min((t - now).total_seconds() for t in self._trace_due.values()))
            self._wake.wait(max(0.05, wait))
            self._wake.clear()

    def _trace_due_ones(self, now: datetime) -> None:
        with self._lock:
            due = [s for s, t in self._trace_due.items() if t <= now]
            for sortie_id in due:
                del self._trace_due[sortie_id]
        for sortie_id in due:
            self._trace(sortie_id, now)

    def _trace(self, sortie_id: int, now: datetime) -> None:
        alert_id, vehicle, pollutant = self._responses.pop(sortie_id)
        samples = self._samples.pop(sortie_id, [])
        wind = self._wind(vehicle)
        if wind is None:
            self._act(lambda at: self.engine.record_tracing_failure(alert_id, WINDLESS, at), now)
            return
        try:
            finding = trace_for_alert(samples, wind, tuple(self._zones()), pollutant)
        except TracingError as exc:
            failed = str(exc)
            self._act(lambda at: self.engine.record_tracing_failure(alert_id, failed, at), now)
            return
        self.attach_source(alert_id, finding, now)
