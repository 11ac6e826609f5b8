"""The same link over the other transports a real drone uses: UDP and a serial device."""

from __future__ import annotations

import os
import select
import socket
import threading
import tty

from command.link import Fleet, LinkState
from tests.helpers.sitl import free_base_port, sitl

SPEEDUP = 5


def _ready(fleet: Fleet, name: str) -> None:
    snap = fleet.wait_for(name, lambda s: s.link is LinkState.OK and s.has_position, 30)
    assert snap is not None, fleet.snapshot(name)
    assert snap.system_id == 1


def test_udp_link_listening_for_the_vehicle(tmp_path) -> None:
    port = free_base_port(1)
    with (
        sitl(tmp_path, speedup=SPEEDUP, extra=["--udp-out", f"127.0.0.1:{port}"]),
        Fleet(heartbeat_period_s=1.0 / SPEEDUP) as fleet,
    ):
        fleet.connect("radio", f"udpin:127.0.0.1:{port}")
        _ready(fleet, "radio")
        assert fleet.set_mode("radio", "GUIDED").mode_name == "GUIDED"


class _SerialBridge:
    """A pseudo-terminal whose far end is relayed to the vehicle's TCP port: to the link it is
    a serial device like a telemetry radio's /dev/ttyUSB0."""

    def __init__(self, tcp_port: int) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.device = os.ttyname(slave)
        self._slave = slave
        self.sock = socket.create_connection(("127.0.0.1", tcp_port))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master, self.sock], [], [], 0.05)
            for fd in ready:
                try:
                    if fd is self.sock:
                        os.write(self.master, self.sock.recv(65536))
                    else:
                        self.sock.sendall(os.read(self.master, 65536))
                except OSError:
                    return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
        os.close(self.master)
        os.close(self._slave)


def test_serial_link_through_a_serial_device(tmp_path) -> None:
    with sitl(tmp_path, speedup=SPEEDUP) as s:
        bridge = _SerialBridge(s.port())
        try:
            with Fleet(heartbeat_period_s=1.0 / SPEEDUP) as fleet:
                fleet.connect("radio", f"serial:{bridge.device}:57600")
                _ready(fleet, "radio")
                assert fleet.set_mode("radio", "GUIDED").mode_name == "GUIDED"
        finally:
            bridge.close()
