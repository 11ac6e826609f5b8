"""The drone's camera: single shots, timed capture (IMAGE_START_CAPTURE) and the distance
trigger (DO_SET_CAM_TRIGG_DIST). It counts images; the link reports each as CAMERA_IMAGE_CAPTURED.
"""

from __future__ import annotations

import math


class Camera:
    """Decides when pictures are taken; shots are image indices, 0-based."""

    def __init__(self) -> None:
        self.image_index = 0
        self.trigger_distance_m = 0.0
        self._last_ne: tuple[float, float] | None = None
        self._interval: tuple[float, float, int] | None = None  # next_t, interval_s, remaining

    def shoot(self, ne: tuple[float, float]) -> int:
        """Take one picture at local position ne; returns its index."""
        index = self.image_index
        self.image_index += 1
        self._last_ne = ne
        return index

    def start_capture(self, t: float, interval_s: float, total: int) -> None:
        """After the first shot: total images (0 = until stopped) every interval_s from time t."""
        if total == 1:
            return
        interval = max(interval_s, 0.1)
        self._interval = (t + interval, interval, total - 1 if total > 0 else -1)

    def stop_capture(self) -> None:
        """No more timed pictures."""
        self._interval = None

    def set_trigger_distance(self, distance_m: float, ne: tuple[float, float]) -> None:
        """A picture every distance_m of horizontal flight from ne on (0 = off)."""
        self.trigger_distance_m = max(distance_m, 0.0)
        self._last_ne = ne

    def due(self, t: float, ne: tuple[float, float], flying: bool) -> int:
        """How many pictures are due now (timed capture, then the distance trigger in flight)."""
        shots = 0
        if self._interval is not None and t >= self._interval[0]:
            next_t, interval, remaining = self._interval
            shots += 1
            remaining = remaining - 1 if remaining > 0 else remaining
            self._interval = None if remaining == 0 else (next_t + interval, interval, remaining)
        if (
            flying
            and self.trigger_distance_m > 0
            and self._last_ne is not None
            and math.dist(self._last_ne, ne) >= self.trigger_distance_m
        ):
            shots += 1
        return shots
