"""The link's events on a real bus against the real simulator: a subscriber that blocks for
ever cannot delay our GCS heartbeat (measured on the wire), and the vehicle never fails safe."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from command.events import EventBus, TelemetryUpdated
from command.link import Fleet, LinkState
from tests.helpers.relay import TcpRelay
from tests.helpers.sitl import C, sitl

pytestmark = pytest.mark.timeout(120)
SPEEDUP = 10
HEARTBEAT_S = 1.0 / SPEEDUP
QUEUE = 16


class HeartbeatTap:
    """Our GCS heartbeats as they cross the relay (wall-clock arrival times)."""

    def __init__(self) -> None:
        self.parser = C.MAVLink(None)
        self.parser.robust_parsing = True
        self.times: list[float] = []

    def __call__(self, data: bytes) -> None:
        for msg in self.parser.parse_buffer(data) or []:
            if msg.get_type() == "HEARTBEAT" and msg.get_srcSystem() == 255:
                self.times.append(time.monotonic())


def test_a_subscriber_blocked_for_ever_does_not_delay_our_heartbeat(tmp_path: Path) -> None:
    release = threading.Event()
    bus = EventBus()
    stuck = bus.subscribe("stuck", lambda event: release.wait(), maxsize=QUEUE)
    never_read = bus.subscribe("never-read", maxsize=QUEUE)
    healthy = bus.subscribe("healthy", kinds=[TelemetryUpdated])
    tap = HeartbeatTap()
    try:
        with sitl(tmp_path, speedup=SPEEDUP) as s:
            relay = TcpRelay("127.0.0.1", s.port(0))
            relay.on_client_bytes = tap
            try:
                with Fleet(
                    bus=bus, heartbeat_period_s=HEARTBEAT_S, telemetry_period_s=0.2 / SPEEDUP
                ) as fleet:
                    fleet.connect("d1", relay.url)
                    ready = fleet.wait_for(
                        "d1", lambda x: x.link is LinkState.OK and x.has_position, 30
                    )
                    assert ready is not None
                    assert fleet.set_parameter("d1", "FS_GCS_ENABLE", 1) == 1  # RTL when unheard
                    fleet.set_mode("d1", "GUIDED")
                    fleet.arm("d1")
                    fleet.takeoff("d1", 10.0)
                    assert fleet.wait_for("d1", lambda x: (x.altitude_relative_m or 0) > 8, 30)
                    healthy.drain()
                    mark = time.monotonic()
                    start = fleet.snapshot("d1").time_utc
                    assert start is not None
                    later = fleet.wait_for(  # 30 simulated seconds, read from the vehicle's UTC
                        "d1", lambda x: x.time_utc >= start + timedelta(seconds=30), 30
                    )
                    assert later is not None and later.utc_from_vehicle
                    beats = [t for t in tap.times if t >= mark]
                    delivered = len(healthy.drain())
                    snap = fleet.snapshot("d1")
                    texts = [t.text for t in fleet.link("d1").telemetry.texts]
            finally:
                relay.close()
    finally:
        release.set()
        bus.close()
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(beats) >= 20 and max(gaps) < 10 * HEARTBEAT_S, max(gaps)
    for sub in (stuck, never_read):  # offered all along: their queues overflowed many times over
        assert sub.stats().dropped > 3 * QUEUE
    assert delivered > 50  # a subscriber that keeps up got the telemetry all along
    assert snap.mode_name == "GUIDED" and snap.armed  # the vehicle heard us throughout
    assert "GCS Failsafe" not in texts
