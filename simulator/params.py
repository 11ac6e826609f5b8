"""The simulated autopilot's parameters: an ArduCopter-like set, the PARAM protocol's view of it,
and optional persistence per vehicle (MAVProxy-style ``NAME VALUE`` lines).

Names follow the firmware the vehicle plays: ArduCopter 4.6 (SYSID_THISMAV, SYSID_MYGCS, SR0_*…)
or 4.7, which renamed them (MAV_SYSID, MAV_GCS_SYSID, MAV1_*… — the stream-rate groups count
from 1). The PARAM protocol speaks only the vehicle's own names, as ArduPilot does; parameter
files and world defaults may use either, and are converted on load as ArduPilot converts stored
parameters after an upgrade. Internally the 4.6 names are used.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mavlink

log = logging.getLogger("simulator")

INT8, INT16, INT32, REAL32 = (
    mavlink.MAV_PARAM_TYPE_INT8,
    mavlink.MAV_PARAM_TYPE_INT16,
    mavlink.MAV_PARAM_TYPE_INT32,
    mavlink.MAV_PARAM_TYPE_REAL32,
)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its default, MAVLink type and allowed range."""

    name: str
    default: float
    type: int = REAL32
    lo: float = -math.inf
    hi: float = math.inf


_STREAM_GROUPS = (
    "RAW_SENS",
    "EXT_STAT",
    "RC_CHAN",
    "RAW_CTRL",
    "POSITION",
    "EXTRA1",
    "EXTRA2",
    "EXTRA3",
    "PARAMS",
    "ADSB",
)

CHANNELS = 4
"""MAVLink channels with stream-rate groups: serial ports 0-2 (TCP) and the UDP link."""

SPECS: tuple[ParamSpec, ...] = (
    ParamSpec("SYSID_THISMAV", 1, INT16, 1, 255),
    ParamSpec("SYSID_MYGCS", 255, INT16, 1, 255),
    ParamSpec("FRAME_CLASS", 1, INT8, 0, 15),
    ParamSpec("FRAME_TYPE", 1, INT8, 0, 18),
    ParamSpec("WPNAV_SPEED", 1000, REAL32, 20, 2000),
    ParamSpec("WPNAV_SPEED_UP", 250, REAL32, 10, 1000),
    ParamSpec("WPNAV_SPEED_DN", 150, REAL32, 10, 500),
    ParamSpec("WPNAV_ACCEL", 250, REAL32, 50, 500),
    ParamSpec("WPNAV_RADIUS", 200, REAL32, 5, 1000),
    ParamSpec("LOIT_SPEED", 1250, REAL32, 20, 3500),
    ParamSpec("PILOT_SPEED_UP", 250, REAL32, 50, 500),
    ParamSpec("LAND_SPEED", 50, REAL32, 30, 200),
    ParamSpec("LAND_SPEED_HIGH", 0, REAL32, 0, 500),
    ParamSpec("RTL_ALT", 1500, REAL32, 200, 30000),
    ParamSpec("RTL_ALT_FINAL", 0, REAL32, 0, 1000),
    ParamSpec("RTL_SPEED", 0, REAL32, 0, 2000),
    ParamSpec("RTL_LOIT_TIME", 5000, INT32, 0, 60000),
    ParamSpec("RTL_CLIMB_MIN", 0, REAL32, 0, 3000),
    ParamSpec("DISARM_DELAY", 10, INT8, 0, 127),
    ParamSpec("AUTO_OPTIONS", 0, INT32, 0, 255),
    ParamSpec("ARMING_CHECK", 1, INT32, 0, 0x7FFFFFFF),
    ParamSpec("FENCE_ENABLE", 0, INT8, 0, 1),
    ParamSpec("FENCE_TYPE", 7, INT8, 0, 15),
    ParamSpec("FENCE_ACTION", 1, INT8, 0, 5),
    ParamSpec("FENCE_ALT_MAX", 120, REAL32, 10, 1000),
    ParamSpec("FENCE_RADIUS", 300, REAL32, 30, 10000),
    ParamSpec("FENCE_MARGIN", 2, REAL32, 1, 10),
    ParamSpec("FENCE_TOTAL", 0, INT8, 0, 84),
    ParamSpec("RALLY_TOTAL", 0, INT8, 0, 20),
    ParamSpec("RALLY_LIMIT_KM", 0.3, REAL32, 0, 100),
    ParamSpec("FS_GCS_ENABLE", 0, INT8, 0, 7),
    ParamSpec("FS_GCS_TIMEOUT", 5, REAL32, 2, 120),
    ParamSpec("FS_OPTIONS", 0, INT32, 0, 0xFFFF),
    ParamSpec("BATT_MONITOR", 4, INT8, 0, 30),
    ParamSpec("BATT_CAPACITY", 10000, INT32, 0, 200000),
    ParamSpec("BATT_ARM_VOLT", 14.8, REAL32, 0, 100),
    ParamSpec("BATT_ARM_MAH", 0, INT32, 0, 200000),
    ParamSpec("BATT_LOW_VOLT", 14.4, REAL32, 0, 100),
    ParamSpec("BATT_CRT_VOLT", 14.0, REAL32, 0, 100),
    ParamSpec("BATT_LOW_MAH", 0, REAL32, 0, 200000),
    ParamSpec("BATT_CRT_MAH", 0, REAL32, 0, 200000),
    ParamSpec("BATT_LOW_TIMER", 10, INT8, 0, 120),
    ParamSpec("BATT_FS_LOW_ACT", 2, INT8, 0, 5),
    ParamSpec("BATT_FS_CRT_ACT", 1, INT8, 0, 5),
    ParamSpec("CAM_TRIGG_DIST", 0, REAL32, 0, 1000),
    ParamSpec("CAM_DURATION", 10, INT16, 0, 50),
    ParamSpec("GPS_TYPE", 1, INT8, 0, 26),
    ParamSpec("SIM_SPEEDUP", 1, REAL32, 0, 1000),
    ParamSpec("SIM_GPS_DISABLE", 0, INT8, 0, 1),
    ParamSpec("SIM_BATT_VOLTAGE", 16.8, REAL32, 0, 100),
    ParamSpec("SIM_WIND_SPD", 0, REAL32, 0, 40),
    ParamSpec("SIM_WIND_DIR", 0, REAL32, 0, 360),
    ParamSpec("SERIAL0_BAUD", 115, INT32, 1, 2000),
    ParamSpec("SERIAL0_PROTOCOL", 2, INT8, -1, 50),
    ParamSpec("MIS_TOTAL", 0, INT16, 0, 32766),
    ParamSpec("MIS_RESTART", 0, INT8, 0, 1),
    ParamSpec("MIS_OPTIONS", 0, INT16, 0, 0xFFFF),
    ParamSpec("ANGLE_MAX", 3000, INT16, 1000, 8000),
    ParamSpec("LOG_BITMASK", 176126, INT32, 0, 0x7FFFFFFF),
    *(ParamSpec(f"SR{n}_{g}", 0, INT16, 0, 50) for n in range(CHANNELS) for g in _STREAM_GROUPS),
)

_BY_NAME = {s.name: s for s in SPECS}
FIRMWARES = ("4.6.2", "4.7.0")
"""ArduCopter versions the vehicle can play."""
_RENAMED_4_7 = {
    "SYSID_THISMAV": "MAV_SYSID",
    "SYSID_MYGCS": "MAV_GCS_SYSID",
    **{f"SR{n}_{g}": f"MAV{n + 1}_{g}" for n in range(CHANNELS) for g in _STREAM_GROUPS},
}
_FROM_4_7 = {new: old for old, new in _RENAMED_4_7.items()}


def canonical_name(name: str) -> str:
    """The internal (4.6) name of a parameter given by either firmware's name."""
    return _FROM_4_7.get(name, name)


def firmware_version(firmware: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a firmware string such as "4.7.0"."""
    major, minor, patch = (int(x) for x in firmware.split("."))
    return major, minor, patch


class ParamError(ValueError):
    """A parameter that does not exist or a value outside its range."""


class ParamStore:
    """Current values by name, in a fixed index order for PARAM_VALUE, optionally persisted."""

    def __init__(
        self,
        overrides: Mapping[str, float] | None = None,
        path: Path | None = None,
        firmware: str = FIRMWARES[0],
    ) -> None:
        if firmware not in FIRMWARES:
            raise ParamError(
                f"unknown firmware {firmware!r}; expected one of {', '.join(FIRMWARES)}"
            )
        self.firmware = firmware
        renamed = _RENAMED_4_7 if firmware_version(firmware) >= (4, 7, 0) else {}
        self._values = {s.name: float(s.default) for s in SPECS}
        self._names = [s.name for s in SPECS]
        self._external = {name: renamed.get(name, name) for name in self._names}
        self._internal = {ext: name for name, ext in self._external.items()}
        self.path = path
        for name, value in (overrides or {}).items():
            self.set(canonical_name(name), value, persist=False)
        if path is not None and path.exists():
            for name, value in read_param_file(path).items():
                if canonical_name(name) in self._values:
                    try:
                        self.set(canonical_name(name), value, persist=False)
                    except ParamError as exc:  # a bad saved value keeps the default
                        log.warning("%s: %s ignored", path, exc)

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def index(self, name: str) -> int:
        """Position of name in PARAM_VALUE order."""
        return self._names.index(name)

    def name_at(self, index: int) -> str | None:
        """Internal name at index, or None outside the table."""
        return self._names[index] if 0 <= index < len(self._names) else None

    def resolve(self, external: str) -> str | None:
        """The internal name of a name this firmware knows (None for any other name)."""
        return self._internal.get(external)

    def external(self, name: str) -> str:
        """The name this firmware gives an internal name (what PARAM_VALUE carries)."""
        return self._external[name]

    def type_of(self, name: str) -> int:
        """MAV_PARAM_TYPE of name."""
        return _BY_NAME[name].type

    def set(self, name: str, value: float, persist: bool = True) -> float:
        """Set name (clamped to its type), returning the stored value; saves when persisting."""
        spec = _BY_NAME.get(name)
        if spec is None:
            raise ParamError(f"unknown parameter {name}")
        if not math.isfinite(value):
            raise ParamError(f"{name}: value must be finite")
        if not spec.lo <= value <= spec.hi:
            raise ParamError(f"{name}: {value:g} outside [{spec.lo:g}, {spec.hi:g}]")
        stored = float(round(value)) if spec.type != REAL32 else float(value)
        self._values[name] = stored
        if persist and self.path is not None:
            try:
                write_param_file(self.path, {self._external[k]: v for k, v in self._values.items()})
            except OSError as exc:  # the vehicle keeps flying with the value set
                log.warning("%s: parameters not saved: %s", self.path, exc)
        return stored


def read_param_file(path: Path) -> dict[str, float]:
    """Read ``NAME VALUE`` or ``NAME,VALUE`` lines; # starts a comment."""
    values: dict[str, float] = {}
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace(",", " ").split()
        if len(parts) >= 2:
            try:
                values[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return values


def write_param_file(path: Path, values: Mapping[str, float]) -> None:
    """Write all values atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(f"{k} {v:g}\n" for k, v in values.items()), encoding="utf-8")
    os.replace(tmp, path)
