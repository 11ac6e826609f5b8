"""The alert engine: station and drone readings in, alert events and quick-response requests
out. One alert per place and pollutant while it is open; a second firing updates it. Time is
always passed in (`now`, UTC); the engine reads no clock and keeps no module state.

Not thread-safe by itself beyond one lock per call: the centre calls it from its subscriber
thread and from officers' requests alike, and every public method takes the lock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from command.alerts.conditions import (
    Firing,
    Verdict,
    judge_aqi,
    judge_drone,
    judge_hot_spot,
    judge_rise,
    judge_silence,
)
from command.alerts.desk import Desk, Outcome, ResponseRequest, Run, event_fields
from command.alerts.places import Place, ZoneIndex, station_place
from command.alerts.rules import (
    ALL_POLLUTANTS,
    MAX_LEVEL,
    AqiRule,
    DroneSampleRule,
    HotSpotRule,
    Response,
    RiseRateRule,
    Rule,
    RuleError,
    SilenceRule,
    level_name,
)
from command.alerts.state import Alert, EngineState, ResponseState, StationTrack
from command.alerts.timeline import Step, Timeline
from command.events.types import (
    AlertEscalated,
    AlertRaised,
    DroneReading,
    Event,
    SortieEvent,
    StationReading,
)
from missions.zones import Zone

PEAK_STEP = 1.1
"""A re-firing is reported when its value tops the last reported one by this factor."""

__all__ = ["AlertEngine", "Outcome", "ResponseRequest"]


class AlertEngine(Desk):
    """Judges every rule on each reading (and silence on `tick`) and keeps the open alerts."""

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        zones: Sequence[Zone] = (),
        state: EngineState | None = None,
        keep_closed: int = 1000,
    ) -> None:
        self._lock = threading.RLock()
        self._zones = ZoneIndex(zones)
        self._rules: dict[str, Rule] = {}
        self._in_zone: dict[tuple[str, str], bool] = {}
        self._keep_minutes = 60.0
        for rule in rules:
            self.add_rule(rule)
        super().__init__(state or EngineState(), keep_closed)

    # --- rules --------------------------------------------------------------------------------
    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules in force, in the order they were added."""
        return tuple(self._rules.values())

    def add_rule(self, rule: Rule) -> None:
        """Put a rule in force (replacing one of the same name); its zone must be known."""
        if rule.zone is not None and rule.zone not in self._zones.names:
            raise RuleError("engine", rule.name, "zone", f"unknown zone {rule.zone!r}")
        with self._lock:
            self._rules[rule.name] = rule
            self._rules_changed()

    def remove_rule(self, name: str) -> None:
        """Take a rule out of force; its open alerts stay until closed."""
        with self._lock:
            if self._rules.pop(name, None) is None:
                raise KeyError(f"no rule named {name!r}")
            self._rules_changed()

    # --- readings -----------------------------------------------------------------------------
    def observe(self, event: Event, now: datetime) -> Outcome:
        """Judge a station or drone reading; follow a quick-response sortie's events. Other
        events are ignored."""
        with self._lock:
            run = Run(now)
            if isinstance(event, StationReading):
                self._station(event, run)
            elif isinstance(event, DroneReading):
                self._drone(event, run)
            elif isinstance(event, SortieEvent):
                self._sortie(event, run)
            return run.outcome()

    def tick(self, now: datetime) -> Outcome:
        """Judge station silence and escalate alerts that have persisted long enough."""
        with self._lock:
            run = Run(now)
            if self._started is None:
                self._started = now
            for rule in self._rules.values():
                if isinstance(rule, SilenceRule):
                    self._silence(rule, run)
            for alert in list(self._alerts.values()):
                if alert.is_open and not alert.cleared:
                    self._escalate_if_persisting(alert, run)
            return run.outcome()

    def _station(self, reading: StationReading, run: Run) -> None:
        if self._started is None:
            self._started = run.now
        track = self._tracks.get(reading.station_id)
        if track is None:
            track = StationTrack(
                reading.station_id, reading.name, reading.latitude_deg, reading.longitude_deg
            )
            self._tracks[reading.station_id] = track
        at = reading.period_end_utc
        if track.last_period_end_utc is not None and at <= track.last_period_end_utc:
            return  # a repeat or an older period: already judged
        track.name = reading.name
        track.latitude_deg, track.longitude_deg = reading.latitude_deg, reading.longitude_deg
        values = {p: v for p, v in reading.values if math.isfinite(v) and v >= 0}
        track.last_period_end_utc = at
        keep = timedelta(minutes=self._keep_minutes)
        for pollutant, value in values.items():
            held = track.history.setdefault(pollutant, [])
            held.append((at, value))
            while len(held) > 1 and held[0][0] < at - keep:
                held.pop(0)
        place = station_place(
            reading.station_id, reading.name, reading.latitude_deg, reading.longitude_deg
        )
        for rule in self._rules.values():
            if not rule.reads_stations or not self._applies(rule, track):
                continue
            if isinstance(rule, SilenceRule):
                for pollutant in rule.pollutants or (None,):
                    if pollutant is None or pollutant in values:
                        self._quiet(rule, place, _silence_key(pollutant), run)
                continue
            for pollutant in rule.pollutants:
                self._judged(
                    rule, place, pollutant, self._judge(rule, pollutant, track, values), run
                )

    def _judge(
        self, rule: Rule, pollutant: str, track: StationTrack, values: dict[str, float]
    ) -> Verdict:
        if isinstance(rule, AqiRule):
            return judge_aqi(rule, pollutant, values)
        if pollutant not in values:
            return None
        if isinstance(rule, RiseRateRule):
            return judge_rise(rule, pollutant, track)
        if isinstance(rule, HotSpotRule):
            return judge_hot_spot(rule, pollutant, track, self._tracks.values())
        return None

    def _drone(self, reading: DroneReading, run: Run) -> None:
        values = {p: v for p, v in reading.values if math.isfinite(v) and v >= 0}
        place: Place | None = None
        for rule in self._rules.values():
            if not isinstance(rule, DroneSampleRule):
                continue
            lat, lon = reading.latitude_deg, reading.longitude_deg
            if rule.zone is not None and not self._zones.holds(rule.zone, lat, lon):
                continue
            for pollutant in rule.pollutants:
                verdict = judge_drone(rule, pollutant, values.get(pollutant))
                if verdict is not None:
                    place = place or self._zones.sample_place(lat, lon)
                    self._judged(rule, place, pollutant, verdict, run)

    def _silence(self, rule: SilenceRule, run: Run) -> None:
        ids = rule.stations or tuple(self._tracks)
        for station_id in ids:
            track = self._tracks.get(station_id)
            if track is not None and not self._applies(rule, track):
                continue
            if track is None:
                place = station_place(station_id, "", math.nan, math.nan)
            else:
                place = station_place(
                    station_id, track.name, track.latitude_deg, track.longitude_deg
                )
            since = self._started or run.now
            for pollutant in rule.pollutants or (None,):
                verdict = judge_silence(rule, pollutant, track, run.now, since)
                self._judged(rule, place, _silence_key(pollutant), verdict, run)

    def _applies(self, rule: Rule, track: StationTrack) -> bool:
        if rule.stations and track.station_id not in rule.stations:
            return False
        if rule.zone is None:
            return True
        key = (rule.name, track.station_id)
        held = self._in_zone.get(key)
        if held is None:
            held = self._zones.holds(rule.zone, track.latitude_deg, track.longitude_deg)
            self._in_zone[key] = held
        return held

    def _rules_changed(self) -> None:
        """Recompute what the rules in force need: station history kept (minutes)."""
        kept = [
            getattr(r, "window_minutes", 0.0) or getattr(r, "max_age_minutes", 0.0)
            for r in self._rules.values()
        ]
        self._keep_minutes = max([60.0, *kept])
        self._in_zone.clear()

    # --- firing, quiet, escalation ------------------------------------------------------------
    def _judged(self, rule: Rule, place: Place, pollutant: str, verdict: Verdict, run: Run) -> None:
        if isinstance(verdict, Firing):
            self._fire(rule, place, pollutant, verdict, run)
        elif verdict is False:
            self._quiet(rule, place, pollutant, run)

    def _fire(self, rule: Rule, place: Place, pollutant: str, firing: Firing, run: Run) -> None:
        alert_id = self._open.get((place.key, pollutant))
        if alert_id is None:
            self._raise_alert(rule, place, pollutant, firing, run)
            return
        alert = self._alerts[alert_id]
        own = rule.name == alert.rule  # the alert's value is its raising rule's measure
        was_cleared = alert.cleared
        alert = replace(
            alert,
            last_fired_utc=run.now,
            firings=alert.firings + 1,
            active_rules=_with(alert.active_rules, rule.name),
            rules=_with(alert.rules, rule.name),
            cleared_utc=None,
            firing_since_utc=run.now if was_cleared else alert.firing_since_utc,
        )
        if own:
            alert = replace(alert, value=firing.value, category=firing.category)
            if firing.value > alert.peak_value:
                alert = replace(
                    alert,
                    peak_value=firing.value,
                    latitude_deg=place.latitude_deg,
                    longitude_deg=place.longitude_deg,
                )
        reason, level = self._worsened(alert, rule, firing, own, run.now)
        if reason:
            alert = self._escalated(alert, level, f"{reason}: {firing.text}", run)
        elif was_cleared:
            alert = self._update(alert, run, f"fired again at {place.label}: {firing.text}")
        elif (
            own
            and not isinstance(rule, SilenceRule)
            and firing.value >= PEAK_STEP * alert.reported_value
        ):
            alert = self._update(alert, run, f"new peak at {place.label}: {firing.text}")
        if alert.response_state is ResponseState.NONE and rule.response is not Response.NONE:
            alert = self._ask_response(
                replace(alert, response=rule.response, pattern=rule.pattern), run
            )
        self._alerts[alert.alert_id] = alert

    def _raise_alert(
        self, rule: Rule, place: Place, pollutant: str, firing: Firing, run: Run
    ) -> None:
        alert_id = self._next_id
        self._next_id += 1
        message = (
            f"{level_name(rule.level)} alert at {place.label}: {firing.text} [rule {rule.name}]"
        )
        alert = Alert(
            alert_id=alert_id,
            rule=rule.name,
            place=place.key,
            place_label=place.label,
            pollutant=pollutant,
            latitude_deg=place.latitude_deg,
            longitude_deg=place.longitude_deg,
            level=rule.level,
            value=firing.value,
            peak_value=firing.value,
            basis_value=firing.value,
            reported_value=firing.value,
            category=firing.category,
            basis_category=firing.category,
            raised_utc=run.now,
            last_fired_utc=run.now,
            firing_since_utc=run.now,
            message=message,
            rules=(rule.name,),
            active_rules=(rule.name,),
            response=rule.response,
            pattern=rule.pattern,
        )
        self._open[(place.key, pollutant)] = alert_id
        self._timelines[alert_id] = Timeline(alert_id).with_step(Step.RAISED, run.now)
        run.events.append(
            AlertRaised(
                **event_fields(alert, run.now),
                level=rule.level,
                value=firing.value,
                message=message,
                latitude_deg=place.latitude_deg,
                longitude_deg=place.longitude_deg,
            )
        )
        if rule.response is not Response.NONE:
            alert = self._ask_response(alert, run)
        self._alerts[alert_id] = alert

    def _quiet(self, rule: Rule, place: Place, pollutant: str, run: Run) -> None:
        alert_id = self._open.get((place.key, pollutant))
        if alert_id is None:
            return
        alert = self._alerts[alert_id]
        if rule.name not in alert.active_rules:
            return
        active = tuple(r for r in alert.active_rules if r != rule.name)
        alert = replace(alert, active_rules=active)
        if not active and not alert.cleared:
            alert = replace(alert, cleared_utc=run.now)
            alert = self._update(
                alert, run, f"cleared: rule {rule.name} no longer fires (open until closed)"
            )
        self._alerts[alert_id] = alert

    def _worsened(
        self, alert: Alert, rule: Rule, firing: Firing, own: bool, now: datetime
    ) -> tuple[str, int]:
        """Why the alert escalates now ('' when it does not) and to which level."""
        if alert.level >= MAX_LEVEL:
            return "", alert.level
        if rule.level > alert.level:
            return f"rule {rule.name} fired at level {level_name(rule.level)}", rule.level
        up = alert.level + 1
        if (
            own
            and firing.category is not None
            and alert.basis_category is not None
            and firing.category > alert.basis_category
        ):
            return "worsened by a category", up
        if own and rule.escalate_ratio is not None and alert.basis_value > 0:
            ratio = firing.value / alert.basis_value
            if ratio >= rule.escalate_ratio:
                return f"worsened ×{ratio:.2f} since {alert.basis_value:g}", up
        persisting = self._persisting_for(alert, now)
        if persisting:
            return persisting, up
        return "", alert.level

    def _persisting_for(self, alert: Alert, now: datetime) -> str:
        limits = [
            r.escalate_after_minutes
            for name in alert.active_rules
            if (r := self._rules.get(name)) is not None and r.escalate_after_minutes is not None
        ]
        if not limits:
            return ""
        since = alert.firing_since_utc or alert.escalated_utc or alert.raised_utc
        minutes = (now - since).total_seconds() / 60.0
        return f"persisting for {minutes:.0f} min" if minutes >= min(limits) else ""

    def _escalate_if_persisting(self, alert: Alert, run: Run) -> None:
        if alert.level >= MAX_LEVEL:
            return
        reason = self._persisting_for(alert, run.now)
        if reason:
            self._alerts[alert.alert_id] = self._escalated(alert, alert.level + 1, reason, run)

    def _escalated(self, alert: Alert, level: int, reason: str, run: Run) -> Alert:
        message = f"escalated to {level_name(level)} at {alert.place_label}: {reason}"
        alert = replace(
            alert,
            level=level,
            basis_value=alert.value,
            basis_category=alert.category,
            reported_value=max(alert.reported_value, alert.value),
            escalated_utc=run.now,
            firing_since_utc=run.now,
            message=message,
        )
        run.events.append(
            AlertEscalated(
                **event_fields(alert, run.now), level=level, value=alert.value, message=message
            )
        )
        return alert


def _with(names: tuple[str, ...], name: str) -> tuple[str, ...]:
    return names if name in names else (*names, name)


def _silence_key(pollutant: str | None) -> str:
    return pollutant or ALL_POLLUTANTS
