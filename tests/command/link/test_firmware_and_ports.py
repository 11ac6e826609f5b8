"""The link against ArduCopter 4.6 and 4.7 parameter names, and against a port another ground
station holds (ArduPilot SITL serves one client per TCP port)."""

from __future__ import annotations

from pathlib import Path

import pytest

from command.link import Fleet, LinkState, NoHeartbeat, ParameterError
from command.link.commands import CommandTiming, ParamSet
from tests.helpers.sitl import Gcs, free_base_port, sitl

SPEEDUP = 10


@pytest.mark.parametrize("firmware", ["4.6.2", "4.7.0"])
def test_parameters_by_either_name_on_either_firmware(tmp_path: Path, firmware: str) -> None:
    with (
        sitl(tmp_path, speedup=SPEEDUP, extra=["--firmware", firmware]) as s,
        Fleet(heartbeat_period_s=1 / SPEEDUP) as fleet,
    ):
        fleet.connect("d1", s.url())
        snap = fleet.wait_for("d1", lambda x: x.firmware_version is not None, 20)
        assert snap is not None and ".".join(map(str, snap.firmware_version)) == firmware
        assert fleet.get_parameter("d1", "SYSID_THISMAV") == 1
        assert fleet.get_parameter("d1", "MAV_SYSID") == 1
        assert fleet.set_parameter("d1", "SR0_EXTRA1", 7) == 7  # MAV1_EXTRA1 on 4.7
        assert fleet.get_parameter("d1", "MAV1_EXTRA1") == 7


def test_arducopter_4_7_ignores_the_old_names(tmp_path: Path) -> None:
    with (
        sitl(tmp_path, speedup=SPEEDUP, extra=["--firmware", "4.7.0"]) as s,
        Fleet(heartbeat_period_s=1 / SPEEDUP) as fleet,
    ):
        fleet.connect("d1", s.url())
        assert fleet.wait_for("d1", lambda x: x.link is LinkState.OK, 20) is not None
        raw = ParamSet("SYSID_MYGCS", 250, CommandTiming(ack_timeout_s=0.2, retries=2))
        with pytest.raises(ParameterError, match="no PARAM_VALUE"):
            fleet.link("d1").submit(raw).result(timeout=10)
        assert fleet.get_parameter("d1", "MAV_GCS_SYSID") == 255  # unchanged


def test_a_port_held_by_another_ground_station_is_named_with_the_further_ports(
    tmp_path: Path,
) -> None:
    with sitl(tmp_path, speedup=SPEEDUP) as s, Fleet(heartbeat_period_s=1 / SPEEDUP) as fleet:
        other = Gcs(s.url())
        other.recv("HEARTBEAT")
        fleet.connect("d1", s.url())
        with pytest.raises(NoHeartbeat) as err:
            fleet.wait_until_up("d1", 3.0)
        text = str(err.value)
        assert "taken by another ground station" in text
        assert f"tcp:127.0.0.1:{s.port(0, 1)}" in text and f"tcp:127.0.0.1:{s.port(0, 2)}" in text
        fleet.disconnect("d1")
        fleet.connect("d2", s.url(0, serial=1))  # the further port: served at once
        assert fleet.wait_until_up("d2", 20).system_id == 1
        other.close()


def test_nothing_listening_says_it_could_not_connect() -> None:
    with Fleet() as fleet:
        fleet.connect("d1", f"tcp:127.0.0.1:{free_base_port(1)}")
        with pytest.raises(NoHeartbeat, match="could not connect"):
            fleet.wait_until_up("d1", 1.5)
