"""Typed events of the command centre (frozen dataclasses), importable without pymavlink.

Every event carries `time_utc` (when it happened, UTC). Families: fleet (telemetry, link, modes,
failsafes), sorties, sensing, video, zones, patrols, alerts. `event_record()` gives the
JSON-ready form that the console's live stream and the API send.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from command.link.snapshot import VehicleSnapshot
    from missions.items import Mission
    from missions.remainder import RemainingWork


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """Something that happened, at time_utc."""

    time_utc: datetime

    @classmethod
    def kind(cls) -> str:
        """The event's name in the live stream: 'SortieCompleted' → 'sortie_completed'."""
        name = cls.__name__
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


# --- fleet -------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class TelemetryUpdated(Event):
    """A vehicle's latest snapshot (published at a bounded rate per vehicle)."""

    vehicle: str
    snapshot: VehicleSnapshot


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkLost(Event):
    """No heartbeat from the vehicle for the loss timeout."""

    vehicle: str


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkBack(Event):
    """Heartbeats again after a loss."""

    vehicle: str


class ModeCause(enum.StrEnum):
    """Who changed a vehicle's flight mode."""

    COMMANDED = "commanded"  # by this command centre
    FAILSAFE = "failsafe"  # by the vehicle's own failsafe (GCS, battery, fence, EKF)
    EXTERNAL = "external"  # by another ground station or the RC transmitter


@dataclass(frozen=True, kw_only=True, slots=True)
class ModeChanged(Event):
    """The vehicle's flight mode changed."""

    vehicle: str
    previous: str
    mode: str
    cause: ModeCause
    reason: str = ""


class FailsafeKind(enum.StrEnum):
    """Which of the vehicle's failsafes it announced."""

    GCS = "gcs"
    BATTERY = "battery"
    FENCE = "fence"
    EKF = "ekf"
    RADIO = "radio"
    OTHER = "other"


@dataclass(frozen=True, kw_only=True, slots=True)
class FailsafeReported(Event):
    """The vehicle reported a failsafe (its STATUSTEXT) and acts on it itself."""

    vehicle: str
    failsafe: FailsafeKind
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MissionItemReached(Event):
    """The vehicle reported a mission item reached (MISSION_ITEM_REACHED), whatever flies it;
    seq as the vehicle numbers it (home is 0); `count` numbers the reports from this link."""

    vehicle: str
    seq: int
    count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleMessage(Event):
    """A STATUSTEXT: MAV_SEVERITY 0 (emergency) … 7 (debug)."""

    vehicle: str
    severity: int
    text: str


# --- sorties -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class SortieEvent(Event):
    """Base of the events of one sortie."""

    sortie_id: int
    vehicle: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SortiePrepared(SortieEvent):
    """Checked, recorded, uploaded and read back; waiting for launch."""

    mission_name: str
    items: int
    task_id: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SortieStarted(SortieEvent):
    """Armed and taking off: the mission is running in AUTO."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SortieAirborne(SortieEvent):
    """The vehicle has left the ground."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ItemReached(SortieEvent):
    """A mission item was reached; seq as the vehicle numbers it (home is 0)."""

    seq: int
    total: int


@dataclass(frozen=True, kw_only=True, slots=True)
class SortieCompleted(SortieEvent):
    """The mission was flown to its end; the vehicle landed and disarmed."""

    distance_m: float
    battery_used_pct: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class SortieFailed(SortieEvent):
    """The sortie could not be flown (refused command, upload error, monitor failure)."""

    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SortieInterrupted(SortieEvent):
    """Ended before its work was done: aborted, failsafe, link lost, re-tasked, shut down.

    `outcome` is the stored sortie outcome; `requeued_task_id` names the task holding what is
    left of the work when it was put back in the queue.
    """

    outcome: str
    reason: str
    requeued_task_id: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkLeft(SortieEvent):
    """A sortie will not finish its work (failsafe, lost link, abort, re-tasking): what is left,
    for the queue. `rest` flies from any home (`missions.remainder.resume_mission`); `mission`
    is that rest flown from this vehicle's home; `work_s` the time on task left (s)."""

    task_id: int | None
    zone: str | None
    priority: int | None
    outcome: str
    reason: str
    work_s: float
    first_lane: int | None
    lanes_left: int
    lanes_total: int
    rest: RemainingWork
    mission: Mission


# --- sensing -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class SampleBatchStored(Event):
    """Drone samples appended to the trajectory cube."""

    vehicle: str
    sortie_id: int | None
    samples: int
    rejected: int
    first_utc: datetime
    last_utc: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class StationReadingsStored(Event):
    """New rows of a station feed appended to the station cube."""

    feed: str
    rows: int
    rejected: int
    stations: tuple[str, ...]
    last_utc: datetime | None


@dataclass(frozen=True, kw_only=True, slots=True)
class StationReading(Event):
    """One station's latest hourly values (µg/m³, CO mg/m³) for the alert rules and the map."""

    station_id: str
    name: str
    latitude_deg: float
    longitude_deg: float
    values: tuple[tuple[str, float], ...]  # (pollutant, value) pairs, NaN-free
    period_end_utc: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class DroneReading(Event):
    """One drone sample (all pollutants at one place and time) for the alert rules."""

    vehicle: str
    sortie_id: int | None
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    values: tuple[tuple[str, float], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class MapCubeRefreshed(Event):
    """Maps of the map cube rebuilt from the station and drone samples stored so far."""

    hours: tuple[datetime, ...]  # the end of each hour mapped (UTC)
    maps: int  # maps the cube holds now


@dataclass(frozen=True, kw_only=True, slots=True)
class MapGridRefreshed(Event):
    """The console's kept copy of the drone sample grid (the map cube's latest hour) was
    replaced: what `/api/map/grid` serves from now on. `hour` is that hour's start (UTC; None
    while the cube has none), `pollutants` those with values, `cells` how many cells of any
    pollutant hold a value."""

    hour: datetime | None
    pollutants: tuple[str, ...]
    cells: int


# --- video -------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class VideoStreamState(Event):
    """A drone's video stream changed state: 'waiting' (nothing yet), 'live', 'stalled' (no
    packet for the stall time), 'no_keyframe' (packets but no keyframe for a while)."""

    vehicle: str
    state: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoSinkStats:
    """One sink of one stream: state ('ok', 'waiting_keyframe', 'connecting', 'refused',
    'failed', 'closed'), what it sent (frames or datagrams, bytes, bit/s), what it dropped."""

    sink: str
    kind: str
    state: str
    sent: int
    sent_bytes: int
    bitrate_bps: float
    dropped: int
    waiting: int
    reason: str = ""
    last_sent_utc: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoStats(Event):
    """A drone stream's figures over the last interval and since start, with each sink's."""

    vehicle: str
    state: str
    bitrate_bps: float
    fps: float
    keyframe_interval_s: float | None
    packets: int
    bytes: int
    frames: int
    keyframes: int
    lost: int
    malformed: int
    last_packet_utc: datetime | None
    sinks: tuple[VideoSinkStats, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoRecordingSaved(Event):
    """A drone's recording was finished and listed (what `/api/video/recordings` serves from
    now on): its stored id, the sortie it belongs to (None: none), its length (s)."""

    vehicle: str
    sortie_id: int | None
    recording_id: int
    duration_s: float


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoSnapshotSaved(Event):
    """A snapshot of a drone's stream was decoded, written and listed (what
    `/api/video/snapshots` serves from now on), whoever took it: its token, the sortie it
    belongs to (None: none), who took it."""

    vehicle: str
    sortie_id: int | None
    token: str
    actor: str


# --- zones -------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class ZonesChanged(Event):
    """A new version of the zone document is in force (an upload, an officer's edit): what
    `/api/zones` and `/api/map/zones` serve from now on. `version` is its stored number,
    `source` what it came from, `actor` who set it, `zones` how many zones it holds."""

    version: int
    source: str
    actor: str
    zones: int


# --- patrols -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class PatrolDue(Event):
    """A zone's patrol came due and was put in the queue."""

    zone: str
    priority: int
    task_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class PatrolSkipped(Event):
    """A zone's patrol came due but was not queued (already queued or flying, paused…)."""

    zone: str
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskWaiting(Event):
    """A queued task cannot be flown now; the reason is stored and shown."""

    task_id: int
    zone: str
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskAssigned(Event):
    """A queued task was given to a vehicle (possibly taking it from lower-priority work)."""

    task_id: int
    zone: str
    vehicle: str
    preempted_task_id: int | None = None


# --- alerts ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class AlertEvent(Event):
    """Base of the events of one alert."""

    alert_id: int
    rule: str
    place: str
    pollutant: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertRaised(AlertEvent):
    """A rule fired at a place for a pollutant; where, in degrees (NaN when unknown)."""

    level: int
    value: float
    message: str
    latitude_deg: float = math.nan
    longitude_deg: float = math.nan


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertEscalated(AlertEvent):
    """The alert persisted or worsened: its level rose."""

    level: int
    value: float
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertUpdated(AlertEvent):
    """Something was attached to the alert (quick-response sortie, source estimate)."""

    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertAcknowledged(AlertEvent):
    """A named person took the alert in hand."""

    by: str
    comment: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertCommented(AlertEvent):
    """A named person added a note to the alert (open or closed)."""

    by: str
    comment: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertClosed(AlertEvent):
    """A named person closed the alert; `acknowledged` False when nobody had acknowledged it."""

    by: str
    comment: str
    acknowledged: bool = True


def event_record(event: Event) -> dict[str, Any]:
    """The event as JSON-ready values: {'kind': ..., 'time_utc': ISO 8601, fields...}."""
    out: dict[str, Any] = {"kind": event.kind()}
    for f in dataclasses.fields(event):
        out[f.name] = _plain(getattr(event, f.name))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
