"""Lost links, reconnection, a hung link loop and signing, against the real simulator."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from command.link import Fleet, LinkDown, LinkState
from tests.helpers.relay import TcpRelay
from tests.helpers.sitl import sitl

KEY = "5e" * 32


def test_lost_within_5s_then_ok_after_reconnect_mode_unchanged(tmp_path: Path) -> None:
    with sitl(tmp_path, speedup=10) as s, Fleet() as fleet:
        relay = TcpRelay("127.0.0.1", s.port(0))
        try:
            fleet.connect("d1", relay.url)
            assert fleet.wait_for("d1", lambda x: x.link is LinkState.OK and x.has_position, 20)
            fleet.set_mode("d1", "LOITER")
            relay.silent.set()  # out of range: no bytes either way, sockets stay open
            cut = time.monotonic()
            lost = fleet.wait_for("d1", lambda x: x.link is LinkState.LOST, 8)
            assert lost is not None and 4.0 <= time.monotonic() - cut <= 6.0
            with pytest.raises(LinkDown):
                fleet.set_mode("d1", "GUIDED")
            relay.sever()  # and the connection breaks: the link reconnects with backoff
            relay.silent.clear()
            back = fleet.wait_for("d1", lambda x: x.link is LinkState.OK, 10)
            assert back is not None and back.mode_name == "LOITER"
            assert fleet.link("d1").connects >= 2
        finally:
            relay.close()


def test_hung_link_loop_lets_the_vehicle_failsafe_to_rtl(fleet: Fleet) -> None:
    assert fleet.set_parameter("d1", "FS_GCS_ENABLE", 1) == 1
    fleet.set_mode("d1", "GUIDED")
    fleet.arm("d1")
    fleet.takeoff("d1", 10.0)
    assert fleet.wait_for("d1", lambda s: (s.altitude_relative_m or 0) > 8, 20)
    release = threading.Event()
    blocked = fleet.link("d1").call_on_link(lambda: release.wait(10))
    time.sleep(1.0)  # the hang itself: 10 simulated seconds without our heartbeat
    release.set()
    assert blocked.result(5) is True
    rtl = fleet.wait_for("d1", lambda s: s.mode_name in ("RTL", "LAND"), 10)
    assert rtl is not None, fleet.snapshot("d1")
    texts = [t.text for t in fleet.link("d1").telemetry.texts]
    assert "GCS Failsafe" in texts


def test_signed_link(tmp_path: Path) -> None:
    with sitl(tmp_path, speedup=10, extra=["--signing-key", KEY]) as s, Fleet() as fleet:
        link = fleet.connect("signed", s.url(0), signing_key=KEY)
        assert "5e5e" not in repr(link) and "signed" in repr(link)
        assert fleet.wait_for("signed", lambda x: x.link is LinkState.OK, 20)
        assert fleet.set_mode("signed", "STABILIZE").mode_name == "STABILIZE"
        fleet.connect("wrong", s.url(0), signing_key="00" * 32)
        # their frames fail our signature check: never a heartbeat, never OK
        assert fleet.wait_for("wrong", lambda x: x.link is not LinkState.CONNECTING, 2) is None
