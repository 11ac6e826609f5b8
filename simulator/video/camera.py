"""One camera per vehicle, in a process of its own so rendering and encoding never slow the
flight simulation: the simulator hands it vehicle states (never waiting: a full inbox drops the
state) and it draws, encodes and sends frames at its own real-time frame rate, and writes a
JPEG still whenever asked.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from simulator.video.encoder import StreamFormat
from simulator.video.state import CameraState
from simulator.world import World

log = logging.getLogger("simulator.video")

INBOX = 64
"""Messages waiting for a camera process before new states are dropped."""
RETRY_S = 1.0
"""Seconds between attempts to reopen a stream that failed."""


@dataclass(frozen=True)
class VideoSettings:
    """How the fleet's cameras stream: format, destination (vehicle i sends to base_port + i),
    whether streams run from boot, where stills go (None: no stills) and their size (px)."""

    stream: StreamFormat = field(default_factory=StreamFormat)
    host: str = "127.0.0.1"
    base_port: int = 5600
    stream_at_start: bool = True
    image_dir: Path | None = None
    still_size: tuple[int, int] = (1280, 720)
    seed: int = 0

    def port_of(self, index: int) -> int:
        """UDP port vehicle index (0-based) streams to."""
        return self.base_port + index

    def uri_of(self, index: int) -> str:
        """The stream's address as VIDEO_STREAM_INFORMATION gives it (where to listen)."""
        return f"udp://{self.host}:{self.port_of(index)}"


class CameraFeed:
    """The simulator's handle on one vehicle's camera process."""

    def __init__(
        self, world: World, settings: VideoSettings, index: int, sysid: int, name: str
    ) -> None:
        self.settings = settings
        self.index, self.sysid, self.name = index, sysid, name
        self.streaming = settings.stream_at_start
        self.dropped = 0
        self._period_s = 1.0 / settings.stream.fps
        self._last_sent = -1e9
        ctx = multiprocessing.get_context("spawn")
        self._inbox: Any = ctx.Queue(INBOX)
        self._process: BaseProcess = ctx.Process(
            target=run_camera,
            args=(world, settings, index, sysid, name, self._inbox),
            name=f"camera-{sysid}",
            daemon=True,
        )

    @property
    def port(self) -> int:
        """UDP port the stream goes to."""
        return self.settings.port_of(self.index)

    def start(self) -> None:
        """Start the camera process."""
        self._process.start()

    def due(self, now_s: float) -> bool:
        """Whether a frame's worth of real time (monotonic s) passed since the last state."""
        return now_s - self._last_sent >= self._period_s

    def update(self, state: CameraState, now_s: float | None = None) -> None:
        """Give the camera the vehicle's latest state, at most once per frame (monotonic s)."""
        now = time.monotonic() if now_s is None else now_s
        if not self.due(now):
            return
        self._last_sent = now
        self._post(("state", state))

    def set_streaming(self, on: bool) -> None:
        """Start or stop the video stream (a new stream begins with a keyframe)."""
        self.streaming = on
        self._post(("stream", on))

    def capture(self, image_index: int, state: CameraState, alt_amsl_m: float) -> Path | None:
        """Ask for still `image_index` at `state`; returns the path it will have (or None)."""
        if self.settings.image_dir is None:
            return None
        from simulator.video.stills import still_path

        self._post(("still", image_index, state, alt_amsl_m))
        return still_path(self.settings.image_dir, self.sysid, image_index)

    def close(self, timeout_s: float = 3.0) -> None:
        """Stop the process: it flushes its encoder and writes pending stills first."""
        if self._process.pid is None:
            return
        with contextlib.suppress(queue.Full):
            self._inbox.put(("quit",), timeout=1.0)
        self._process.join(timeout_s)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        self._inbox.close()
        self._inbox.cancel_join_thread()

    def _post(self, message: tuple[Any, ...]) -> None:
        try:
            self._inbox.put_nowait(message)
        except queue.Full:
            self.dropped += 1


def run_camera(
    world: World, settings: VideoSettings, index: int, sysid: int, name: str, inbox: Any
) -> None:
    """The camera process: draw, encode and send frames at the stream's rate; write stills."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    import av

    from simulator.video.encoder import H264Sender
    from simulator.video.scene import SceneRenderer
    from simulator.video.stills import exif_bytes, still_path, write_still

    errors = (OSError, av.FFmpegError)
    fmt = settings.stream
    renderer = SceneRenderer(world, fmt.width, fmt.height, settings.seed)
    still_renderer: SceneRenderer | None = None
    parent = multiprocessing.parent_process()
    streaming = settings.stream_at_start
    sender: H264Sender | None = None
    state: CameraState | None = None
    period = 1.0 / fmt.fps
    next_frame = time.monotonic()
    retry_at = 0.0
    running = True
    while running:
        now = time.monotonic()
        wait = max(0.0, next_frame - now) if streaming and state is not None else 0.5
        messages = []
        try:
            messages.append(inbox.get(timeout=wait))
            while True:
                messages.append(inbox.get_nowait())
        except queue.Empty:
            pass
        except (EOFError, OSError):
            break
        for msg in messages:
            if msg[0] == "state":
                state = msg[1]
            elif msg[0] == "stream":
                streaming = bool(msg[1])
            elif msg[0] == "still" and settings.image_dir is not None:
                if still_renderer is None:
                    still_renderer = SceneRenderer(world, *settings.still_size, settings.seed)
                image_index, shot, alt_amsl = msg[1], msg[2], msg[3]
                path = still_path(settings.image_dir, sysid, image_index)
                try:
                    write_still(
                        path,
                        still_renderer.render(shot, name),
                        exif_bytes(shot, alt_amsl, f"{name} camera"),
                    )
                except OSError as exc:
                    log.warning("%s: still %s not written: %s", name, path, exc)
            elif msg[0] == "quit":
                running = False
        if not streaming and sender is not None:
            _close_quietly(sender, errors)
            sender = None
        now = time.monotonic()
        if running and streaming and state is not None and now >= next_frame:
            next_frame = max(next_frame + period, now - period)
            if sender is None and now >= retry_at:
                try:
                    sender = H264Sender(fmt, settings.host, settings.port_of(index))
                except errors as exc:
                    log.warning("%s: cannot open the video stream: %s", name, exc)
                    retry_at = now + RETRY_S
            if sender is not None:
                try:
                    sender.send(renderer.render(state, name))
                except errors as exc:
                    log.warning("%s: video stream interrupted: %s", name, exc)
                    _close_quietly(sender, errors)
                    sender = None
                    retry_at = now + RETRY_S
        if parent is not None and not parent.is_alive():
            break
    if sender is not None:
        _close_quietly(sender, errors)


def _close_quietly(sender: Any, errors: tuple[type[Exception], ...]) -> None:
    try:
        sender.close()
    except errors as exc:
        log.warning("video stream closed with an error: %s", exc)
