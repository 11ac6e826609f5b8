"""What can be read off a simulated copter without changing it: position, frames, limits,
status, fences, where a return to launch would go. A mixin of Copter; nothing here assigns."""

from __future__ import annotations

import math

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator import geo
from simulator.auto import MissionRun
from simulator.failsafe import FailsafeInputs, FailsafeStatus
from simulator.fence import FenceGeometry, fence_breach
from simulator.flight import Battery, Kinematics, Limits
from simulator.mission import AMSL_FRAMES, RALLY, TERRAIN_FRAMES, Item, MissionStore
from simulator.mission_storage import Wire, keep
from simulator.modes import Mode
from simulator.params import ParamStore
from simulator.rtl import ReturnToLaunch, RtlStart

C = mavlink
GPS_WARMUP_S = 6.0
"""Simulated seconds from boot to a 3D GPS fix; the position estimate follows EKF_DELAY_S later."""
EKF_DELAY_S = 2.0
RETURN_MODES = frozenset({Mode.RTL, Mode.SMART_RTL})


class CopterReadings:
    """Derived, read-only values of a copter (its state is set up by Copter)."""

    t: float
    start_unix_s: float
    params: ParamStore
    kin: Kinematics
    origin: tuple[float, float]
    ground_alt_m: float
    home: tuple[float, float, float] | None
    mode: Mode
    armed: bool
    landed: bool
    battery: Battery
    last_gcs_heartbeat: float | None
    speed_mps: float | None
    missions: MissionStore
    fence_geometry: FenceGeometry
    failsafe: FailsafeStatus
    auto: MissionRun
    rtl: ReturnToLaunch | None

    def utc_at(self, t: float) -> float:
        """Unix time (s) of boot time t."""
        return self.start_unix_s + t

    @property
    def gps_fix(self) -> bool:
        """Whether the GPS has a 3D fix."""
        return self.t >= GPS_WARMUP_S and not self.params["SIM_GPS_DISABLE"]

    @property
    def position_ok(self) -> bool:
        """Whether the EKF has a position estimate (needed by GUIDED, AUTO, LOITER, RTL…)."""
        return self.gps_fix and self.t >= GPS_WARMUP_S + EKF_DELAY_S

    @property
    def lat_lon(self) -> tuple[float, float]:
        """Present latitude and longitude (degrees)."""
        return geo.destination(self.origin[0], self.origin[1], self.kin.north, self.kin.east)

    @property
    def alt_amsl_m(self) -> float:
        """Altitude above mean sea level (m)."""
        return self.ground_alt_m + self.kin.up

    @property
    def relative_alt_m(self) -> float:
        """Height above home (m)."""
        return self.alt_amsl_m - (self.home[2] if self.home else self.ground_alt_m)

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        """North/east metres of (lat, lon) from this vehicle's origin."""
        return geo.offset_m(self.origin[0], self.origin[1], lat, lon)

    @property
    def home_ne(self) -> tuple[float, float]:
        """Home in local metres (the origin until home is set)."""
        return self.to_local(self.home[0], self.home[1]) if self.home else (0.0, 0.0)

    def home_item(self) -> Item:
        """Mission item 0 as a download returns it (home, absolute altitude in centimetres)."""
        lat, lon, alt = self.home or (0.0, 0.0, 0.0)
        wire = Wire(C.MAV_CMD_NAV_WAYPOINT, C.MAV_FRAME_GLOBAL, (0, 0, 0, 0), round(lat * 1e7),
                    round(lon * 1e7), alt)  # fmt: skip
        kept = keep(wire)[1]
        assert kept is not None
        return Item(0, kept.frame, C.MAV_CMD_NAV_WAYPOINT, x=kept.x, y=kept.y, z=kept.z)

    @property
    def limits(self) -> Limits:
        """Controller limits from the WPNAV_* parameters and any speed override."""
        p = self.params
        return Limits(
            speed_mps=self.speed_mps if self.speed_mps else p["WPNAV_SPEED"] / 100.0,
            accel_mps2=p["WPNAV_ACCEL"] / 100.0,
            climb_mps=p["WPNAV_SPEED_UP"] / 100.0,
            descent_mps=p["WPNAV_SPEED_DN"] / 100.0,
        )

    @property
    def system_status(self) -> int:
        """MAV_STATE for the heartbeat."""
        if not self.position_ok:
            return C.MAV_STATE_CALIBRATING if self.t < GPS_WARMUP_S else C.MAV_STATE_STANDBY
        if self.failsafe.any:
            return C.MAV_STATE_CRITICAL
        return C.MAV_STATE_ACTIVE if self.armed else C.MAV_STATE_STANDBY

    @property
    def landing(self) -> bool:
        """Whether the vehicle is bringing itself down to land (LAND, RTL's or a mission's)."""
        rtl_landing = self.mode in RETURN_MODES and self.rtl is not None and self.rtl.landing
        return (
            self.mode is Mode.LAND or rtl_landing or (self.mode is Mode.AUTO and self.auto.landing)
        )

    def fence_breach_now(self) -> str | None:
        """Which enabled fence the vehicle is outside of now, or None."""
        p = self.params
        return fence_breach(int(p["FENCE_TYPE"]), p["FENCE_ALT_MAX"], p["FENCE_RADIUS"],
                            self.fence_geometry, (self.kin.north, self.kin.east), self.home_ne,
                            self.relative_alt_m)  # fmt: skip

    def rtl_start(self) -> RtlStart:
        """Where a return to launch would start from now."""
        fence = bool(self.params["FENCE_ENABLE"]) and int(self.params["FENCE_TYPE"]) & 1
        here = (self.kin.north, self.kin.east)
        return RtlStart(self.rally_or_home(), here, self.kin.up, bool(fence))

    def rally_or_home(self) -> tuple[float, float]:
        """RTL destination as ArduPilot picks it: the nearest rally point (within RALLY_LIMIT_KM
        when set) unless home is closer."""
        here = (self.kin.north, self.kin.east)
        limit_m = self.params["RALLY_LIMIT_KM"] * 1000.0
        best = self.home_ne
        for r in self.missions.items(RALLY):
            ne = self.to_local(r.lat, r.lon)
            d = math.dist(here, ne)
            if (limit_m <= 0 or d <= limit_m) and d < math.dist(here, best):
                best = ne
        return best

    def height_from_frame(self, frame: int, z: float) -> float:
        """Height above this vehicle's ground for an altitude z given in a MAV_FRAME."""
        if frame in AMSL_FRAMES:
            return z - self.ground_alt_m
        if frame in TERRAIN_FRAMES:
            return z
        home_alt = self.home[2] if self.home else self.ground_alt_m
        return z + home_alt - self.ground_alt_m

    def takeoff_refusal(self, alt_m: float) -> str | None:
        """Why a GUIDED take-off to alt_m is not possible now, or None."""
        if self.mode is not Mode.GUIDED:
            return "Takeoff: mode is not GUIDED"
        if not self.armed:
            return "Takeoff: vehicle not armed"
        if not self.landed:
            return "Takeoff: already flying"
        if alt_m <= 0:
            return "Takeoff: altitude must be positive"
        return None

    def failsafe_inputs(self) -> FailsafeInputs:
        """What the failsafe checks read now."""
        b = self.battery
        return FailsafeInputs(self.t, self.landed, self.mode, b.voltage_v, b.consumed_mah,
                              b.capacity_mah, self.last_gcs_heartbeat, self.fence_breach_now(),
                              self.home is not None)  # fmt: skip
