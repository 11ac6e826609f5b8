"""One MP4 per sortie, the frames copied as they came, with a telemetry track beside it: a WebVTT
file whose cues (one JSON object each: UTC time, position, altitude, heading, readings) are timed
on the video's own clock, so footage can be placed on the map and replayed in step with it.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from command.video.remux import Remuxer
from command.video.rtp import AccessUnit
from command.video.sinks import ThreadedSink, utc_now

RECORDING_QUEUE_FRAMES = 600
"""Frames a recording may have waiting for the disk (40 s at 15 fps) before it drops some."""


@dataclass(frozen=True, slots=True)
class TelemetrySample:
    """Where a vehicle was and what it read at time_utc (degrees, m above home, µg/m³)."""

    time_utc: datetime
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    altitude_m: float | None = None
    heading_deg: float | None = None
    readings: tuple[tuple[str, float], ...] = ()

    def record(self) -> dict[str, object]:
        """JSON-ready form of the cue text."""
        out: dict[str, object] = {"time_utc": _iso(self.time_utc)}
        for key, value in (
            ("lat", self.latitude_deg),
            ("lon", self.longitude_deg),
            ("alt_m", self.altitude_m),
            ("heading_deg", self.heading_deg),
        ):
            if value is not None and math.isfinite(value):
                out[key] = round(value, 7 if key in ("lat", "lon") else 2)
        if self.readings:
            out["readings"] = {k: round(v, 3) for k, v in self.readings if math.isfinite(v)}
        return out


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """A finished (or running) recording: files, vehicle, sortie, UTC span, duration (s), bytes."""

    path: Path
    telemetry_path: Path
    vehicle: str
    sortie_id: int | None
    start_utc: datetime | None
    end_utc: datetime | None
    duration_s: float
    size_bytes: int
    frames: int
    cues: int


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _vtt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


class TelemetryTrack:
    """Writes WebVTT cues as samples come; each cue lasts until the next sample."""

    def __init__(self, path: Path, vehicle: str, sortie_id: int | None) -> None:
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        sortie = "-" if sortie_id is None else str(sortie_id)
        self._file.write(f"WEBVTT - EcoPatrol telemetry, vehicle {vehicle}, sortie {sortie}\n\n")
        self._pending: tuple[float, dict[str, object]] | None = None
        self.cues = 0

    def add(self, at_s: float, sample: TelemetrySample) -> None:
        """A sample at at_s seconds of video time; ends the previous cue there."""
        if self._pending is not None:
            start, record = self._pending
            if at_s <= start:
                self._pending = (start, sample.record())
                return
            self._cue(start, at_s, record)
        self._pending = (max(at_s, 0.0), sample.record())

    def close(self, end_s: float) -> None:
        """The last cue lasts until the end of the video."""
        if self._pending is not None:
            start, record = self._pending
            self._cue(start, max(end_s, start + 0.001), record)
            self._pending = None
        self._file.close()

    def _cue(self, start: float, end: float, record: dict[str, object]) -> None:
        self.cues += 1
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        self._file.write(f"{self.cues}\n{_vtt_time(start)} --> {_vtt_time(end)}\n{text}\n\n")
        self._file.flush()


class RecordingSink(ThreadedSink):
    """Records one vehicle's stream for one sortie into `path` (MP4) and `path`.vtt."""

    def __init__(
        self,
        vehicle: str,
        sortie_id: int | None,
        path: Path,
        retry_s: float,
        clock: Callable[[], float] = time.monotonic,
        utc: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(f"recording-{vehicle}", "mp4", RECORDING_QUEUE_FRAMES, retry_s, clock)
        self.vehicle, self.sortie_id, self.path = vehicle, sortie_id, path
        self.telemetry_path = path.with_suffix(".vtt")
        self._clock, self._utc = clock, utc
        self._lock = threading.Lock()
        self._remuxer: Remuxer | None = None
        self._track: TelemetryTrack | None = None
        self._early: list[TelemetrySample] = []
        self.start_utc: datetime | None = None
        self.frames = 0
        self._duration_s = 0.0
        self._segments = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    def add_telemetry(self, sample: TelemetrySample) -> None:
        """A telemetry sample (any thread); kept until the video's first frame fixes time 0."""
        with self._lock:
            if self._track is None or self.start_utc is None:
                self._early = [*self._early[-1:], sample]
                return
            self._track.add((sample.time_utc - self.start_utc).total_seconds(), sample)

    def open_output(self, first: AccessUnit) -> None:
        """Open the MP4 at the first keyframe; that frame is time 0 of video and telemetry."""
        if self._segments:
            raise RuntimeError("the recording's file was closed after an error; not reopened")
        self._segments += 1
        self._remuxer = Remuxer(str(self.path), "mp4", first, {"movflags": "+faststart"})
        with self._lock:
            self.start_utc = self._utc() - timedelta(seconds=self._clock() - first.arrived_s)
            self._track = TelemetryTrack(self.telemetry_path, self.vehicle, self.sortie_id)
            for sample in self._early:
                self._track.add((sample.time_utc - self.start_utc).total_seconds(), sample)
            self._early = []

    def write(self, unit: AccessUnit) -> int:
        """One frame to the file."""
        assert self._remuxer is not None
        size = self._remuxer.write(unit)
        self.frames = self._remuxer.frames
        self._duration_s = self._remuxer.duration_s
        return size

    def close_output(self) -> None:
        """Write the MP4's index and close the telemetry track."""
        remuxer, self._remuxer = self._remuxer, None
        if remuxer is not None:
            # the last frame lasts one frame interval
            per_frame = self._duration_s / max(self.frames - 1, 1)
            self._duration_s += per_frame if self.frames > 1 else 0.0
            remuxer.close()
        with self._lock:
            if self._track is not None:
                self._track.close(self._duration_s)

    def info(self) -> RecordingInfo:
        """What was recorded so far."""
        with self._lock:
            cues = self._track.cues if self._track is not None else 0
        end = None
        if self.start_utc is not None:
            end = self.start_utc + timedelta(seconds=self._duration_s)
        size = self.path.stat().st_size if self.path.exists() else 0
        return RecordingInfo(
            path=self.path,
            telemetry_path=self.telemetry_path,
            vehicle=self.vehicle,
            sortie_id=self.sortie_id,
            start_utc=self.start_utc,
            end_utc=end,
            duration_s=self._duration_s,
            size_bytes=size,
            frames=self.frames,
            cues=cues,
        )
