"""Byte transports under a link: TCP client, UDP listen (reply to last sender), UDP send, serial.

Each has `open()`, `recv(timeout_s) -> bytes | None` (None = nothing yet; b"" never returned,
a closed peer raises ConnectionError), `write(data)` and `close()`. Reconnecting is the link
loop's job (it reopens with backoff); transports stay simple and own no threads.
"""

from __future__ import annotations

import contextlib
import select
import socket

from command.link.address import Endpoint
from command.link.errors import TransportUnavailable

READ_SIZE = 65536


class Transport:
    """Common interface."""

    endpoint: Endpoint

    def open(self) -> None:
        """Open (connect/bind); raises OSError when the peer is not reachable yet."""
        raise NotImplementedError

    def recv(self, timeout_s: float) -> bytes | None:
        """Bytes that arrived within timeout_s, or None; ConnectionError when the peer closed."""
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        """Send bytes (dropped silently when not open, like a radio with no peer)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close; open() may be called again."""
        raise NotImplementedError


class TcpTransport(Transport):
    """TCP client, as to ArduPilot SITL's SERIAL0 port."""

    def __init__(self, endpoint: Endpoint, connect_timeout_s: float = 2.0) -> None:
        self.endpoint = endpoint
        self.connect_timeout_s = connect_timeout_s
        self.sock: socket.socket | None = None

    def open(self) -> None:
        sock = socket.create_connection(
            (self.endpoint.host, self.endpoint.port), timeout=self.connect_timeout_s
        )
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        sock.setblocking(False)
        self.sock = sock

    def recv(self, timeout_s: float) -> bytes | None:
        sock = self.sock
        if sock is None:
            raise ConnectionError("not connected")
        ready, _, _ = select.select([sock], [], [], max(0.0, timeout_s))
        if not ready:
            return None
        try:
            data = sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return None
        if not data:
            raise ConnectionError("peer closed the connection")
        return data

    def write(self, data: bytes) -> None:
        if self.sock is None:
            return
        try:
            self.sock.sendall(data)
        except (BlockingIOError, InterruptedError):
            pass  # a full socket buffer loses data, as a radio would
        except OSError:
            self.close()

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


class UdpTransport(Transport):
    """UDP: `udpin` listens and answers the last sender; `udpout` sends to host:port first."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.sock: socket.socket | None = None
        self.peer: tuple[str, int] | None = None

    def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        if self.endpoint.scheme == "udpin":
            host = "0.0.0.0" if self.endpoint.host in ("*", "") else self.endpoint.host
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, self.endpoint.port))
            except OSError:
                sock.close()  # the link retries with backoff: no socket left behind per try
                raise
        else:
            self.peer = (self.endpoint.host, self.endpoint.port)
        self.sock = sock

    def recv(self, timeout_s: float) -> bytes | None:
        sock = self.sock
        if sock is None:
            raise ConnectionError("not open")
        ready, _, _ = select.select([sock], [], [], max(0.0, timeout_s))
        if not ready:
            return None
        try:
            data, addr = sock.recvfrom(READ_SIZE)
        except (BlockingIOError, InterruptedError, ConnectionRefusedError):
            return None
        if self.endpoint.scheme == "udpin":
            self.peer = addr
        return data

    def write(self, data: bytes) -> None:
        if self.sock is None or self.peer is None:
            return
        with contextlib.suppress(OSError):  # UDP: lost
            self.sock.sendto(data, self.peer)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class SerialTransport(Transport):
    """A serial radio (needs pyserial)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.port = None

    def open(self) -> None:
        try:
            import serial  # type: ignore[import-untyped]
        except ImportError as exc:
            raise TransportUnavailable(
                f"{self.endpoint}: serial links need pyserial, which is not installed"
            ) from exc
        self.port = serial.Serial(self.endpoint.device, self.endpoint.baud, timeout=0)

    def recv(self, timeout_s: float) -> bytes | None:
        if self.port is None:
            raise ConnectionError("not open")
        ready, _, _ = select.select([self.port], [], [], max(0.0, timeout_s))
        if not ready:
            return None
        data = self.port.read(self.port.in_waiting or 1)
        return data or None

    def write(self, data: bytes) -> None:
        if self.port is None:
            return
        try:
            self.port.write(data)
        except OSError:  # the device went away (radio unplugged): the loop will reopen it
            self.close()

    def close(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None


def transport_for(endpoint: Endpoint) -> Transport:
    """The transport for an endpoint (nothing is opened yet)."""
    if endpoint.scheme == "tcp":
        return TcpTransport(endpoint)
    if endpoint.scheme in ("udpin", "udpout"):
        return UdpTransport(endpoint)
    return SerialTransport(endpoint)
