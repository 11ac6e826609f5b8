"""Typed values the link hands out: vehicle snapshots, track points, payload samples, and the
closed sets they use (flight mode, mission state, GPS fix). No pymavlink here: the console, the
events and the tests read these without loading the MAVLink codec."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, IntEnum
from typing import TypeVar

from missions.items import Position


class FlightMode(IntEnum):
    """ArduCopter's custom modes (HEARTBEAT.custom_mode)."""

    STABILIZE = 0
    ACRO = 1
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    CIRCLE = 7
    LAND = 9
    DRIFT = 11
    SPORT = 13
    POSHOLD = 16
    BRAKE = 17
    SMART_RTL = 21


COPTER_MODES: dict[int, str] = {mode.value: mode.name for mode in FlightMode}
"""ArduCopter custom mode number → name."""
MODE_NUMBERS = {name: number for number, name in COPTER_MODES.items()}


E = TypeVar("E", bound=IntEnum)


def _member(enum: type[E], value: int, otherwise: E) -> E:
    """The member of `enum` for a reported number, or `otherwise` outside the set."""
    try:
        return enum(value)
    except ValueError:
        return otherwise


class MissionState(IntEnum):
    """MISSION_STATE as MISSION_CURRENT reports it."""

    UNKNOWN = 0
    NO_MISSION = 1
    NOT_STARTED = 2
    ACTIVE = 3
    PAUSED = 4
    COMPLETE = 5

    @classmethod
    def of(cls, value: int) -> MissionState:
        """The state for a reported number (UNKNOWN for one outside the set)."""
        return _member(cls, value, cls.UNKNOWN)


PAYLOAD_NAMES = frozenset({"PM2_5", "PM10", "SO2", "NO2", "CO", "O3", "VOC"})
"""NAMED_VALUE_FLOAT names of the air-quality payload (CO in mg/m³, the rest in µg/m³)."""


class GpsFix(IntEnum):
    """GPS_FIX_TYPE as GPS_RAW_INT reports it."""

    NO_GPS = 0
    NO_FIX = 1
    FIX_2D = 2
    FIX_3D = 3
    DGPS = 4
    RTK_FLOAT = 5
    RTK_FIXED = 6
    STATIC = 7
    PPP = 8

    @property
    def label(self) -> str:
        """What a pilot reads: "3D fix", "RTK fixed", …"""
        return _GPS_LABELS[self]

    @classmethod
    def of(cls, value: int) -> GpsFix:
        """The fix for a reported number; one outside the set is no fix (it cannot be trusted)."""
        return _member(cls, value, cls.NO_FIX)


_GPS_LABELS = {
    GpsFix.NO_GPS: "no GPS",
    GpsFix.NO_FIX: "no fix",
    GpsFix.FIX_2D: "2D fix",
    GpsFix.FIX_3D: "3D fix",
    GpsFix.DGPS: "3D DGPS",
    GpsFix.RTK_FLOAT: "RTK float",
    GpsFix.RTK_FIXED: "RTK fixed",
    GpsFix.STATIC: "static",
    GpsFix.PPP: "3D PPP",
}


def gps_fix_label(fix_type: int) -> str:
    """Label of a GPS fix type (an unknown one is named by its number)."""
    try:
        return GpsFix(fix_type).label
    except ValueError:
        return f"fix type {fix_type}"


_FAILSAFE_TEXT = re.compile(
    r"failsafe|^battery \d+ is (low|critical)|fence breach|^crash", re.IGNORECASE
)


def announces_failsafe(text: str) -> bool:
    """Whether a STATUSTEXT is ArduCopter announcing a failsafe of its own ("GCS Failsafe",
    "Radio Failsafe - Continuing Auto", "Battery 1 is low …", "Fence Breached: Circle"); the
    "… Cleared" texts that end one are not."""
    return bool(_FAILSAFE_TEXT.search(text)) and "cleared" not in text.lower()


class LinkState(Enum):
    """CONNECTING until the first vehicle heartbeat; LOST after ~5 missed ones."""

    CONNECTING = "CONNECTING"
    OK = "OK"
    LOST = "LOST"


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """Everything known about one vehicle at `time_s` (link clock, seconds) and `time_utc` (the
    vehicle's own UTC from SYSTEM_TIME when `utc_from_vehicle`, else the centre's clock).
    Position fields are None until the vehicle has a position estimate; home is None until it
    reported one. `items_reached` counts the MISSION_ITEM_REACHED reports received."""

    name: str
    time_s: float = 0.0
    time_utc: datetime | None = None
    utc_from_vehicle: bool = False
    system_id: int | None = None
    link: LinkState = LinkState.CONNECTING
    last_heartbeat_s: float | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    altitude_amsl_m: float | None = None
    altitude_relative_m: float | None = None
    heading_deg: float | None = None
    groundspeed_mps: float | None = None
    climb_mps: float | None = None
    battery_voltage_v: float | None = None
    battery_remaining_pct: int | None = None
    battery_consumed_mah: float | None = None
    wind_from_deg: float | None = None  # the vehicle's wind estimate: where it blows from
    wind_speed_mps: float | None = None
    mode_name: str = "UNKNOWN"
    mode_number: int | None = None
    armed: bool = False
    gps_fix_type: GpsFix = GpsFix.NO_GPS
    satellites: int = 0
    home: Position | None = None
    mission_seq: int | None = None
    mission_total: int | None = None
    mission_state: MissionState | None = None
    last_reached_seq: int | None = None
    items_reached: int = 0
    status_text: str = ""
    status_severity: int | None = None
    failsafe_text: StatusText | None = None
    errors_comm: int = 0
    firmware_version: tuple[int, int, int] | None = None

    @property
    def has_position(self) -> bool:
        """True once latitude/longitude are known."""
        return self.latitude_deg is not None

    @property
    def mode(self) -> FlightMode | None:
        """The flight mode as an ArduCopter mode (None: not known yet, or not one of them)."""
        try:
            return None if self.mode_number is None else FlightMode(self.mode_number)
        except ValueError:
            return None

    @property
    def gps_fix_label(self) -> str:
        """The GPS fix as a pilot reads it ("3D fix", "RTK fixed", …)."""
        return gps_fix_label(self.gps_fix_type)

    @property
    def mission_progress(self) -> tuple[int, int] | None:
        """(item, total) as the vehicle reports its mission, home not counted: the current item
        (the total once complete — the vehicle then reports item 0); None before any report."""
        total = self.mission_total
        if total is None:
            return None
        if self.mission_state == MissionState.COMPLETE:
            return total, total
        return min(self.mission_seq or 0, total), total


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One recent position: link clock seconds, degrees, metres AMSL and above home."""

    time_s: float
    latitude_deg: float
    longitude_deg: float
    altitude_amsl_m: float
    altitude_relative_m: float


@dataclass(frozen=True, slots=True)
class PayloadSample:
    """One air-quality reading (NAMED_VALUE_FLOAT) paired with the vehicle's latest position.

    `time_s` is the link clock when it arrived, `time_boot_ms` the vehicle's own stamp; position
    fields are None if the vehicle had no position estimate yet. Units: CO mg/m³, others µg/m³.
    `position_boot_ms` is the vehicle's stamp of that position (GLOBAL_POSITION_INT) and
    `utc_offset_ms` its clock as of its latest SYSTEM_TIME (UTC ms minus boot ms); None until
    the vehicle has sent one.
    """

    vehicle: str
    system_id: int
    quantity: str
    value: float
    time_s: float
    time_boot_ms: int
    latitude_deg: float | None
    longitude_deg: float | None
    altitude_amsl_m: float | None
    altitude_relative_m: float | None
    position_boot_ms: int | None = None
    utc_offset_ms: int | None = None


@dataclass(frozen=True, slots=True)
class StatusText:
    """A STATUSTEXT as received: link clock seconds, MAV_SEVERITY (0 worst … 7 debug), text."""

    time_s: float
    severity: int
    text: str
