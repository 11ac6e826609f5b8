"""Run the simulator as a real subprocess on free ports, and talk to it as a ground station."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("MAVLINK20", "1")
from pymavlink import mavutil

ROOT = Path(__file__).resolve().parents[2]
C = mavutil.mavlink


SERIAL_OFFSETS = (0, 2, 3)
"""TCP port of each vehicle's SERIAL0/1/2 relative to its base, as ArduPilot SITL lays them."""


def free_base_port(drones: int) -> int:
    """A base port such that every vehicle's serial ports (base + 10·i + 0/2/3) are free."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + 10 * drones > 65000:
            continue
        ok = True
        for port in (base + 10 * i + off for i in range(drones) for off in SERIAL_OFFSETS):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range")


class Sitl:
    """A running simulator process."""

    def __init__(self, proc: subprocess.Popen[str], base_port: int, drones: int, workdir: Path):
        self.proc = proc
        self.base_port = base_port
        self.drones = drones
        self.workdir = workdir

    def port(self, i: int = 0, serial: int = 0) -> int:
        """TCP port of vehicle i's serial port (0-based; SITL serves one client per port)."""
        return self.base_port + 10 * i + SERIAL_OFFSETS[serial]

    def url(self, i: int = 0, serial: int = 0) -> str:
        """pymavlink/dronekit connection string of vehicle i's serial port."""
        return f"tcp:127.0.0.1:{self.port(i, serial)}"


@contextmanager
def sitl(
    tmp_path: Path,
    drones: int = 1,
    speedup: float = 10.0,
    seed: int = 1,
    world: Path | None = None,
    extra: list[str] | None = None,
) -> Iterator[Sitl]:
    """Start ``python -m simulator`` and stop it (SIGTERM) afterwards, checking it exits cleanly."""
    base = free_base_port(drones)
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "--drones",
        str(drones),
        "--speedup",
        str(speedup),
        "--seed",
        str(seed),
        "--base-port",
        str(base),
        "--station-feed",
        str(tmp_path / "stations.csv"),
    ]
    if world is not None:
        cmd += ["--world", str(world)]
    cmd += extra or []
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "connect to" not in line:
        proc.kill()
        raise RuntimeError(
            f"simulator did not start: {line}{proc.stderr.read() if proc.stderr else ''}"
        )
    try:
        yield Sitl(proc, base, drones, tmp_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""


class Gcs:
    """A minimal pymavlink ground station for tests (sysid 255)."""

    def __init__(self, url: str, target: int = 1) -> None:
        self.m = mavutil.mavlink_connection(
            url, source_system=255, source_component=190, autoreconnect=False
        )
        self.target = target
        self._last_hb = 0.0
        self.heartbeats = True
        self.seen: list[Any] = []

    def close(self) -> None:
        """Close the connection."""
        self.m.close()

    def beat(self) -> None:
        """Send a GCS heartbeat if one is due (every 0.2 s real time)."""
        now = time.monotonic()
        if self.heartbeats and now - self._last_hb > 0.2:
            self.m.mav.heartbeat_send(C.MAV_TYPE_GCS, C.MAV_AUTOPILOT_INVALID, 0, 0, 0)
            self._last_hb = now

    def recv(
        self,
        types: str | list[str],
        pred: Callable[[Any], bool] = lambda m: True,
        timeout: float = 10.0,
    ) -> Any:
        """The next message of the given type(s) satisfying pred, or AssertionError on timeout."""
        wanted = {types} if isinstance(types, str) else set(types)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.beat()
            msg = self.m.recv_match(blocking=True, timeout=0.05)
            if msg is None:
                continue
            self.seen.append(msg)
            if msg.get_type() in wanted and pred(msg):
                return msg
        raise AssertionError(f"no {sorted(wanted)} within {timeout}s")

    def wait_ready(self, timeout: float = 30.0) -> Any:
        """Wait until GLOBAL_POSITION_INT carries a position (EKF ready); return it."""
        self.request_streams(4)
        return self.recv("GLOBAL_POSITION_INT", lambda m: m.lat != 0, timeout)

    def request_streams(self, hz: int) -> None:
        """REQUEST_DATA_STREAM for all groups."""
        self.m.mav.request_data_stream_send(self.target, 1, C.MAV_DATA_STREAM_ALL, hz, 1)

    def command(self, cmd: int, *params: float, timeout: float = 5.0) -> int:
        """COMMAND_LONG and its COMMAND_ACK result."""
        p = list(params) + [0.0] * (7 - len(params))
        self.m.mav.command_long_send(self.target, 1, cmd, 0, *p)
        return self.recv("COMMAND_ACK", lambda m: m.command == cmd, timeout).result

    def set_mode(self, mode: int) -> int:
        """DO_SET_MODE with an ArduCopter custom mode."""
        return self.command(C.MAV_CMD_DO_SET_MODE, C.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, mode)

    def set_param(self, name: str, value: float) -> float:
        """PARAM_SET and the PARAM_VALUE echo."""
        self.m.mav.param_set_send(self.target, 1, name.encode(), value, C.MAV_PARAM_TYPE_REAL32)
        return self.recv("PARAM_VALUE", lambda m: m.param_id == name).param_value

    def upload(
        self,
        items: list[tuple[int, int, list[float], float, float, float]],
        mission_type: int = 0,
        timeout: float = 10.0,
    ) -> int:
        """Upload (frame, command, [p1..p4], lat, lon, alt) items with MISSION_ITEM_INT; item 0
        is sent as given. Returns the MISSION_ACK result."""
        self.m.mav.mission_count_send(self.target, 1, len(items), mission_type)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.recv(
                ["MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"],
                lambda m: getattr(m, "mission_type", 0) == mission_type,
                timeout=deadline - time.monotonic(),
            )
            if msg.get_type() == "MISSION_ACK":
                return msg.type
            frame, command, p, lat, lon, alt = items[msg.seq]
            self.m.mav.mission_item_int_send(
                self.target,
                1,
                msg.seq,
                frame,
                command,
                0,
                1,
                *p,
                int(lat * 1e7),
                int(lon * 1e7),
                alt,
                mission_type,
            )
        raise AssertionError("upload timed out")

    def download(self, mission_type: int = 0) -> list[Any]:
        """Download a list with MISSION_REQUEST_INT; returns the MISSION_ITEM_INTs."""
        self.m.mav.mission_request_list_send(self.target, 1, mission_type)
        count = self.recv("MISSION_COUNT", lambda m: m.mission_type == mission_type).count
        items = []
        for seq in range(count):
            self.m.mav.mission_request_int_send(self.target, 1, seq, mission_type)
            items.append(
                self.recv(
                    "MISSION_ITEM_INT",
                    lambda m, s=seq: m.seq == s and m.mission_type == mission_type,
                )
            )
        self.m.mav.mission_ack_send(self.target, 1, 0, mission_type)
        return items

    def texts(self) -> list[str]:
        """STATUSTEXTs seen so far."""
        return [m.text for m in self.seen if m.get_type() == "STATUSTEXT"]
