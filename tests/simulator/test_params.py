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
