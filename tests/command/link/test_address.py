"""Connection strings are checked before any I/O."""

from __future__ import annotations

import socket

import pytest

from command.link import ConnectionStringError, Endpoint, Fleet, parse_connection_string


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("tcp:127.0.0.1:5760", Endpoint("tcp", host="127.0.0.1", port=5760)),
        ("tcp:sitl.local:5770", Endpoint("tcp", host="sitl.local", port=5770)),
        ("udp:0.0.0.0:14550", Endpoint("udpin", host="0.0.0.0", port=14550)),
        ("udpin:127.0.0.1:14550", Endpoint("udpin", host="127.0.0.1", port=14550)),
        ("udpout:10.0.0.2:14550", Endpoint("udpout", host="10.0.0.2", port=14550)),
        ("/dev/ttyUSB0:57600", Endpoint("serial", device="/dev/ttyUSB0", baud=57600)),
        ("serial:/dev/ttyACM0:115200", Endpoint("serial", device="/dev/ttyACM0", baud=115200)),
        ("COM3:57600", Endpoint("serial", device="COM3", baud=57600)),
    ],
)
def test_parses_known_forms(url: str, endpoint: Endpoint) -> None:
    assert parse_connection_string(url) == endpoint


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("http://127.0.0.1:5760", "unknown scheme 'http'"),
        ("tcp:127.0.0.1", "HOST:PORT"),
        ("tcp:127.0.0.1:0", "port must be"),
        ("tcp:127.0.0.1:70000", "port must be"),
        ("tcp:bad host:5760", "bad host"),
        ("udpout:0.0.0.0:14550", "destination"),
        ("/dev/ttyUSB0", "DEVICE:BAUD"),
        ("/dev/ttyUSB0:12345", "baud"),
        ("5760", "unknown scheme"),
    ],
)
def test_rejects_malformed_with_reason(url: str, fragment: str) -> None:
    with pytest.raises(ConnectionStringError) as err:
        parse_connection_string(url)
    assert fragment in str(err.value)
    assert err.value.url == url


def test_fleet_connect_rejects_before_any_io(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_io(*args: object, **kwargs: object) -> None:
        raise AssertionError("socket opened")

    monkeypatch.setattr(socket, "socket", no_io)
    monkeypatch.setattr(socket, "create_connection", no_io)
    with Fleet() as fleet:
        with pytest.raises(ConnectionStringError, match="unknown scheme"):
            fleet.connect("d1", "tcpp:127.0.0.1:5760")
        assert fleet.names() == []
