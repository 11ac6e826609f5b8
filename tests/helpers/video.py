"""Video test tools: a real H.264 RTP clip from the camera's encoder, a paced sender that replays
it, a UDP capture, and ffprobe/ffmpeg (Debian's) as the independent client."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.video.encoder import H264Sender, StreamFormat
from simulator.video.scene import SceneRenderer
from simulator.video.state import CameraState
from simulator.world import load_world

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")


def need_ffmpeg() -> None:
    """Fail (never skip) when Debian's ffmpeg is missing: scripts/system-packages installs it."""
    assert FFMPEG and FFPROBE, "ffmpeg/ffprobe missing: run scripts/system-packages"


def free_udp_port() -> int:
    """A UDP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_rtp_port() -> int:
    """An even UDP port with the next one free too (RTP and its RTCP, as receivers bind them)."""
    for _ in range(100):
        port = free_udp_port()
        if port % 2 == 0 and port < 65000 and _udp_free(port + 1):
            return port
    raise RuntimeError("no free UDP port pair")


def udp_bound(port: int) -> bool:
    """True when something (a receiver) has bound the UDP port."""
    return not _udp_free(port)


def tcp_listening(port: int) -> bool:
    """True when a server listens on the TCP port (found without connecting to it)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_tcp_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UdpCapture:
    """Collects every datagram sent to a port, with its arrival time (monotonic s)."""

    def __init__(self, port: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", port or 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.1)
        self.datagrams: list[bytes] = []
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.times.append(time.monotonic())
            self.datagrams.append(data)

    def close(self) -> None:
        """Stop capturing."""
        self._stop.set()
        self._thread.join(2.0)
        self.sock.close()


def encode_clip(
    seconds: float, fmt: StreamFormat | None = None, moving: bool = True
) -> list[bytes]:
    """The RTP datagrams the camera's encoder sends for `seconds` of the simulated view."""
    fmt = fmt or StreamFormat()
    world = load_world()
    renderer = SceneRenderer(world, fmt.width, fmt.height)
    capture = UdpCapture()
    sender = H264Sender(fmt, "127.0.0.1", capture.port)
    frames = round(seconds * fmt.fps)
    for i in range(frames):
        state = CameraState(
            0,
            world.origin_lat + (i * 2e-6 if moving else 0.0),
            world.origin_lon,
            60.0,
            (i * 2.0) % 360 if moving else 0.0,
            1.8e9 + i / fmt.fps,
            900.0 + i / fmt.fps,
            (("PM2_5", 38.0 + i),),
        )
        sender.send(renderer.render(state, "UAV-1"))
    sender.close()
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        n = len(capture.datagrams)
        time.sleep(0.2)
        if len(capture.datagrams) == n:
            break
    capture.close()
    assert capture.datagrams, "the encoder sent nothing"
    return capture.datagrams


def rtp_fields(datagram: bytes) -> tuple[int, int, int]:
    """Sequence number, timestamp and SSRC of an RTP datagram."""
    _, _, seq, ts, ssrc = struct.unpack_from("!BBHII", datagram)
    return seq, ts, ssrc


class Replayer:
    """Sends a clip's datagrams to a port at the clip's own pace (its RTP timestamps), looping
    with sequence numbers and timestamps carried on, and keeps what it sent."""

    def __init__(
        self,
        datagrams: list[bytes],
        port: int,
        loops: int = 1,
        keep: Callable[[bytes], bool] | None = None,
        speed: float = 1.0,
    ) -> None:
        self.clip = datagrams
        self.port = port
        self.loops = loops
        self.keep = keep
        self.speed = speed
        self.sent: list[bytes] = []
        self.sent_times: list[float] = []
        self.paused = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def start(self) -> Replayer:
        """Begin sending."""
        self._thread.start()
        return self

    def _run(self) -> None:
        first_seq, first_ts, _ = rtp_fields(self.clip[0])
        last_seq, last_ts, _ = rtp_fields(self.clip[-1])
        per_loop_seq = (last_seq - first_seq + 1) & 0xFFFF
        per_loop_ts = (last_ts - first_ts) + ((last_ts - first_ts) // max(1, self._frames() - 1))
        t0 = time.monotonic()
        for loop in range(self.loops):
            for data in self.clip:
                if self._stop.is_set():
                    return
                seq, ts, _ = rtp_fields(data)
                seq = (seq + loop * per_loop_seq) & 0xFFFF
                ts = (ts + loop * per_loop_ts) & 0xFFFFFFFF
                due = t0 + ((ts - first_ts) & 0xFFFFFFFF) / 90_000 / self.speed
                while self.paused.is_set() and not self._stop.is_set():
                    before = time.monotonic()
                    time.sleep(0.01)
                    t0 += time.monotonic() - before
                    due = t0 + ((ts - first_ts) & 0xFFFFFFFF) / 90_000 / self.speed
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                out = data[:2] + struct.pack("!HI", seq, ts) + data[8:]
                if self.keep is not None and not self.keep(out):
                    continue
                self.sock.sendto(out, ("127.0.0.1", self.port))
                self.sent_times.append(time.monotonic())
                self.sent.append(out)

    def _frames(self) -> int:
        return len({rtp_fields(d)[1] for d in self.clip})

    def wait(self, timeout_s: float = 60.0) -> None:
        """Until everything was sent."""
        self._thread.join(timeout_s)

    def stop(self) -> None:
        """Stop sending."""
        self._stop.set()
        self._thread.join(5.0)
        self.sock.close()


def ffprobe(path: str | Path, *args: str) -> dict[str, Any]:
    """ffprobe's JSON (streams and format) of a file, with extra options (e.g. -count_frames)."""
    need_ffmpeg()
    assert FFPROBE
    out = subprocess.run(
        [FFPROBE, "-v", "error", *args, "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def ffmpeg(*args: str, timeout_s: float = 60.0) -> subprocess.Popen[bytes]:
    """Start ffmpeg with args (quiet, no stdin)."""
    need_ffmpeg()
    assert FFMPEG
    return subprocess.Popen(
        [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def run_ffmpeg() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ffmpeg processes (as `ffmpeg()`); any still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        proc = ffmpeg(*args)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def video_stream(info: dict[str, Any]) -> dict[str, Any]:
    """The first video stream of ffprobe's answer."""
    streams = [s for s in info["streams"] if s.get("codec_type") == "video"]
    assert streams, f"no video stream in {info}"
    return streams[0]


def wait_for(condition: Callable[[], object], timeout_s: float = 20.0, what: str = "") -> None:
    """Poll a condition (every 20 ms) until true; fail naming what was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or condition}")


def free_udp_ports(count: int) -> int:
    """A base port with `count` consecutive UDP ports free (vehicle i's video on base + i)."""
    for _ in range(200):
        base = free_udp_port()
        if base + count < 65000 and all(_udp_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free UDP ports")
