"""Reads a recording's telemetry track (the recorder's WebVTT, one JSON object per cue) back into
timed samples, so the console can draw the track on the map and move a marker in step with the
video. A damaged file is refused naming the file, the line and what is wrong."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TIMING = re.compile(
    r"^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})\s+-->\s+(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})"
)


class TrackError(ValueError):
    """The telemetry track cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class TrackCue:
    """One telemetry sample, valid from start_s to end_s of video time."""

    start_s: float
    end_s: float
    data: dict[str, Any]

    def record(self) -> dict[str, Any]:
        """JSON-ready form: start_s, end_s and the cue's own fields."""
        return {"start_s": self.start_s, "end_s": self.end_s, **self.data}


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def read_track(path: Path) -> list[TrackCue]:
    """Every cue of a WebVTT telemetry track, in time order."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TrackError(f"{path}: cannot read the telemetry track: {exc.strerror}") from None
    if not lines or not lines[0].startswith("WEBVTT"):
        raise TrackError(f"{path}:1: not a WebVTT file (no WEBVTT header)")
    cues: list[TrackCue] = []
    i = 1
    while i < len(lines):
        match = _TIMING.match(lines[i])
        if match is None:
            i += 1
            continue
        g = match.groups()
        start, end = _seconds(*g[:4]), _seconds(*g[4:])
        text: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip():
            text.append(lines[j])
            j += 1
        try:
            data = json.loads("\n".join(text))
        except json.JSONDecodeError as exc:
            raise TrackError(f"{path}:{i + 2}: cue text is not JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise TrackError(f"{path}:{i + 2}: cue text is not a JSON object")
        cues.append(TrackCue(start, end, data))
        i = j
    cues.sort(key=lambda c: c.start_s)
    return cues
