"""The alert engine's state as plain dataclasses: alerts, their timelines and what each station
last reported; to and from plain dicts (JSON-ready) so the centre can persist and restore it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from command.alerts.rules import Pattern, Response
from command.alerts.source import SourceFinding
from command.alerts.timeline import Timeline

STATE_VERSION = 1


class ResponseState(StrEnum):
    """Where an alert's quick response stands."""

    NONE = "none"  # no rule asked for one
    AWAITING_APPROVAL = "awaiting_approval"
    REQUESTED = "requested"  # automatic or approved: waiting for the plan
    DECLINED = "declined"  # an officer said no
    PLANNED = "planned"
    REFUSED = "refused"  # could not be planned or flown; the note says why
    DISPATCHED = "dispatched"
    ENDED = "ended"  # the sortie is over (completed, failed or interrupted; the note says)


@dataclass(frozen=True)
class Alert:
    """One alert at one place for one pollutant; values in the pollutant's unit (IAQI for AQI
    rules, µg/m³ per hour for rise rates, minutes for silence)."""

    alert_id: int
    rule: str  # the rule that raised it
    place: str
    place_label: str
    pollutant: str
    latitude_deg: float
    longitude_deg: float
    level: int
    value: float  # latest firing
    peak_value: float
    basis_value: float  # at raising or the last escalation: what "worsens by a ratio" compares
    reported_value: float  # the highest value an event has stated
    category: int | None  # AQI category of the latest firing (AQI rules)
    basis_category: int | None
    raised_utc: datetime
    last_fired_utc: datetime
    message: str
    rules: tuple[str, ...]  # every rule that fired here
    active_rules: tuple[str, ...]  # rules whose latest judgement fired
    firings: int = 1
    firing_since_utc: datetime | None = None  # firing without a let-up since (persistence)
    escalated_utc: datetime | None = None
    cleared_utc: datetime | None = None  # set while no rule fires (it stays open)
    response: Response = Response.NONE
    pattern: Pattern = Pattern.TRANSECTS
    response_state: ResponseState = ResponseState.NONE
    response_note: str = ""
    approved_by: str | None = None
    sortie_id: int | None = None
    vehicle: str | None = None
    on_scene_seq: int | None = None
    source: SourceFinding | None = None
    acknowledged_by: str | None = None
    acknowledged_comment: str | None = None
    acknowledged_utc: datetime | None = None
    closed_by: str | None = None
    closed_comment: str | None = None
    closed_utc: datetime | None = None
    closed_unacknowledged: bool = False

    @property
    def is_open(self) -> bool:
        """Until a person closes it."""
        return self.closed_utc is None

    @property
    def cleared(self) -> bool:
        """No rule fires here any more (it stays open until closed)."""
        return self.cleared_utc is not None

    @property
    def acknowledged(self) -> bool:
        """A named person took it in hand."""
        return self.acknowledged_utc is not None


@dataclass
class StationTrack:
    """What one station reported: position, last period end, recent values per pollutant."""

    station_id: str
    name: str
    latitude_deg: float
    longitude_deg: float
    last_period_end_utc: datetime | None = None
    history: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)

    def latest(self, pollutant: str) -> tuple[datetime, float] | None:
        """The newest (period end, value) of a pollutant."""
        values = self.history.get(pollutant)
        return values[-1] if values else None


@dataclass
class EngineState:
    """Everything the engine needs to carry on after a restart."""

    version: int = STATE_VERSION
    next_alert_id: int = 1
    started_utc: datetime | None = None
    alerts: list[Alert] = field(default_factory=list)  # open ones, and closed ones kept
    timelines: list[Timeline] = field(default_factory=list)
    stations: list[StationTrack] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values (times as ISO 8601 UTC)."""
        return _ADAPTER.dump_python(self, mode="json")

    @classmethod
    def from_dict(cls, data: Any) -> EngineState:
        """The state from to_dict's form; StateError names the first bad key."""
        try:
            state = _ADAPTER.validate_python(copy.deepcopy(data))
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"]) or "(top level)"
            raise StateError(f"alert engine state: {key}: {first['msg']}") from None
        if state.version != STATE_VERSION:
            raise StateError(
                f"alert engine state: version {state.version}, this engine reads {STATE_VERSION}"
            )
        return state


class StateError(ValueError):
    """A saved engine state that cannot be restored."""


_ADAPTER = TypeAdapter(EngineState)
