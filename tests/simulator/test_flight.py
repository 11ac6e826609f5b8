"""Kinematics and battery of the simulated copter."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.flight import Battery, Kinematics, Limits, fly_toward, power_draw_a


@settings(max_examples=50, deadline=None)
@given(n=st.floats(-500, 500), e=st.floats(-500, 500), up=st.floats(5, 100), speed=st.floats(2, 15))
def test_reaches_target_within_limits(n: float, e: float, up: float, speed: float) -> None:
    k = Kinematics(up=10.0)
    lim = Limits(speed_mps=speed, accel_mps2=2.5, climb_mps=2.5, descent_mps=1.5)
    dt = 0.04
    prev = (k.v_north, k.v_east)
    for _ in range(int(600 / dt)):
        fly_toward(k, (n, e), up, lim, dt)
        assert k.groundspeed_mps <= speed + 1e-6
        assert math.dist(prev, (k.v_north, k.v_east)) <= lim.accel_mps2 * dt + 1e-6
        assert -lim.descent_mps - 1e-6 <= k.v_up <= lim.climb_mps + 1e-6
        prev = (k.v_north, k.v_east)
        if math.dist((k.north, k.east), (n, e)) < 0.05 and abs(k.up - up) < 0.05:
            break
    assert math.dist((k.north, k.east), (n, e)) < 0.05
    assert abs(k.up - up) < 0.05


def test_drain_rises_with_airspeed_and_voltage_falls_with_charge() -> None:
    assert power_draw_a(True, True, 12.0, 0.0) > power_draw_a(True, True, 4.0, 0.0)
    assert power_draw_a(True, True, 0.0, 2.0) > power_draw_a(True, True, 0.0, 0.0)
    b = Battery(capacity_mah=1000)
    volts = []
    for _ in range(10):
        volts.append(b.voltage_v)
        b.drain(10.0, 36.0)  # 100 mAh
    assert volts == sorted(volts, reverse=True)
    assert b.remaining == 0.0
    assert 16.7 < Battery().voltage_v <= 16.8
