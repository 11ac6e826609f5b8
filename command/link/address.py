"""Connection strings → endpoints, checked before any I/O.

Accepted: ``tcp:HOST:PORT``, ``udp:HOST:PORT`` / ``udpin:HOST:PORT`` (listen; reply to the last
sender), ``udpout:HOST:PORT`` (send first), ``serial:DEVICE:BAUD`` or ``DEVICE:BAUD`` with a
device path such as ``/dev/ttyUSB0`` or ``COM3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from command.link.errors import ConnectionStringError

Scheme = Literal["tcp", "udpin", "udpout", "serial"]
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\*)$")
_BAUDS = frozenset(
    {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 921600,
     1000000, 1500000, 2000000}
)  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    """Where a vehicle is reached: `host`/`port` for tcp/udp, `device`/`baud` for serial."""

    scheme: Scheme
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 0

    def __str__(self) -> str:
        if self.scheme == "serial":
            return f"serial:{self.device}:{self.baud}"
        return f"{self.scheme}:{self.host}:{self.port}"


def parse_connection_string(url: str) -> Endpoint:
    """The endpoint of a connection string; ConnectionStringError naming what is wrong."""
    if not isinstance(url, str) or not url.strip():
        raise ConnectionStringError(str(url), "empty")
    text = url.strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if sep and scheme in ("tcp", "udp", "udpin", "udpout"):
        host, port = _host_port(url, rest)
        kind: Scheme = "udpin" if scheme == "udp" else scheme  # type: ignore[assignment]
        if kind == "udpout" and host in ("0.0.0.0", "*", "::"):
            raise ConnectionStringError(url, "udpout needs a destination host, not a wildcard")
        return Endpoint(kind, host=host, port=port)
    if sep and scheme == "serial":
        return _serial(url, rest)
    if text.startswith("/") or re.match(r"^COM\d+(:|$)", text, re.IGNORECASE):
        return _serial(url, text)
    known = "tcp:HOST:PORT, udp:/udpin:HOST:PORT, udpout:HOST:PORT, serial:DEVICE:BAUD"
    raise ConnectionStringError(url, f"unknown scheme {scheme!r}; expected one of {known}")


def _host_port(url: str, rest: str) -> tuple[str, int]:
    host, sep, port_text = rest.rpartition(":")
    if not sep or not host:
        raise ConnectionStringError(url, "expected HOST:PORT after the scheme")
    if not _HOST.match(host):
        raise ConnectionStringError(url, f"bad host {host!r}")
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise ConnectionStringError(url, f"port must be 1..65535, got {port_text!r}")
    return host.strip("[]"), int(port_text)


def _serial(url: str, rest: str) -> Endpoint:
    device, sep, baud_text = rest.rpartition(":")
    if not sep or not device:
        raise ConnectionStringError(url, "serial needs DEVICE:BAUD, e.g. /dev/ttyUSB0:57600")
    if not (baud_text.isascii() and baud_text.isdigit()) or int(baud_text) not in _BAUDS:
        raise ConnectionStringError(url, f"unsupported baud rate {baud_text!r}")
    return Endpoint("serial", device=device, baud=int(baud_text))
