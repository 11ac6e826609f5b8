"""The console's live view, server side: each browser gets its own bounded queue of whole H.264
frames (Annex B, SPS/PPS before every keyframe), starting at a keyframe and dropping to the next
one when it falls behind. The page muxes them to fragmented MP4 in the browser (jmuxer, served
from static/vendor) for Media Source Extensions: one frame of delay, no server-side muxing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from command.video.rtp import RTP_CLOCK_HZ, AccessUnit
from command.video.sinks import FrameQueue


class LiveFeed(FrameQueue):
    """One live-view client of one vehicle: iterate (or `get()`) frames; `close()` when done.

    Send each frame's `data` as one binary WebSocket message; the page feeds it to
    `jmuxer.feed({video: bytes, duration: ms})` with `duration_ms()` of the frame.
    """

    def __init__(
        self,
        vehicle: str,
        number: int,
        maxlen: int,
        on_close: Callable[[LiveFeed], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(f"live-{vehicle}-{number}", "live", maxlen, clock)
        self.vehicle = vehicle
        self._on_close = on_close
        self._last_ts: int | None = None

    def get(self, timeout_s: float | None = None) -> AccessUnit | None:
        """The next frame, counted as sent; None on timeout or once closed."""
        unit = super().get(timeout_s)
        if unit is not None:
            self.counters.count_sent(len(unit.data))
            if self.counters.state != "ok":
                self.counters.set_state("ok")
        return unit

    def duration_ms(self, unit: AccessUnit) -> float:
        """How long the previous frame lasted before this one (ms), for the browser's muxer."""
        last, self._last_ts = self._last_ts, unit.timestamp
        if last is None:
            return 0.0
        step = (unit.timestamp - last) & 0xFFFFFFFF
        return step * 1000.0 / RTP_CLOCK_HZ if step < 0x80000000 else 0.0

    def close(self) -> None:
        """Stop this client's feed and unhook it from the relay."""
        if not self.closed:
            super().close()
            self._on_close(self)
