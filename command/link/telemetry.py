"""The update path: MAVLink messages from one vehicle → its snapshot, track and samples.

Pure apart from the injected `now` and UTC clock: `apply(msg, now)` records a message,
`publish(now)` builds the next immutable snapshot when something changed. The link loop and the
benchmark both use it. The snapshot's UTC is the vehicle's own: SYSTEM_TIME gives UTC at a boot
time, and the latest boot-time stamp (GLOBAL_POSITION_INT, SYSTEM_TIME, NAMED_VALUE_FLOAT)
places the snapshot on it; before the vehicle reports UTC the centre's clock stands in.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from command.link.snapshot import (
    COPTER_MODES,
    PAYLOAD_NAMES,
    GpsFix,
    LinkState,
    MissionState,
    PayloadSample,
    StatusText,
    TrackPoint,
    VehicleSnapshot,
    announces_failsafe,
)
from missions.items import Position

LOST_AFTER_S = 5.0
"""A vehicle whose last heartbeat is older than this is LOST (about 5 missed heartbeats)."""
MAV_TYPE_GCS = 6
MAV_AUTOPILOT_INVALID = 8
MAV_MODE_FLAG_SAFETY_ARMED = 128
SampleSink = Callable[[PayloadSample], None]
NEWS_KEPT = 256
"""Items reached and texts kept for the events between two turns of the link loop."""


class Telemetry:
    """Telemetry of one vehicle: the fields of its next snapshot, its track, recent texts."""

    def __init__(
        self,
        name: str,
        track_length: int = 600,
        on_sample: SampleSink | None = None,
        lost_after_s: float = LOST_AFTER_S,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.utcnow = utcnow
        self.boot_utc_s: float | None = None  # the vehicle's UTC at its boot (from SYSTEM_TIME)
        self.boot_ms: int | None = None  # the latest boot-time stamp received
        self.items_reached = 0
        self.new_reached: deque[int] = deque(maxlen=NEWS_KEPT)  # reached seqs since take_news
        self.new_texts: deque[StatusText] = deque(maxlen=NEWS_KEPT)  # texts since take_news
        self.fields: dict[str, Any] = {"name": name}
        self.track: deque[TrackPoint] = deque(maxlen=track_length)
        self.texts: deque[StatusText] = deque(maxlen=32)
        self.on_sample = on_sample
        self.lost_after_s = lost_after_s
        self.system_id: int | None = None
        self.last_heartbeat_s: float | None = None
        self.transport_up = False
        self.snapshot = VehicleSnapshot(name)
        self.position_boot_ms: int | None = None
        self.utc_offset_ms: int | None = None
        self._dirty = True
        self._handlers: dict[str, Callable[[Any, float], None]] = {
            "HEARTBEAT": self._heartbeat,
            "GLOBAL_POSITION_INT": self._global_position,
            "VFR_HUD": self._vfr_hud,
            "SYS_STATUS": self._sys_status,
            "BATTERY_STATUS": self._battery_status,
            "GPS_RAW_INT": self._gps_raw,
            "HOME_POSITION": self._home,
            "MISSION_CURRENT": self._mission_current,
            "MISSION_ITEM_REACHED": self._item_reached,
            "STATUSTEXT": self._statustext,
            "NAMED_VALUE_FLOAT": self._named_value,
            "SYSTEM_TIME": self._system_time,
            "AUTOPILOT_VERSION": self._autopilot_version,
            "WIND": self._wind,
        }

    # --- link state --------------------------------------------------------------------------
    def link_state(self, now: float) -> LinkState:
        """CONNECTING before the first heartbeat, OK while heartbeats are fresh, else LOST."""
        if self.last_heartbeat_s is None:
            return LinkState.CONNECTING
        if not self.transport_up or now - self.last_heartbeat_s > self.lost_after_s:
            return LinkState.LOST
        return LinkState.OK

    # --- messages ----------------------------------------------------------------------------
    def apply(self, msg: Any, now: float) -> bool:
        """Record one message from the vehicle; False if it is not from our vehicle."""
        src = msg.get_srcSystem()
        if self.system_id is not None and src != self.system_id:
            return False
        handler = self._handlers.get(msg.get_type())
        if handler is not None:
            handler(msg, now)
        return True

    def publish(self, now: float) -> VehicleSnapshot:
        """The current snapshot, rebuilt (and replaced in one assignment) if anything changed."""
        state = self.link_state(now)
        if state is not self.fields.get("link"):
            self.fields["link"] = state
            self._dirty = True
        if self._dirty:
            self.fields["time_s"] = now
            self.fields["time_utc"], self.fields["utc_from_vehicle"] = self._utc()
            self.snapshot = VehicleSnapshot(**self.fields)
            self._dirty = False
        return self.snapshot

    def take_news(self) -> tuple[list[int], list[StatusText]]:
        """The items reached and the texts received since the last call (for the events)."""
        reached, texts = list(self.new_reached), list(self.new_texts)
        self.new_reached.clear()
        self.new_texts.clear()
        return reached, texts

    def _utc(self) -> tuple[datetime, bool]:
        if self.boot_utc_s is None or self.boot_ms is None:
            return self.utcnow(), False
        return datetime.fromtimestamp(self.boot_utc_s + self.boot_ms / 1000.0, UTC), True

    def _stamp(self, msg: Any) -> None:
        boot_ms = getattr(msg, "time_boot_ms", None)
        if isinstance(boot_ms, int):
            self.boot_ms = boot_ms

    def _system_time(self, msg: Any, now: float) -> None:
        if msg.time_unix_usec > 0:  # 0 until the vehicle knows the time (GPS)
            self.boot_utc_s = msg.time_unix_usec / 1e6 - msg.time_boot_ms / 1000.0
            self.utc_offset_ms = msg.time_unix_usec // 1000 - msg.time_boot_ms
        self._stamp(msg)
        self._dirty = True

    def _heartbeat(self, msg: Any, now: float) -> None:
        if msg.type == MAV_TYPE_GCS or msg.autopilot == MAV_AUTOPILOT_INVALID:
            return
        if self.system_id is None:
            self.system_id = msg.get_srcSystem()
        f = self.fields
        f["system_id"] = self.system_id
        f["last_heartbeat_s"] = now
        f["mode_number"] = msg.custom_mode
        f["mode_name"] = COPTER_MODES.get(msg.custom_mode, f"MODE_{msg.custom_mode}")
        f["armed"] = bool(msg.base_mode & MAV_MODE_FLAG_SAFETY_ARMED)
        self.last_heartbeat_s = now
        self._dirty = True

    def _global_position(self, msg: Any, now: float) -> None:
        self._stamp(msg)
        f = self.fields
        amsl, rel = msg.alt / 1000.0, msg.relative_alt / 1000.0
        f["altitude_amsl_m"] = amsl
        f["altitude_relative_m"] = rel
        f["climb_mps"] = -msg.vz / 100.0
        if msg.hdg != 65535:
            f["heading_deg"] = msg.hdg / 100.0
        if msg.lat or msg.lon:
            lat, lon = msg.lat * 1e-7, msg.lon * 1e-7
            f["latitude_deg"] = lat
            f["longitude_deg"] = lon
            self.position_boot_ms = msg.time_boot_ms
            self.track.append(TrackPoint(now, lat, lon, amsl, rel))
        self._dirty = True

    def _vfr_hud(self, msg: Any, now: float) -> None:
        f = self.fields
        f["groundspeed_mps"] = msg.groundspeed
        f["heading_deg"] = float(msg.heading)
        f["climb_mps"] = msg.climb
        self._dirty = True

    def _sys_status(self, msg: Any, now: float) -> None:
        f = self.fields
        if msg.voltage_battery != 65535:
            f["battery_voltage_v"] = msg.voltage_battery / 1000.0
        if msg.battery_remaining >= 0:
            f["battery_remaining_pct"] = msg.battery_remaining
        f["errors_comm"] = msg.errors_comm
        self._dirty = True

    def _battery_status(self, msg: Any, now: float) -> None:
        if msg.current_consumed >= 0:
            self.fields["battery_consumed_mah"] = float(msg.current_consumed)
            self._dirty = True

    def _wind(self, msg: Any, now: float) -> None:
        """ArduPilot's WIND: the estimated wind, direction it blows from (deg), speed (m/s)."""
        if math.isfinite(msg.direction) and math.isfinite(msg.speed) and msg.speed >= 0:
            self.fields["wind_from_deg"] = float(msg.direction) % 360.0
            self.fields["wind_speed_mps"] = float(msg.speed)
            self._dirty = True

    def _gps_raw(self, msg: Any, now: float) -> None:
        self.fields["gps_fix_type"] = GpsFix.of(msg.fix_type)
        self.fields["satellites"] = msg.satellites_visible if msg.satellites_visible != 255 else 0
        self._dirty = True

    def _home(self, msg: Any, now: float) -> None:
        if msg.latitude or msg.longitude:
            self.fields["home"] = Position(
                msg.latitude * 1e-7, msg.longitude * 1e-7, msg.altitude / 1000.0
            )
            self._dirty = True

    def _mission_current(self, msg: Any, now: float) -> None:
        f = self.fields
        f["mission_seq"] = msg.seq
        f["mission_total"] = msg.total if msg.total != 65535 else None
        f["mission_state"] = MissionState.of(msg.mission_state)
        self._dirty = True

    def _item_reached(self, msg: Any, now: float) -> None:
        self.items_reached += 1
        self.new_reached.append(msg.seq)
        self.fields["last_reached_seq"] = msg.seq
        self.fields["items_reached"] = self.items_reached
        self._dirty = True

    def _statustext(self, msg: Any, now: float) -> None:
        text = msg.text
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = text.split("\x00", 1)[0]
        status = StatusText(now, msg.severity, text)
        self.texts.append(status)
        self.new_texts.append(status)
        self.fields["status_text"] = text
        self.fields["status_severity"] = msg.severity
        if announces_failsafe(text):
            self.fields["failsafe_text"] = status
        self._dirty = True

    def _autopilot_version(self, msg: Any, now: float) -> None:
        v = msg.flight_sw_version
        self.fields["firmware_version"] = ((v >> 24) & 0xFF, (v >> 16) & 0xFF, (v >> 8) & 0xFF)
        self._dirty = True

    def _named_value(self, msg: Any, now: float) -> None:
        name = msg.name
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        name = name.split("\x00", 1)[0]
        self._stamp(msg)
        if name not in PAYLOAD_NAMES or self.on_sample is None:
            return
        f = self.fields
        self.on_sample(
            PayloadSample(
                vehicle=self.name,
                system_id=msg.get_srcSystem(),
                quantity=name,
                value=float(msg.value),
                time_s=now,
                time_boot_ms=msg.time_boot_ms,
                latitude_deg=f.get("latitude_deg"),
                longitude_deg=f.get("longitude_deg"),
                altitude_amsl_m=f.get("altitude_amsl_m"),
                altitude_relative_m=f.get("altitude_relative_m"),
                position_boot_ms=self.position_boot_ms,
                utc_offset_ms=self.utc_offset_ms,
            )
        )
