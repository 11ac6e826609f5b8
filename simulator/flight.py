"""Kinematic multicopter and its battery, stepped in simulated time.

Positions are metres north/east of the vehicle's origin and metres up from the ground there.
The position controller flies toward a target with speed, acceleration and climb limits; wind
gusts push it off track and raise the power drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GRAVITY = 9.80665
TERMINAL_FALL_MPS = 20.0
"""Speed an unpowered quad falls at, tumbling."""


@dataclass
class Kinematics:
    """Position (m), velocity (m/s, up positive) and attitude (deg) of the airframe."""

    north: float = 0.0
    east: float = 0.0
    up: float = 0.0
    v_north: float = 0.0
    v_east: float = 0.0
    v_up: float = 0.0
    yaw_deg: float = 0.0
    roll_deg: float = 0.0
    pitch_deg: float = 0.0

    @property
    def groundspeed_mps(self) -> float:
        """Horizontal speed over ground (m/s)."""
        return math.hypot(self.v_north, self.v_east)


@dataclass
class Limits:
    """Controller limits, from WPNAV_* and LAND_* parameters (converted to m/s, m/s²)."""

    speed_mps: float = 10.0
    accel_mps2: float = 2.5
    climb_mps: float = 2.5
    descent_mps: float = 1.5
    yaw_rate_dps: float = 90.0


def _approach(current: float, target: float, step: float) -> float:
    if current < target:
        return min(current + step, target)
    return max(current - step, target)


def fly_toward(
    k: Kinematics,
    target_ne: tuple[float, float] | None,
    target_up: float | None,
    limits: Limits,
    dt: float,
    disturbance_ne: tuple[float, float] = (0.0, 0.0),
    descent_mps: float | None = None,
    yaw_target_deg: float | None = None,
) -> None:
    """Advance k by dt toward a horizontal target (None = stop) and height (None = hold v_up=0)."""
    # Horizontal: desired velocity toward target, slowing so it can stop there.
    if target_ne is None:
        want_n = want_e = 0.0
    else:
        d_n, d_e = target_ne[0] - k.north, target_ne[1] - k.east
        dist = math.hypot(d_n, d_e)
        if dist < 1e-3:
            want_n = want_e = 0.0
        else:
            speed = min(limits.speed_mps, math.sqrt(2.0 * limits.accel_mps2 * dist), dist / dt)
            want_n, want_e = d_n / dist * speed, d_e / dist * speed
    dv_n, dv_e = want_n - k.v_north, want_e - k.v_east
    dv = math.hypot(dv_n, dv_e)
    max_dv = limits.accel_mps2 * dt
    if dv > max_dv:
        dv_n, dv_e = dv_n / dv * max_dv, dv_e / dv * max_dv
    a_n, a_e = dv_n / dt, dv_e / dt
    k.v_north += dv_n
    k.v_east += dv_e
    # Vertical.
    if target_up is None:
        want_up = 0.0
    else:
        d_up = target_up - k.up
        rate = limits.climb_mps if d_up >= 0 else (descent_mps or limits.descent_mps)
        want_up = math.copysign(
            min(rate, math.sqrt(2.0 * limits.accel_mps2 * abs(d_up)), abs(d_up) / dt), d_up
        )
    k.v_up = _approach(k.v_up, want_up, limits.accel_mps2 * dt)
    k.north += (k.v_north + disturbance_ne[0]) * dt
    k.east += (k.v_east + disturbance_ne[1]) * dt
    k.up += k.v_up * dt
    # Attitude: tilt follows acceleration; yaw turns toward the track or a target at a rate limit.
    k.pitch_deg = -math.degrees(
        math.atan2(
            a_n * math.cos(math.radians(k.yaw_deg)) + a_e * math.sin(math.radians(k.yaw_deg)),
            GRAVITY,
        )
    )
    k.roll_deg = math.degrees(
        math.atan2(
            -a_n * math.sin(math.radians(k.yaw_deg)) + a_e * math.cos(math.radians(k.yaw_deg)),
            GRAVITY,
        )
    )
    if yaw_target_deg is None and k.groundspeed_mps > 1.0:
        yaw_target_deg = math.degrees(math.atan2(k.v_east, k.v_north)) % 360.0
    if yaw_target_deg is not None:
        err = (yaw_target_deg - k.yaw_deg + 540.0) % 360.0 - 180.0
        step = limits.yaw_rate_dps * dt
        k.yaw_deg = (k.yaw_deg + max(-step, min(step, err))) % 360.0


def fall(k: Kinematics, dt: float) -> bool:
    """Motors stopped in the air: fall for dt; True when it hit the ground (then at rest)."""
    k.v_up = max(k.v_up - GRAVITY * dt, -TERMINAL_FALL_MPS)
    k.north += k.v_north * dt
    k.east += k.v_east * dt
    k.up += k.v_up * dt
    if k.up > 0.0:
        return False
    k.up = k.v_north = k.v_east = k.v_up = 0.0
    return True


@dataclass
class Battery:
    """A 4S LiPo pack: consumed charge, open-circuit voltage by state of charge, sag under load."""

    capacity_mah: float = 10000.0
    consumed_mah: float = 0.0
    current_a: float = 0.0
    internal_ohm: float = 0.015
    cells: int = 4

    # Open-circuit cell voltage at state of charge 0.0 … 1.0 in steps of 0.1.
    _OCV = (3.30, 3.55, 3.68, 3.73, 3.77, 3.81, 3.85, 3.90, 3.98, 4.07, 4.20)

    @property
    def remaining(self) -> float:
        """State of charge 0…1."""
        if self.capacity_mah <= 0:
            return 0.0
        return max(0.0, 1.0 - self.consumed_mah / self.capacity_mah)

    @property
    def voltage_v(self) -> float:
        """Terminal voltage under the present load (V)."""
        soc = self.remaining * 10.0
        i = min(int(soc), 9)
        cell = self._OCV[i] + (self._OCV[i + 1] - self._OCV[i]) * (soc - i)
        return max(0.0, cell * self.cells - self.current_a * self.internal_ohm)

    def drain(self, current_a: float, dt: float) -> None:
        """Draw current_a amperes for dt seconds."""
        self.current_a = current_a
        self.consumed_mah += current_a * dt / 3.6


HOVER_CURRENT_A = 18.0
"""Hover draw of the simulated ~5 kg survey quad on 4S."""


def power_draw_a(armed: bool, flying: bool, airspeed_mps: float, v_up_mps: float) -> float:
    """Current (A): idle, spinning on the ground, or flying (rising with airspeed and climb)."""
    if not armed:
        return 0.4
    if not flying:
        return 3.0
    climb = max(v_up_mps, 0.0) * 2.5
    return HOVER_CURRENT_A * (1.0 + 0.0035 * airspeed_mps * airspeed_mps) + climb
