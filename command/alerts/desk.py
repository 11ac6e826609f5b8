"""What people and the dispatcher do with an alert: acknowledge and close it (a named person with
a comment), approve or decline its quick response, and record the response's plan, sortie and
source estimate, each step timed."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from command.alerts.rules import Pattern, Response
from command.alerts.source import SourceFinding
from command.alerts.state import Alert, EngineState, ResponseState, StationTrack
from command.alerts.timeline import Step, Timeline
from command.events.types import (
    AlertAcknowledged,
    AlertClosed,
    AlertEvent,
    AlertUpdated,
    ItemReached,
    SortieAirborne,
    SortieCompleted,
    SortieEvent,
    SortieFailed,
    SortieInterrupted,
)

MAX_NAME = 80
"""Characters a person's name may have."""
MAX_COMMENT = 2000
"""Characters a comment may have."""


class AlertActionError(ValueError):
    """An action on an alert that cannot be taken; the message says which alert, field and why."""


@dataclass(frozen=True)
class ResponseRequest:
    """A quick response to plan and fly now (automatic, or approved by `approved_by`)."""

    alert_id: int
    rule: str
    place: str
    pollutant: str
    latitude_deg: float
    longitude_deg: float
    pattern: Pattern
    level: int
    approved_by: str | None
    time_utc: datetime


@dataclass(frozen=True)
class Outcome:
    """What one call produced: alert events for the bus, quick responses to plan."""

    events: tuple[AlertEvent, ...] = ()
    responses: tuple[ResponseRequest, ...] = ()


@dataclass
class Run:
    """The events and requests gathered during one call at time `now`."""

    now: datetime
    events: list[AlertEvent] = field(default_factory=list)
    responses: list[ResponseRequest] = field(default_factory=list)

    def outcome(self) -> Outcome:
        """The frozen result."""
        return Outcome(tuple(self.events), tuple(self.responses))


class Desk:
    """The engine's alerts, timelines and station tracks, and the actions taken on alerts."""

    _lock: threading.RLock

    def __init__(self, state: EngineState, keep_closed: int) -> None:
        self._keep_closed = keep_closed
        self._next_id = state.next_alert_id
        self._started = state.started_utc
        self._alerts: dict[int, Alert] = {a.alert_id: a for a in state.alerts}
        self._open = {(a.place, a.pollutant): a.alert_id for a in state.alerts if a.is_open}
        self._timelines = {t.alert_id: t for t in state.timelines}
        self._tracks: dict[str, StationTrack] = {
            t.station_id: copy.deepcopy(t) for t in state.stations
        }
        self._sorties = {
            a.sortie_id: a.alert_id
            for a in state.alerts
            if a.is_open
            and a.sortie_id is not None
            and a.response_state is ResponseState.DISPATCHED
        }

    # --- what the centre reads ----------------------------------------------------------------
    def alert(self, alert_id: int) -> Alert:
        """One alert, open or recently closed."""
        with self._lock:
            return self._known(alert_id)

    def open_alerts(self) -> tuple[Alert, ...]:
        """The open alerts, oldest first."""
        with self._lock:
            return tuple(a for a in self._alerts.values() if a.is_open)

    def timeline(self, alert_id: int) -> Timeline:
        """When each step of an alert happened."""
        with self._lock:
            self._known(alert_id)
            return self._timelines[alert_id]

    def timelines(self) -> tuple[Timeline, ...]:
        """The timelines of every alert held (open and recently closed)."""
        with self._lock:
            return tuple(self._timelines.values())

    def state(self) -> EngineState:
        """A copy of everything needed to restore the engine (EngineState.to_dict for disk)."""
        with self._lock:
            return EngineState(
                next_alert_id=self._next_id,
                started_utc=self._started,
                alerts=list(self._alerts.values()),
                timelines=list(self._timelines.values()),
                stations=[copy.deepcopy(t) for t in self._tracks.values()],
            )

    # --- people -------------------------------------------------------------------------------
    def acknowledge(self, alert_id: int, by: str, comment: str, now: datetime) -> Outcome:
        """A named person takes the alert in hand, saying what they do."""
        with self._lock:
            alert = self._open_alert(alert_id)
            by, comment = _person(alert_id, by), _comment(alert_id, comment)
            if alert.acknowledged:
                raise AlertActionError(
                    f"alert {alert_id}: already acknowledged by {alert.acknowledged_by}"
                )
            run = Run(now)
            alert = replace(
                alert, acknowledged_by=by, acknowledged_comment=comment, acknowledged_utc=now
            )
            self._step(alert_id, Step.ACKNOWLEDGED, now)
            run.events.append(AlertAcknowledged(**event_fields(alert, now), by=by, comment=comment))
            self._alerts[alert_id] = alert
            return run.outcome()

    def close(self, alert_id: int, by: str, comment: str, now: datetime) -> Outcome:
        """A named person closes the alert; closing one nobody acknowledged is recorded as such."""
        with self._lock:
            alert = self._open_alert(alert_id)
            by, comment = _person(alert_id, by), _comment(alert_id, comment)
            run = Run(now)
            alert = replace(
                alert,
                closed_by=by,
                closed_comment=comment,
                closed_utc=now,
                closed_unacknowledged=not alert.acknowledged,
            )
            self._open.pop((alert.place, alert.pollutant), None)
            self._sorties = {s: a for s, a in self._sorties.items() if a != alert_id}
            self._step(alert_id, Step.CLOSED, now)
            run.events.append(
                AlertClosed(
                    **event_fields(alert, now),
                    by=by,
                    comment=comment,
                    acknowledged=alert.acknowledged,
                )
            )
            self._alerts[alert_id] = alert
            self._forget_old_closed()
            return run.outcome()

    def approve_response(self, alert_id: int, by: str, now: datetime) -> Outcome:
        """An officer approves the quick response the alert's rule asked for."""
        with self._lock:
            alert = self._open_alert(alert_id)
            by = _person(alert_id, by)
            self._expect(alert, ResponseState.AWAITING_APPROVAL, "approve its response")
            run = Run(now)
            alert = replace(alert, response_state=ResponseState.REQUESTED, approved_by=by)
            alert = self._update(alert, run, f"quick response ({alert.pattern}) approved by {by}")
            run.responses.append(_request(alert, now))
            self._alerts[alert_id] = alert
            return run.outcome()

    def decline_response(self, alert_id: int, by: str, comment: str, now: datetime) -> Outcome:
        """An officer declines the quick response, saying why."""
        with self._lock:
            alert = self._open_alert(alert_id)
            by, comment = _person(alert_id, by), _comment(alert_id, comment)
            self._expect(alert, ResponseState.AWAITING_APPROVAL, "decline its response")
            run = Run(now)
            alert = replace(alert, response_state=ResponseState.DECLINED, response_note=comment)
            alert = self._update(alert, run, f"quick response declined by {by}: {comment}")
            self._alerts[alert_id] = alert
            return run.outcome()

    # --- the dispatcher -----------------------------------------------------------------------
    def record_plan(self, alert_id: int, summary: str, now: datetime) -> Outcome:
        """The response mission is planned and checked: the dispatch decision is made (also
        after an earlier refusal, when conditions changed)."""
        return self._response_step(
            alert_id,
            (ResponseState.REQUESTED, ResponseState.REFUSED),
            ResponseState.PLANNED,
            Step.DECIDED,
            now,
            f"quick response planned: {summary}",
        )

    def record_refusal(self, alert_id: int, reason: str, now: datetime) -> Outcome:
        """The response cannot be planned or flown; the alert says why."""
        with self._lock:
            alert = self._open_alert(alert_id)
            if alert.response_state not in (ResponseState.REQUESTED, ResponseState.PLANNED):
                self._expect(alert, ResponseState.REQUESTED, "refuse its response")
            run = Run(now)
            alert = replace(alert, response_state=ResponseState.REFUSED, response_note=reason)
            self._alerts[alert_id] = self._update(alert, run, f"quick response refused: {reason}")
            return run.outcome()

    def record_dispatch(
        self, alert_id: int, sortie_id: int, vehicle: str, on_scene_seq: int, now: datetime
    ) -> Outcome:
        """The sortie is prepared for the response; `on_scene_seq` is the mission item (as the
        vehicle numbers it) that starts the response pattern."""
        with self._lock:
            outcome = self._response_step(
                alert_id,
                (ResponseState.PLANNED,),
                ResponseState.DISPATCHED,
                Step.DISPATCHED,
                now,
                f"quick response dispatched: {vehicle}, sortie {sortie_id}",
                sortie_id=sortie_id,
                vehicle=vehicle,
                on_scene_seq=on_scene_seq,
            )
            self._sorties[sortie_id] = alert_id
            return outcome

    def attach_source(self, alert_id: int, finding: SourceFinding, now: datetime) -> Outcome:
        """The traced source (estimate and candidate enterprise zones) goes on the alert."""
        with self._lock:
            alert = self._open_alert(alert_id)
            run = Run(now)
            self._step(alert_id, Step.SOURCE_ESTIMATED, now)
            alert = self._update(replace(alert, source=finding), run, finding.message)
            self._alerts[alert_id] = alert
            return run.outcome()

    def record_tracing_failure(self, alert_id: int, reason: str, now: datetime) -> Outcome:
        """The sortie's samples could not trace a source; the alert says why."""
        with self._lock:
            alert = self._open_alert(alert_id)
            run = Run(now)
            self._alerts[alert_id] = self._update(alert, run, f"source not traced: {reason}")
            return run.outcome()

    def _sortie(self, event: SortieEvent, run: Run) -> None:
        alert_id = self._sorties.get(event.sortie_id)
        if alert_id is None:
            return
        alert = self._alerts[alert_id]
        at = event.time_utc
        if isinstance(event, SortieAirborne):
            self._step(alert_id, Step.AIRBORNE, at)
            alert = self._update(alert, run, f"quick response airborne: {event.vehicle}")
        elif isinstance(event, ItemReached):
            scene = alert.on_scene_seq
            if (
                scene is None
                or event.seq < scene
                or Step.ON_SCENE in self._timelines[alert_id].steps
            ):
                return
            self._step(alert_id, Step.ON_SCENE, at)
            alert = self._update(alert, run, f"quick response on scene: {event.vehicle}")
        elif isinstance(event, SortieCompleted | SortieFailed | SortieInterrupted):
            how = {SortieCompleted: "completed"}.get(type(event)) or getattr(event, "reason", "")
            note = f"sortie {event.sortie_id} ended: {how}"
            alert = replace(alert, response_state=ResponseState.ENDED, response_note=note)
            alert = self._update(alert, run, f"quick response {note}")
            self._sorties.pop(event.sortie_id, None)
        else:
            return
        self._alerts[alert_id] = alert

    # --- shared steps -------------------------------------------------------------------------
    def _ask_response(self, alert: Alert, run: Run) -> Alert:
        """The rule asks for a response: at once, or after an officer approves."""
        if alert.response is Response.AUTOMATIC:
            run.responses.append(_request(alert, run.now))
            return replace(alert, response_state=ResponseState.REQUESTED)
        alert = replace(alert, response_state=ResponseState.AWAITING_APPROVAL)
        return self._update(alert, run, f"quick response ({alert.pattern}) awaits approval")

    def _response_step(
        self,
        alert_id: int,
        expected: tuple[ResponseState, ...],
        new: ResponseState,
        step: Step,
        now: datetime,
        message: str,
        **changes: object,
    ) -> Outcome:
        with self._lock:
            alert = self._open_alert(alert_id)
            if alert.response_state not in expected:
                self._expect(alert, expected[0], f"record '{new.value}'")
            run = Run(now)
            self._step(alert_id, step, now)
            alert = replace(alert, response_state=new, **changes)  # type: ignore[arg-type]
            self._alerts[alert_id] = self._update(alert, run, message)
            return run.outcome()

    def _update(self, alert: Alert, run: Run, message: str) -> Alert:
        alert = replace(
            alert, message=message, reported_value=max(alert.reported_value, alert.value)
        )
        run.events.append(AlertUpdated(**event_fields(alert, run.now), message=message))
        return alert

    def _step(self, alert_id: int, step: Step, time_utc: datetime) -> None:
        self._timelines[alert_id] = self._timelines[alert_id].with_step(step, time_utc)

    def _known(self, alert_id: int) -> Alert:
        alert = self._alerts.get(alert_id)
        if alert is None:
            raise AlertActionError(f"alert {alert_id}: no such alert")
        return alert

    def _open_alert(self, alert_id: int) -> Alert:
        alert = self._known(alert_id)
        if not alert.is_open:
            when = f"{alert.closed_utc:%Y-%m-%d %H:%M}Z"
            raise AlertActionError(f"alert {alert_id}: closed by {alert.closed_by} at {when}")
        return alert

    @staticmethod
    def _expect(alert: Alert, state: ResponseState, action: str) -> None:
        if alert.response_state is not state:
            raise AlertActionError(
                f"alert {alert.alert_id}: cannot {action}: its quick response is "
                f"{alert.response_state.value}, not {state.value}"
            )

    def _forget_old_closed(self) -> None:
        closed = [a for a in self._alerts.values() if not a.is_open]
        for alert in closed[: max(0, len(closed) - self._keep_closed)]:
            del self._alerts[alert.alert_id]
            self._timelines.pop(alert.alert_id, None)


def event_fields(alert: Alert, now: datetime) -> dict[str, Any]:
    """The fields every event of an alert carries."""
    return {
        "time_utc": now,
        "alert_id": alert.alert_id,
        "rule": alert.rule,
        "place": alert.place,
        "pollutant": alert.pollutant,
    }


def _request(alert: Alert, now: datetime) -> ResponseRequest:
    return ResponseRequest(
        alert.alert_id,
        alert.rule,
        alert.place,
        alert.pollutant,
        alert.latitude_deg,
        alert.longitude_deg,
        alert.pattern,
        alert.level,
        alert.approved_by,
        now,
    )


def _person(alert_id: int, by: str) -> str:
    return _text(alert_id, "by", by, MAX_NAME, "a person's name")


def _comment(alert_id: int, comment: str) -> str:
    return _text(alert_id, "comment", comment, MAX_COMMENT, "a comment")


def _text(alert_id: int, field_name: str, value: object, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AlertActionError(f"alert {alert_id}: {field_name}: required, {what}")
    text = value.strip()
    if len(text) > limit:
        raise AlertActionError(
            f"alert {alert_id}: {field_name}: {len(text)} characters, at most {limit}"
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise AlertActionError(f"alert {alert_id}: {field_name}: control characters")
    if field_name == "by" and "\n" in text:
        raise AlertActionError(f"alert {alert_id}: by: a name is one line")
    return text
