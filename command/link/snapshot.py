"""Typed values the link hands out: vehicle snapshots, track points, payload samples."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from missions.items import Position

COPTER_MODES: dict[int, str] = {
    0: "STABILIZE",
    1: "ACRO",
    2: "ALT_HOLD",
    3: "AUTO",
    4: "GUIDED",
    5: "LOITER",
    6: "RTL",
    7: "CIRCLE",
    9: "LAND",
    11: "DRIFT",
    13: "SPORT",
    16: "POSHOLD",
    17: "BRAKE",
    21: "SMART_RTL",
}
"""ArduCopter custom mode number → name."""
MODE_NUMBERS = {name: number for number, name in COPTER_MODES.items()}

PAYLOAD_NAMES = frozenset({"PM2_5", "PM10", "SO2", "NO2", "CO", "O3", "VOC"})
"""NAMED_VALUE_FLOAT names of the air-quality payload (CO in mg/m³, the rest in µg/m³)."""


class LinkState(Enum):
    """CONNECTING until the first vehicle heartbeat; LOST after ~5 missed ones."""

    CONNECTING = "CONNECTING"
    OK = "OK"
    LOST = "LOST"


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """Everything known about one vehicle at `time_s` (link clock, seconds). Position fields are
    None until the vehicle has a position estimate; home is None until it reported one."""

    name: str
    time_s: float = 0.0
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
    mode_name: str = "UNKNOWN"
    mode_number: int | None = None
    armed: bool = False
    gps_fix_type: int = 0
    satellites: int = 0
    home: Position | None = None
    mission_seq: int | None = None
    mission_total: int | None = None
    mission_state: int | None = None
    last_reached_seq: int | None = None
    status_text: str = ""
    status_severity: int | None = None
    errors_comm: int = 0

    @property
    def has_position(self) -> bool:
        """True once latitude/longitude are known."""
        return self.latitude_deg is not None


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


@dataclass(frozen=True, slots=True)
class StatusText:
    """A STATUSTEXT as received: link clock seconds, MAV_SEVERITY (0 worst … 7 debug), text."""

    time_s: float
    severity: int
    text: str
