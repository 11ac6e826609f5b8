"""The simulator process: N copters stepped together in simulated time, each served over TCP
(127.0.0.1:5760+10·i, any number of clients) and optionally over UDP, paced by --speedup.

One thread, one selector: physics steps at a fixed simulated rate; between steps, sockets are
read and written without blocking. A slow client loses data rather than stalling the fleet.
"""

from __future__ import annotations

import logging
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from simulator import geo
from simulator.link import VehicleLink
from simulator.params import ParamStore
from simulator.payload import Payload
from simulator.stations import StationFeed
from simulator.vehicle import Copter
from simulator.world import World

log = logging.getLogger("simulator")

STEP_S = 0.04
"""Physics step in simulated seconds (25 Hz)."""
MAX_CLIENT_BACKLOG = 4 * 1024 * 1024
"""Bytes queued for a client that does not read before its backlog is dropped."""


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


class _Client:
    def __init__(self, sock: socket.socket | None, addr: object) -> None:
        self.sock = sock
        self.addr = addr
        self.pending = bytearray()


class Fleet:
    """The copters, their sockets and the clock that drives them."""

    def __init__(self, world: World, config: FleetConfig) -> None:
        self.world = world
        self.config = config
        self.sel = selectors.DefaultSelector()
        self.t = 0.0
        self.steps = 0
        self.dropped_bytes = 0
        self._stop = False
        start = world.start_utc or datetime.now(UTC)
        self.start_unix_s = start.timestamp()
        lat0, lon0, alt0 = config.home or (world.origin_lat, world.origin_lon, world.origin_alt_m)
        if config.home is not None:
            world = World(**{**world.__dict__, "origin_alt_m": alt0})
            self.world = world
        self.copters: list[Copter] = []
        self.links: list[VehicleLink] = []
        self.clients: list[dict[object, _Client]] = []
        self.udp: list[tuple[socket.socket, tuple[str, int]] | None] = []
        for i in range(config.drones):
            lat, lon = geo.destination(lat0, lon0, 0.0, i * config.spacing_m)
            path = config.params_dir / f"vehicle-{i + 1}.parm" if config.params_dir else None
            params = ParamStore({**world.params, "SYSID_THISMAV": i + 1}, path)
            copter = Copter(
                i + 1,
                world,
                lat,
                lon,
                params,
                seed=config.seed * 1000 + i,
                start_unix_s=self.start_unix_s,
            )
            self.copters.append(copter)
            payload = Payload(world, config.seed * 1000 + 500 + i)
            link = VehicleLink(
                copter, payload, config.loss, config.seed * 1000 + 900 + i, config.signing_key
            )
            self.links.append(link)
            self.clients.append({})
            self._listen(i)
            self.udp.append(self._udp(i))
        self.stations = (
            StationFeed(world, config.station_feed, self.start_unix_s, config.seed)
            if config.station_feed and world.stations
            else None
        )

    # --- sockets -----------------------------------------------------------------------------
    def port_of(self, i: int) -> int:
        """TCP port of vehicle i (0-based)."""
        return self.config.base_port + 10 * i

    def _listen(self, i: int) -> None:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((self.config.host, self.port_of(i)))
        srv.listen(8)
        srv.setblocking(False)
        self.sel.register(srv, selectors.EVENT_READ, ("accept", i))

    def _udp(self, i: int) -> tuple[socket.socket, tuple[str, int]] | None:
        if self.config.udp_out is None:
            return None
        host, port = self.config.udp_out
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(("0.0.0.0", 0))
        self.sel.register(sock, selectors.EVENT_READ, ("udp", i))
        return sock, (host, port + 10 * i)

    def _on_ready(self, key: selectors.SelectorKey) -> None:
        kind, i = key.data[0], key.data[1]
        if kind == "accept":
            try:
                sock, addr = key.fileobj.accept()  # type: ignore[union-attr]
            except BlockingIOError:
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.clients[i][sock] = _Client(sock, addr)
            self.sel.register(sock, selectors.EVENT_READ, ("client", i, sock))
            log.info("vehicle %d: client %s connected", i + 1, addr)
        elif kind == "client":
            sock = key.data[2]
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._close(i, sock)
                return
            self.links[i].receive(sock, data)
        elif kind == "udp":
            udp = self.udp[i]
            assert udp is not None
            try:
                data, _ = udp[0].recvfrom(65536)
            except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                return
            self.links[i].receive("udp", data)

    def _close(self, i: int, sock: socket.socket) -> None:
        self.sel.unregister(sock)
        sock.close()
        self.clients[i].pop(sock, None)
        self.links[i].drop_client(sock)
        log.info("vehicle %d: client disconnected", i + 1)

    def _flush(self) -> None:
        for i, link in enumerate(self.links):
            clients = self.clients[i]
            udp = self.udp[i]
            for to, data in link.drain():
                if to is None:
                    for cl in clients.values():
                        cl.pending += data
                    if udp is not None:
                        self._udp_send(udp, data)
                elif to == "udp" and udp is not None:
                    self._udp_send(udp, data)
                elif to in clients:
                    clients[to].pending += data
            for sock, cl in list(clients.items()):
                if not cl.pending:
                    continue
                try:
                    sent = sock.send(cl.pending)
                    del cl.pending[:sent]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self._close(i, sock)
                    continue
                if len(cl.pending) > MAX_CLIENT_BACKLOG:
                    self.dropped_bytes += len(cl.pending)
                    cl.pending.clear()

    def _udp_send(self, udp: tuple[socket.socket, tuple[str, int]], data: bytes) -> None:
        try:
            udp[0].sendto(data, udp[1])
        except (BlockingIOError, ConnectionRefusedError, OSError):
            self.dropped_bytes += len(data)

    # --- clock -------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every vehicle (and the station network) by one physics step."""
        self.t += STEP_S
        self.steps += 1
        for copter, link in zip(self.copters, self.links, strict=True):
            copter.step(self.t, STEP_S)
            link.tick(self.t)
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

    def close(self) -> None:
        """Close every socket."""
        for key in list(self.sel.get_map().values()):
            self.sel.unregister(key.fileobj)
            key.fileobj.close()  # type: ignore[union-attr]
        for udp in self.udp:
            if udp is not None:
                udp[0].close()
        self.sel.close()
