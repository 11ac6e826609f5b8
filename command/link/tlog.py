"""Telemetry logs (.tlog): payload readings paired with their own vehicle's position and time.

A sample is the set of NAMED_VALUE_FLOAT payload readings one system id sends with one
``time_boot_ms``, placed at that system's latest GLOBAL_POSITION_INT (within
max_position_age_ms) and dated by its latest SYSTEM_TIME; a fleet log holds several system
ids and each keeps its own. Yields the sensors room's DroneSample (values unchecked: the
ingest checks them) and Rejected readings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sensors.cubes.trajectory import DroneSample
from sensors.reasons import Reason, Rejected

PAYLOAD_NAMES = {
    "PM2_5": "pm2_5",
    "PM10": "pm10",
    "SO2": "so2",
    "NO2": "no2",
    "CO": "co",
    "O3": "o3",
    "VOC": "voc",
}
"""NAMED_VALUE_FLOAT names of the gas/particle payload (µg/m³; CO mg/m³)."""


class TlogError(ValueError):
    """A file that is not a telemetry log, or one that cannot be read."""


@dataclass
class LogSurvey:
    """What a log held: messages, unreadable data, payload readings per system id, other names."""

    messages: int = 0
    bad_data: int = 0
    readings: Counter[int] = field(default_factory=Counter)
    skipped_names: Counter[str] = field(default_factory=Counter)

    def notes(self, system_id: int) -> tuple[str, ...]:
        """Lines for the ingest report."""
        out = []
        if self.bad_data:
            out.append(f"{self.bad_data} unreadable packets (BAD_DATA) skipped")
        if self.skipped_names:
            names = ", ".join(f"{n} x{c}" for n, c in sorted(self.skipped_names.items()))
            out.append(f"NAMED_VALUE_FLOAT values that are not payload readings skipped: {names}")
        others = {s: c for s, c in self.readings.items() if s != system_id}
        if others:
            shown = ", ".join(f"system {s}: {c}" for s, c in sorted(others.items()))
            out.append(f"payload readings of other vehicles not ingested ({shown})")
        return tuple(out)


_V2, _V1 = 0xFD, 0xFE
_TIMESTAMP = 8


def read_messages(path: str | Path) -> Iterator[Any]:
    """Messages of a telemetry log (BAD_DATA for what cannot be read), in file order.

    A .tlog holds each packet after an 8-byte big-endian timestamp (µs); after unreadable
    bytes the reader finds the next packet start and goes on.
    """
    from pymavlink.dialects.v20 import ardupilotmega as mavlink2

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TlogError(f"{path}: {exc.strerror or exc}") from exc
    parser = mavlink2.MAVLink(None)
    parser.robust_parsing = True
    pos, n = 0, len(data)
    while pos + _TIMESTAMP < n:
        start = pos + _TIMESTAMP
        size = _frame_size(data, start)
        if size is None or start + size > n:
            nxt = _next_frame(data, pos + 1)
            yield mavlink2.MAVLink_bad_data(data[pos : nxt if nxt >= 0 else n], "unreadable bytes")
            if nxt < 0:
                return
            pos = nxt - _TIMESTAMP
            continue
        frame = data[start : start + size]
        try:
            msgs = parser.parse_buffer(frame) or []
        except Exception as exc:  # pymavlink raises plain exceptions for bad frames
            msgs = [mavlink2.MAVLink_bad_data(frame, str(exc))]
        if not msgs:
            msgs = [mavlink2.MAVLink_bad_data(frame, "incomplete packet")]
        yield from msgs
        pos = start + size


def _frame_size(data: bytes, at: int) -> int | None:
    """Length of the MAVLink frame starting at data[at], or None if none starts there."""
    if at + 3 > len(data):
        return None
    magic, length = data[at], data[at + 1]
    if magic == _V2:
        signed = data[at + 2] & 0x01
        return 10 + length + 2 + (13 if signed else 0)
    if magic == _V1:
        return 6 + length + 2
    return None


def _next_frame(data: bytes, start: int) -> int:
    """Position of the next byte that may start a frame after a timestamp, or -1."""
    best = -1
    for magic in (b"\xfd", b"\xfe"):
        i = data.find(magic, start + _TIMESTAMP)
        if i >= 0 and (best < 0 or i < best):
            best = i
    return best


@dataclass
class _Vehicle:
    """Pairing state of one system id."""

    position: tuple[int, float, float, float] | None = None  # boot ms, lat, lon, alt m
    offset_ms: int | None = None
    group: list[tuple[int, str, float]] = field(default_factory=list)
    group_boot: int | None = None
    group_position: tuple[int, float, float, float] | None = None
    group_offset: int | None = None
    seen_boot: set[int] = field(default_factory=set)
    latest_boot: int = -(2**62)


def pair_messages(
    messages: Iterable[Any],
    vehicle_id: str,
    sortie_id: str,
    system_id: int | None = None,
    survey: LogSurvey | None = None,
    max_position_age_ms: int = 1500,
    late_window_ms: int = 5000,
) -> Iterator[DroneSample | Rejected]:
    """Samples (and rejected readings) of one system id (None: every one), in stream order.

    survey, when given, is filled with what the stream held (all system ids).
    """
    survey = survey if survey is not None else LogSurvey()
    vehicles: dict[int, _Vehicle] = {}

    def flush(v: _Vehicle) -> Iterator[DroneSample | Rejected]:
        if v.group_boot is None or not v.group:
            return
        boot = v.group_boot
        whole: Reason | None = None
        if boot in v.seen_boot:
            whole = Reason.DUPLICATE
        elif boot < v.latest_boot - late_window_ms:
            whole = Reason.OUT_OF_ORDER
        elif v.group_offset is None:
            whole = Reason.NO_TIME
        elif (
            v.group_position is None
            or abs(v.group_position[0] - boot) > max_position_age_ms
            or (v.group_position[1] == 0.0 and v.group_position[2] == 0.0)
        ):
            whole = Reason.NO_POSITION
        kept: dict[str, float] = {}
        for number, pollutant, value in v.group:
            why = whole or (Reason.DUPLICATE if pollutant in kept else None)
            if why:
                yield Rejected(
                    number,
                    pollutant.upper(),
                    repr(value),
                    why,
                    f"vehicle {vehicle_id} sortie {sortie_id} boot_ms {boot}",
                )
            else:
                kept[pollutant] = value
        if whole in (None, Reason.NO_TIME, Reason.NO_POSITION):
            v.seen_boot.add(boot)
        if whole is None:
            v.latest_boot = max(v.latest_boot, boot)
        if kept and v.group_position is not None and v.group_offset is not None:
            p = v.group_position
            yield DroneSample(vehicle_id, sortie_id, boot + v.group_offset, p[1], p[2], p[3], kept)

    for number, msg in enumerate(messages, start=1):
        kind = msg.get_type()
        if kind == "BAD_DATA" or kind.startswith("UNKNOWN_"):  # unknown ids: no CRC to check
            survey.bad_data += 1
            continue
        survey.messages += 1
        sysid = msg.get_srcSystem()
        if kind not in ("GLOBAL_POSITION_INT", "SYSTEM_TIME", "NAMED_VALUE_FLOAT"):
            continue
        if kind == "NAMED_VALUE_FLOAT":
            raw = msg.name if isinstance(msg.name, str) else msg.name.decode("ascii", "replace")
            name = raw.rstrip("\x00")
            pollutant = PAYLOAD_NAMES.get(name)
            if pollutant is None:
                survey.skipped_names[name] += 1
                continue
            survey.readings[sysid] += 1
        if system_id is not None and sysid != system_id:
            continue
        v = vehicles.setdefault(sysid, _Vehicle())
        if kind == "GLOBAL_POSITION_INT":
            v.position = (msg.time_boot_ms, msg.lat / 1e7, msg.lon / 1e7, msg.relative_alt / 1000.0)
        elif kind == "SYSTEM_TIME":
            if msg.time_unix_usec > 0:
                v.offset_ms = msg.time_unix_usec // 1000 - msg.time_boot_ms
        else:
            if msg.time_boot_ms != v.group_boot:
                yield from flush(v)
                v.group, v.group_boot = [], msg.time_boot_ms
                v.group_position, v.group_offset = v.position, v.offset_ms
            v.group.append((number, pollutant, float(msg.value)))
    for v in vehicles.values():
        yield from flush(v)


def survey_log(path: str | Path) -> LogSurvey:
    """Read a log once to learn what it holds (which system ids carry payload readings)."""
    survey = LogSurvey()
    for _ in pair_messages(read_messages(path), "", "", system_id=-1, survey=survey):
        pass
    return survey
