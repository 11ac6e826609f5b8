"""Parameter table and persistence."""

from __future__ import annotations

import pytest

from simulator.params import ParamError, ParamStore


def test_set_persists_and_reloads(tmp_path) -> None:
    path = tmp_path / "vehicle-1.parm"
    p = ParamStore(path=path)
    p.set("RTL_ALT", 3000)
    p.set("FS_GCS_ENABLE", 1)
    again = ParamStore(path=path)
    assert again["RTL_ALT"] == 3000 and again["FS_GCS_ENABLE"] == 1


def test_out_of_range_and_unknown_change_nothing(tmp_path) -> None:
    p = ParamStore(path=tmp_path / "v.parm")
    with pytest.raises(ParamError, match="outside"):
        p.set("FENCE_ACTION", 9)
    with pytest.raises(ParamError, match="unknown"):
        p.set("NOT_A_PARAM", 1)
    assert p["FENCE_ACTION"] == 1
    assert not (tmp_path / "v.parm").exists()


def test_integer_types_are_rounded() -> None:
    p = ParamStore()
    assert p.set("DISARM_DELAY", 7.6) == 8
    assert p.set("WPNAV_SPEED", 512.5) == 512.5


def test_4_7_names_in_the_protocol_and_either_name_in_files(tmp_path) -> None:
    path = tmp_path / "vehicle-1.parm"
    path.write_text("SYSID_THISMAV 7\nMAV1_EXTRA1 4\nSR0_EXT_STAT 2\n")
    p = ParamStore(path=path, firmware="4.7.0")
    assert p["SYSID_THISMAV"] == 7 and p["SR0_EXTRA1"] == 4 and p["SR0_EXT_STAT"] == 2
    assert p.resolve("MAV_SYSID") == "SYSID_THISMAV" and p.resolve("SYSID_THISMAV") is None
    assert p.external("SR1_POSITION") == "MAV2_POSITION"
    assert ParamStore().resolve("MAV_SYSID") is None  # 4.6 knows only its own names
    p.set("RTL_ALT", 2000)
    assert "MAV_SYSID 7" in path.read_text()  # saved under the vehicle's own names


def test_a_broken_or_unwritable_parameter_file_keeps_the_vehicle_going(tmp_path, caplog) -> None:
    bad = tmp_path / "v.parm"
    bad.write_bytes(b"\xff\xfeRTL_ALT 1e99\nRTL_ALT,2500\nFENCE_ACTION 9\n")
    p = ParamStore(path=bad)
    assert p["RTL_ALT"] == 2500 and p["FENCE_ACTION"] == 1  # the bad value keeps the default
    blocked = ParamStore(path=tmp_path / "a_file" / "v.parm")
    (tmp_path / "a_file").write_text("not a folder")
    assert blocked.set("RTL_ALT", 3000) == 3000  # set, though not saved
    assert "parameters not saved" in caplog.text
