"""The simulator process: N copters stepped together in simulated time, each served over TCP as
ArduPilot SITL serves an instance, and optionally over UDP, paced by --speedup.

Vehicle i has three TCP ports, one per serial port: SERIAL0 on base+10·i, SERIAL1 on base+10·i+2
and SERIAL2 on base+10·i+3 (5760, 5762, 5763 for the first). Like SITL, each port serves one
client at a time: a second client's connection waits unanswered until the first one leaves
(``shared_ports`` lets any number share a port, for tests and benchmarks). When file
descriptors run out, a new connection is refused and the fleet flies on.

One thread, one selector: physics steps at a fixed simulated rate; between steps, sockets are
read and written without blocking. A slow client loses data rather than stalling the fleet.
"""

from __future__ import annotations

import errno
import logging
import os
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from simulator import geo
from simulator.link import VehicleLink
from simulator.params import FIRMWARES, ParamStore
from simulator.payload import Payload
from simulator.stations import StationFeed
from simulator.vehicle import Copter
from simulator.video.camera import CameraFeed, VideoSettings
from simulator.video.mavlink import VehicleVideo
from simulator.world import World

log = logging.getLogger("simulator")

STEP_S = 0.04
"""Physics step in simulated seconds (25 Hz)."""
MAX_CLIENT_BACKLOG = 4 * 1024 * 1024
"""Bytes queued for a client that does not read before its backlog is dropped."""
SERIAL_PORT_OFFSETS = (0, 2, 3)
"""TCP port of SERIAL0/1/2 relative to the instance's base port, as in ArduPilot SITL."""
UDP_CHANNEL = 3
"""The MAVLink channel (SR3_* rates) of the --udp-out link."""
ACCEPT_RETRY_S = 1.0
"""Real seconds a port stops accepting when even a refusal is impossible (no descriptor)."""
_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def port_numbers(base_port: int, drones: int) -> list[list[int]]:
    """TCP ports of each vehicle's serial ports."""
    return [[base_port + 10 * i + off for off in SERIAL_PORT_OFFSETS] for i in range(drones)]


@dataclass(frozen=True)
class FleetConfig:
    """How the simulator is started (the CLI's options)."""

    drones: int = 1
    home: tuple[float, float, float] | None = None  # lat, lon, alt AMSL; None = world origin
    speedup: float = 1.0  # <= 0: as fast as possible
    seed: int = 0
    host: str = "127.0.0.1"
    base_port: int = 5760
    udp_out: tuple[str, int] | None = None  # vehicle i sends to port + 10·i
    spacing_m: float = 5.0
    params_dir: Path | None = None
    station_feed: Path | None = None
    loss: float = 0.0  # fraction of frames lost each way, on every link
    signing_key: bytes | None = None  # MAVLink 2 signing: unsigned frames are rejected
    shared_ports: bool = False  # any number of clients per TCP port (SITL serves one)
    firmware: str = FIRMWARES[0]
    video: VideoSettings | None = None  # cameras: vehicle i streams to video.base_port + i


class _Client:
    def __init__(self, sock: socket.socket, addr: object) -> None:
        self.sock = sock
        self.addr = addr
        self.pending = bytearray()


@dataclass
class _Port:
    """One listening TCP port: vehicle i's serial port (channel)."""

    vehicle: int
    channel: int
    server: socket.socket
    listening: bool = True
    resume_at: float = 0.0


class Fleet:
    """The copters, their sockets and the clock that drives them."""

    def __init__(self, world: World, config: FleetConfig) -> None:
        self.world = world
        self.config = config
        self.sel = selectors.DefaultSelector()
        self.t = 0.0
        self.steps = 0
        self.dropped_bytes = 0
        self.refused = 0
        self._stop = False
        self._spare_fd: int | None = os.open(os.devnull, os.O_RDONLY)
        start = world.start_utc or datetime.now(UTC)
        self.start_unix_s = start.timestamp()
        lat0, lon0, alt0 = config.home or (world.origin_lat, world.origin_lon, world.origin_alt_m)
        if config.home is not None:
            world = World(**{**world.__dict__, "origin_alt_m": alt0})
            self.world = world
        self.copters: list[Copter] = []
        self.links: list[VehicleLink] = []
        self.ports: list[_Port] = []
        self.clients: dict[socket.socket, tuple[_Port, _Client]] = {}
        self._on_port: dict[tuple[int, int], list[_Client]] = {}  # (vehicle, channel) → clients
        self.udp: list[tuple[socket.socket, tuple[str, int]] | None] = []
        try:
            for i in range(config.drones):
                self._add_vehicle(i, lat0, lon0)
        except BaseException:
            self.close()
            raise
        self.stations = (
            StationFeed(world, config.station_feed, self.start_unix_s, config.seed)
            if config.station_feed and world.stations
            else None
        )

    def _add_vehicle(self, i: int, lat0: float, lon0: float) -> None:
        config, world = self.config, self.world
        lat, lon = geo.destination(lat0, lon0, 0.0, i * config.spacing_m)
        path = config.params_dir / f"vehicle-{i + 1}.parm" if config.params_dir else None
        params = ParamStore({**world.params, "SYSID_THISMAV": i + 1}, path, config.firmware)
        copter = Copter(i + 1, world, lat, lon, params, start_unix_s=self.start_unix_s)
        self.copters.append(copter)
        payload = Payload(world, config.seed * 1000 + 500 + i)
        link = VehicleLink(
            copter, payload, config.loss, config.seed * 1000 + 900 + i, config.signing_key
        )
        self.links.append(link)
        if config.video is not None:
            feed = CameraFeed(world, config.video, i, i + 1, f"UAV-{i + 1}")
            feed.start()
            link.video = VehicleVideo(feed)
        for channel, port in enumerate(port_numbers(config.base_port, config.drones)[i]):
            self._listen(i, channel, port)
        self.udp.append(self._udp(i))

    # --- sockets -----------------------------------------------------------------------------
    def port_of(self, i: int, serial: int = 0) -> int:
        """TCP port of vehicle i's serial port (0-based)."""
        return self.config.base_port + 10 * i + SERIAL_PORT_OFFSETS[serial]

    def _listen(self, i: int, channel: int, port: int) -> None:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((self.config.host, port))
            srv.listen(8)
            srv.setblocking(False)
        except OSError as exc:
            srv.close()
            where = f"{self.config.host}:{port}"
            raise OSError(exc.errno, f"cannot listen on {where}: {exc.strerror or exc}") from exc
        entry = _Port(i, channel, srv)
        self.ports.append(entry)
        self.sel.register(srv, selectors.EVENT_READ, ("accept", entry))

    def _udp(self, i: int) -> tuple[socket.socket, tuple[str, int]] | None:
        if self.config.udp_out is None:
            return None
        host, port = self.config.udp_out
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(("0.0.0.0", 0))
        self.sel.register(sock, selectors.EVENT_READ, ("udp", i))
        self.links[i].attach(UDP_CHANNEL, "udp")
        return sock, (host, port + 10 * i)

    def _on_ready(self, key: selectors.SelectorKey) -> None:
        kind = key.data[0]
        if kind == "accept":
            self._accept(key.data[1])
        elif kind == "client":
            sock = key.data[1]
            port, _ = self.clients[sock]
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._close(sock)
                return
            self.links[port.vehicle].receive(port.channel, sock, data)
        elif kind == "udp":
            i = key.data[1]
            udp = self.udp[i]
            assert udp is not None
            try:
                data, _ = udp[0].recvfrom(65536)
            except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                return
            self.links[i].receive(UDP_CHANNEL, "udp", data)

    def _accept(self, port: _Port) -> None:
        try:
            sock, addr = port.server.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            if exc.errno not in _OUT_OF_DESCRIPTORS:
                log.warning("vehicle %d: accept failed: %s", port.vehicle + 1, exc)
                return
            self._refuse(port)
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = _Client(sock, addr)
        self.clients[sock] = (port, client)
        self._on_port.setdefault((port.vehicle, port.channel), []).append(client)
        self.sel.register(sock, selectors.EVENT_READ, ("client", sock))
        self.links[port.vehicle].attach(port.channel, sock)
        if not self.config.shared_ports:
            self._stop_listening(port)  # further clients wait, as on SITL
        log.info("vehicle %d: client %s connected to port %d", port.vehicle + 1, addr,
                 port.server.getsockname()[1])  # fmt: skip

    def _refuse(self, port: _Port) -> None:
        """No descriptor for a new connection: free the spare one to take it and close it."""
        self.refused += 1
        if self._spare_fd is not None:
            os.close(self._spare_fd)
            self._spare_fd = None
            try:
                sock, _ = port.server.accept()
                sock.close()
                log.warning("vehicle %d: out of file descriptors, connection refused",
                            port.vehicle + 1)  # fmt: skip
            except OSError:
                pass
            try:
                self._spare_fd = os.open(os.devnull, os.O_RDONLY)
            except OSError:
                self._spare_fd = None
            return
        self._stop_listening(port)  # not even a refusal is possible: try again later
        port.resume_at = time.monotonic() + ACCEPT_RETRY_S

    def _stop_listening(self, port: _Port) -> None:
        if port.listening:
            self.sel.unregister(port.server)
            port.listening = False

    def _start_listening(self, port: _Port) -> None:
        if not port.listening:
            self.sel.register(port.server, selectors.EVENT_READ, ("accept", port))
            port.listening = True

    def _close(self, sock: socket.socket) -> None:
        port, client = self.clients.pop(sock)
        self._on_port[(port.vehicle, port.channel)].remove(client)
        self.sel.unregister(sock)
        sock.close()
        self.links[port.vehicle].detach(port.channel, sock)
        if not self.config.shared_ports:
            self._start_listening(port)
        log.info("vehicle %d: client disconnected", port.vehicle + 1)

    def _resume_ports(self) -> None:
        now = time.monotonic()
        for port in self.ports:
            if port.resume_at and now >= port.resume_at:
                port.resume_at = 0.0
                self._start_listening(port)

    def _flush(self) -> None:
        by_port = self._on_port
        for i, link in enumerate(self.links):
            udp = self.udp[i]
            for channel, to, data in link.drain():
                if channel == UDP_CHANNEL:
                    if udp is not None:
                        self._udp_send(udp, data)
                    continue
                for cl in by_port.get((i, channel), ()):
                    if to is None or to is cl.sock:
                        cl.pending += data
        for sock, (_, cl) in list(self.clients.items()):
            if not cl.pending:
                continue
            try:
                sent = sock.send(cl.pending)
                del cl.pending[:sent]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._close(sock)
                continue
            if len(cl.pending) > MAX_CLIENT_BACKLOG:
                self.dropped_bytes += len(cl.pending)
                cl.pending.clear()

    def _udp_send(self, udp: tuple[socket.socket, tuple[str, int]], data: bytes) -> None:
        try:
            udp[0].sendto(data, udp[1])
        except OSError:
            self.dropped_bytes += len(data)

    # --- clock -------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every vehicle (and the station network) by one physics step."""
        self.t += STEP_S
        self.steps += 1
        now = time.monotonic() if self.config.video is not None else 0.0
        for copter, link in zip(self.copters, self.links, strict=True):
            copter.step(self.t, STEP_S)
            link.tick(self.t)
            if link.video is not None:
                link.video.update(copter, link.last_sample, now)
        if self.stations is not None:
            self.stations.step(self.t)

    def stop(self) -> None:
        """Ask run() to return after the current step."""
        self._stop = True

    def run(
        self, until_s: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Step in pace with clock × speedup (or flat out) until stop() or simulated until_s."""
        speedup = self.config.speedup
        t0 = clock()
        sim0 = self.t
        while not self._stop and (until_s is None or self.t < until_s):
            if speedup > 0:
                due = sim0 + (clock() - t0) * speedup
                behind = 0
                while self.t + STEP_S <= due and behind < 50:
                    self.step()
                    behind += 1
                self._flush()
                wait = max(0.0, (self.t + STEP_S - due) / speedup)
                events = self.sel.select(timeout=min(wait, 0.05))
            else:
                self.step()
                self._flush()
                events = self.sel.select(timeout=0)
            for key, _ in events:
                self._on_ready(key)
            if events:
                self._flush()
            if self.refused:
                self._resume_ports()

    def close(self) -> None:
        """Close every socket and stop the cameras."""
        for link in self.links:
            if link.video is not None:
                link.video.close()
        for key in list(self.sel.get_map().values()):
            self.sel.unregister(key.fileobj)
        for port in self.ports:
            port.server.close()
        for sock in list(self.clients):
            sock.close()
        self.clients.clear()
        for udp in self.udp:
            if udp is not None:
                udp[0].close()
        self.sel.close()
        if self._spare_fd is not None:
            os.close(self._spare_fd)
            self._spare_fd = None
