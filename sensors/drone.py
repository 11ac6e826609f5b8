"""Drone samples from MAVLink: NAMED_VALUE_FLOAT payload values paired with position and time.

A sample is the set of payload values sharing one ``time_boot_ms``, placed at the latest
GLOBAL_POSITION_INT (within max_position_age_ms) and dated by the latest SYSTEM_TIME.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sensors import cube_trajectory
from sensors.cube_trajectory import DroneSample
from sensors.ingest import DEFAULT_CUBES, QUARANTINE, TRAJECTORIES
from sensors.quarantine import QuarantineFile, Rejected
from sensors.report import IngestReport
from sensors.units import POLLUTANTS
from sensors.validate import value_reasons

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

_TYPES = ("NAMED_VALUE_FLOAT", "GLOBAL_POSITION_INT", "SYSTEM_TIME")


def read_tlog(path: str | Path) -> Iterator[Any]:
    """Messages of a telemetry log (.tlog) read with pymavlink."""
    from pymavlink import mavutil

    conn = mavutil.mavlink_connection(str(path), robust_parsing=True)
    try:
        while True:
            msg = conn.recv_msg()
            if msg is None:
                break
            yield msg
    finally:
        conn.close()


def pair_messages(
    messages: Iterable[Any],
    vehicle_id: str,
    sortie_id: str,
    max_position_age_ms: int = 1500,
    late_window_ms: int = 5000,
) -> Iterator[DroneSample | Rejected]:
    """Samples (and rejected values) from a vehicle's message stream, in stream order."""
    position: tuple[int, float, float, float] | None = None  # boot ms, lat, lon, alt m
    offset_ms: int | None = None
    group: list[tuple[int, str, float]] = []  # (message number, pollutant, value)
    group_boot: int | None = None
    group_position, group_offset = position, offset_ms  # as they were when the set began
    seen_boot: set[int] = set()
    latest_boot = -(2**62)

    def flush() -> Iterator[DroneSample | Rejected]:
        nonlocal latest_boot
        if group_boot is None or not group:
            return
        whole = ""
        if group_boot in seen_boot:
            whole = "duplicate"
        elif group_boot < latest_boot - late_window_ms:
            whole = "out_of_order"
        elif group_offset is None:
            whole = "no_time"
        elif (
            group_position is None
            or (abs(group_position[0] - group_boot) > max_position_age_ms)
            or (group_position[1] == 0.0 and group_position[2] == 0.0)
        ):
            whole = "no_position"
        names = [p for _, p, _ in group]
        values = np.array([v for _, _, v in group])
        reasons = value_reasons(np.array([POLLUTANTS.index(p) for p in names]), values)
        kept: dict[str, float] = {}
        for (number, pollutant, value), why in zip(group, reasons, strict=True):
            why = whole or why or ("duplicate" if pollutant in kept else "")
            if why:
                yield Rejected(
                    number,
                    pollutant.upper(),
                    repr(value),
                    why,
                    f"vehicle {vehicle_id} sortie {sortie_id} boot_ms {group_boot}",
                )
            else:
                kept[pollutant] = value
        if whole in ("", "no_time", "no_position"):
            seen_boot.add(group_boot)
        if not whole:
            latest_boot = max(latest_boot, group_boot)
        if kept and group_position is not None and group_offset is not None:
            yield DroneSample(
                vehicle_id,
                sortie_id,
                group_boot + group_offset,
                group_position[1],
                group_position[2],
                group_position[3],
                kept,
            )

    for number, msg in enumerate(messages, start=1):
        kind = msg.get_type()
        if kind == "GLOBAL_POSITION_INT":
            position = (msg.time_boot_ms, msg.lat / 1e7, msg.lon / 1e7, msg.relative_alt / 1000.0)
        elif kind == "SYSTEM_TIME":
            if msg.time_unix_usec > 0:
                offset_ms = msg.time_unix_usec // 1000 - msg.time_boot_ms
        elif kind == "NAMED_VALUE_FLOAT":
            name = msg.name.rstrip("\x00") if isinstance(msg.name, str) else msg.name.decode()
            pollutant = PAYLOAD_NAMES.get(name.rstrip("\x00"))
            if pollutant is None:
                continue
            if msg.time_boot_ms != group_boot:
                yield from flush()
                group, group_boot = [], msg.time_boot_ms
                group_position, group_offset = position, offset_ms
            group.append((number, pollutant, float(msg.value)))
    yield from flush()


def ingest_drone(
    source: str | Path | Iterable[Any],
    vehicle_id: str,
    sortie_id: str,
    cubes_dir: str | Path = DEFAULT_CUBES,
    batch_samples: int = 5000,
) -> IngestReport:
    """Pair a vehicle's messages (or a .tlog) into samples; append them to the trajectory cube."""
    cubes_dir = Path(cubes_dir)
    if isinstance(source, str | Path):
        name, messages = Path(source), read_tlog(source)
    else:
        name, messages = Path(f"{vehicle_id}-{sortie_id}"), source
    quarantine = QuarantineFile(name, cubes_dir / QUARANTINE)
    store = cube_trajectory.open_store(cubes_dir / TRAJECTORIES, create_missing=True)
    samples: list[DroneSample] = []
    rejected: list[Rejected] = []
    accepted = 0
    for item in pair_messages(messages, vehicle_id, sortie_id):
        if isinstance(item, DroneSample):
            samples.append(item)
        else:
            rejected.append(item)
        if len(samples) >= batch_samples:
            accepted += cube_trajectory.append(store, samples)
            quarantine.write(rejected)
            samples, rejected = [], []
    accepted += cube_trajectory.append(store, samples)
    quarantine.write(rejected)
    return IngestReport(
        str(name),
        "mavlink",
        accepted + sum(quarantine.counts.values()),
        accepted,
        sum(quarantine.counts.values()),
        dict(quarantine.counts),
        quarantine.path,
        0,
        cubes_dir / TRAJECTORIES,
    )
