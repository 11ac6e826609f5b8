"""Telemetry tracks: one compact append-only binary file per sortie, read back as numpy arrays.

Layout: a 16-byte header (magic, version, record size) then fixed 52-byte little-endian
records (time_utc_s f8, latitude_deg f8, longitude_deg f8, altitude_m f4, groundspeed_mps f4,
battery_pct f4, mode 16 ASCII bytes). Each record goes to the OS in one write, so a crash
loses at most the record being written; the reader ignores a torn tail, and a writer that
reopens the file cuts it off before appending.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

MAGIC = b"EPTRACK\x00"
VERSION = 1
HEADER = struct.Struct("<8sHHI")  # magic, version, record size, reserved
RECORD = struct.Struct("<dddfff16s")
MODE_BYTES = 16
RECORD_DTYPE = np.dtype(
    [
        ("time_utc_s", "<f8"),
        ("latitude_deg", "<f8"),
        ("longitude_deg", "<f8"),
        ("altitude_m", "<f4"),
        ("groundspeed_mps", "<f4"),
        ("battery_pct", "<f4"),
        ("mode", f"S{MODE_BYTES}"),
    ]
)
assert RECORD_DTYPE.itemsize == RECORD.size == 52
HEADER_BYTES = HEADER.pack(MAGIC, VERSION, RECORD.size, 0)


class TrackFormatError(ValueError):
    """The file is not an EcoPatrol track (or of another version)."""


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One telemetry sample: POSIX UTC seconds, WGS84 degrees, metres, m/s, % and mode name."""

    time_utc_s: float
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    groundspeed_mps: float
    battery_pct: float
    mode: str


@dataclass(frozen=True, slots=True)
class Track:
    """A track as column arrays, one element per complete record, in file order."""

    time_utc_s: npt.NDArray[np.float64]
    latitude_deg: npt.NDArray[np.float64]
    longitude_deg: npt.NDArray[np.float64]
    altitude_m: npt.NDArray[np.float32]
    groundspeed_mps: npt.NDArray[np.float32]
    battery_pct: npt.NDArray[np.float32]
    mode: npt.NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.time_utc_s.shape[0])

    def point(self, index: int) -> TrackPoint:
        return TrackPoint(
            time_utc_s=float(self.time_utc_s[index]),
            latitude_deg=float(self.latitude_deg[index]),
            longitude_deg=float(self.longitude_deg[index]),
            altitude_m=float(self.altitude_m[index]),
            groundspeed_mps=float(self.groundspeed_mps[index]),
            battery_pct=float(self.battery_pct[index]),
            mode=str(self.mode[index]),
        )


class TrackWriter:
    """Appends TrackPoints to a track file; creates it (and its folder) or resumes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._count = _prepare(path)
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - closed by close()

    @property
    def count(self) -> int:
        """Complete records in the file, this writer's included."""
        return self._count

    def append(self, point: TrackPoint) -> None:
        self._write(_pack(point))
        self._count += 1

    def extend(self, points: Iterable[TrackPoint]) -> None:
        """Append many points in one write."""
        packed = [_pack(point) for point in points]
        self._write(b"".join(packed))
        self._count += len(packed)

    def sync(self) -> None:
        """Push written records to the disk itself (fsync), e.g. when the sortie closes."""
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a regular file takes it all at once; loop for the rare short write
            written = self._file.write(view)
            view = view[written or 0 :]


def read_track(path: Path, start: int = 0) -> Track:
    """Every complete record from index `start` on (a torn last record is left out).

    A file whose header was never completely written has no records.
    """
    data = path.read_bytes()
    if len(data) < HEADER.size and HEADER_BYTES.startswith(data):
        data = HEADER_BYTES
    _check_header(path, data)
    if start < 0:
        raise ValueError(f"start={start}: must be 0 or more")
    complete = (len(data) - HEADER.size) // RECORD.size
    start = min(start, complete)
    count = complete - start
    records = np.frombuffer(
        data, dtype=RECORD_DTYPE, count=count, offset=HEADER.size + start * RECORD.size
    )
    return Track(
        time_utc_s=records["time_utc_s"].astype(np.float64),
        latitude_deg=records["latitude_deg"].astype(np.float64),
        longitude_deg=records["longitude_deg"].astype(np.float64),
        altitude_m=records["altitude_m"].astype(np.float32),
        groundspeed_mps=records["groundspeed_mps"].astype(np.float32),
        battery_pct=records["battery_pct"].astype(np.float32),
        mode=np.char.decode(records["mode"], "ascii").astype(np.str_),
    )


def _pack(point: TrackPoint) -> bytes:
    mode = point.mode.encode("ascii")
    if len(mode) > MODE_BYTES:
        raise ValueError(f"mode {point.mode!r} is longer than {MODE_BYTES} ASCII characters")
    return RECORD.pack(
        point.time_utc_s,
        point.latitude_deg,
        point.longitude_deg,
        point.altitude_m,
        point.groundspeed_mps,
        point.battery_pct,
        mode,
    )


def _prepare(path: Path) -> int:
    """Make `path` a valid track ending on a whole record; return how many records it has."""
    with open(path, "a+b") as file:
        file.seek(0)
        head = file.read(HEADER.size)
        if len(head) < HEADER.size:
            if not HEADER_BYTES.startswith(head):
                raise TrackFormatError(f"{path}: not an EcoPatrol track")
            file.truncate(0)  # new file, or the header itself was torn: start again
            file.write(HEADER_BYTES)
            file.flush()
            os.fsync(file.fileno())
            return 0
        _check_header(path, head)
        size = file.seek(0, os.SEEK_END)
        count = (size - HEADER.size) // RECORD.size
        whole = HEADER.size + count * RECORD.size
        if whole != size:
            file.truncate(whole)  # cut a record torn by a crash
        return count


def _check_header(path: Path, data: bytes) -> None:
    if len(data) < HEADER.size:
        raise TrackFormatError(f"{path}: not an EcoPatrol track")
    magic, version, record_size, _ = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise TrackFormatError(f"{path}: not an EcoPatrol track")
    if version != VERSION or record_size != RECORD.size:
        raise TrackFormatError(f"{path}: track version {version}, record {record_size} bytes")
