"""The failsafe checks as a pure function of the vehicle's inputs and time."""

from __future__ import annotations

from dataclasses import replace

from simulator.failsafe import (
    BatteryLevel,
    FailsafeAction,
    FailsafeInputs,
    FailsafeStatus,
    check_failsafes,
)
from simulator.modes import Mode
from simulator.params import ParamStore

FLYING = FailsafeInputs(
    t_s=100.0,
    landed=False,
    mode=Mode.AUTO,
    voltage_v=15.5,
    consumed_mah=2000.0,
    capacity_mah=10000.0,
    last_gcs_heartbeat_s=99.5,
    fence_breach=None,
    home_set=True,
)


def _run(params: ParamStore, inputs: list[FailsafeInputs]) -> list:
    status, out = FailsafeStatus(), []
    for i in inputs:
        d = check_failsafes(status, i, params)
        status = d.status
        out.append(d)
    return out


def test_low_voltage_must_last_batt_low_timer_seconds() -> None:
    p = ParamStore({"BATT_LOW_VOLT": 14.4, "BATT_LOW_TIMER": 10, "BATT_FS_LOW_ACT": 2})
    low = replace(FLYING, voltage_v=14.2)
    sag = [replace(low, t_s=100.0 + k) for k in range(10)]  # 9 s below: not yet
    recovered = replace(FLYING, t_s=110.0)  # back above: the timer restarts
    again = [replace(low, t_s=111.0 + k) for k in range(11)]  # 10 s below: low
    decisions = _run(p, [*sag, recovered, *again])
    assert all(d.status.battery is BatteryLevel.OK for d in decisions[:-1])
    last = decisions[-1]
    assert last.status.battery is BatteryLevel.LOW and last.actions == (FailsafeAction.RTL,)
    assert [t.text for t in last.texts] == [
        "Battery 1 is low 14.20V used 2000 mAh",
        "Battery Failsafe",
    ]


def test_critical_follows_low_and_never_goes_back() -> None:
    p = ParamStore({"BATT_LOW_MAH": 3000, "BATT_CRT_MAH": 1000, "BATT_FS_CRT_ACT": 1})
    steps = [
        replace(FLYING, consumed_mah=7500),  # 2500 left: low
        replace(FLYING, t_s=101, consumed_mah=9200),  # 800 left: critical → LAND
        replace(FLYING, t_s=102, consumed_mah=100),  # a reading back up changes nothing
    ]
    d = _run(p, steps)
    low, critical = BatteryLevel.LOW, BatteryLevel.CRITICAL
    assert [x.status.battery for x in d] == [low, critical, critical]
    assert d[1].actions == (FailsafeAction.LAND,) and d[2].actions == ()


def test_gcs_timeout_boundary_and_continue_in_auto() -> None:
    p = ParamStore({"FS_GCS_ENABLE": 1, "FS_GCS_TIMEOUT": 5})
    at = replace(FLYING, t_s=104.5)  # exactly 5 s since the last heartbeat: not yet
    after = replace(FLYING, t_s=104.54)
    d = _run(p, [at, after])
    assert d[0].actions == () and d[1].actions == (FailsafeAction.RTL,)
    keep_flying = ParamStore({"FS_GCS_ENABLE": 2, "FS_GCS_TIMEOUT": 5})
    (only,) = _run(keep_flying, [after])
    assert only.actions == () and only.status.gcs
    assert only.texts[0].text == "GCS Failsafe - Continuing Auto Mode"


def test_fence_breach_once_then_cleared() -> None:
    p = ParamStore({"FENCE_ENABLE": 1, "FENCE_ACTION": 2})
    out = replace(FLYING, fence_breach="Circle")
    d = _run(p, [out, replace(out, t_s=101), replace(FLYING, t_s=102)])
    assert d[0].actions == (FailsafeAction.LAND,) and d[1].actions == ()
    assert [t.text for t in d[2].texts] == ["Fence breach cleared"]
    assert d[2].status.fence_breach is None
