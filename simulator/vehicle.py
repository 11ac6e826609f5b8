"""One simulated ArduCopter: modes, arming checks, failsafes, guided and RTL/LAND behaviour.

The copter is stepped in simulated time (``step(t_s, dt_s)``) and knows nothing of sockets:
what a ground station should hear about is put in ``outbox`` as small event records.
"""

from __future__ import annotations

import math
import random

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator import geo
from simulator.auto import AutoMission
from simulator.camera import Camera
from simulator.events import Event, HomeSet, ImageCaptured, StatusText
from simulator.failsafe import breached_fence, check_failsafes
from simulator.fence import FenceGeometry
from simulator.flight import GRAVITY, Battery, Kinematics, Limits, fly_toward, power_draw_a
from simulator.mission import AMSL_FRAMES, RALLY, Item, MissionStore
from simulator.modes import ARMABLE, REQUIRES_POSITION, SUPPORTED_MODES, Mode
from simulator.params import ParamStore
from simulator.world import World

GPS_WARMUP_S = 6.0
"""Simulated seconds from boot to a 3D GPS fix; the position estimate follows EKF_DELAY_S later."""
EKF_DELAY_S = 2.0

TERMINAL_FALL_MPS = 20.0
"""Speed an unpowered quad falls at, tumbling."""

SEV_CRITICAL = mavlink.MAV_SEVERITY_CRITICAL
SEV_WARNING = mavlink.MAV_SEVERITY_WARNING
SEV_INFO = mavlink.MAV_SEVERITY_INFO


class Copter:
    """A kinematic quadcopter with ArduCopter's modes, checks and failsafes."""

    def __init__(
        self,
        sysid: int,
        world: World,
        lat: float,
        lon: float,
        params: ParamStore,
        seed: int = 0,
        start_unix_s: float = 0.0,
    ) -> None:
        self.sysid = sysid
        self.start_unix_s = start_unix_s
        self.link_errors = 0  # bad frames received on the vehicle's links (SYS_STATUS.errors_comm)
        self.world = world
        self.origin = (lat, lon)
        self.ground_alt_m = world.origin_alt_m
        self.params = params
        self.rng = random.Random(seed)
        self.kin = Kinematics()
        self.battery = Battery(capacity_mah=params["BATT_CAPACITY"])
        self.mode = Mode.STABILIZE
        self.armed = False
        self.landed = True
        self.t = 0.0
        self.home: tuple[float, float, float] | None = None  # lat, lon, alt AMSL
        self.missions = MissionStore()
        self.fence_geometry = FenceGeometry()
        self.auto = AutoMission(self)
        self.outbox: list[Event] = []
        self.last_gcs_heartbeat: float | None = None
        self.failsafe_gcs = False
        self.failsafe_battery = 0  # 0 none, 1 low, 2 critical
        self.low_volt_since: float | None = None
        self.fence_breached: str | None = None
        self.takeoff_up: float | None = None
        self.hold: tuple[float, float, float] | None = None
        self.guided_target: tuple[float, float, float] | None = None
        self.speed_mps: float | None = None  # DO_CHANGE_SPEED override
        self.roi: tuple[float, float] | None = None
        self.rtl_stage: str | None = None
        self.land_ne: tuple[float, float] | None = None
        self.landed_since: float | None = 0.0
        self.distance_flown_m = 0.0
        self.camera = Camera()
        self.say(SEV_INFO, "ArduCopter V4.6.2 (EcoPatrol SITL)")
        self.say(SEV_INFO, "Frame: QUAD/X")

    # --- what the ground station reads -------------------------------------------------------
    def say(self, severity: int, text: str) -> None:
        """Queue a STATUSTEXT."""
        self.outbox.append(StatusText(severity, text))

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
        """Mission item 0 as a download returns it."""
        lat, lon, alt = self.home or (0.0, 0.0, 0.0)
        return Item(
            seq=0,
            frame=mavlink.MAV_FRAME_GLOBAL,
            command=mavlink.MAV_CMD_NAV_WAYPOINT,
            x=round(lat * 1e7),
            y=round(lon * 1e7),
            z=alt,
        )

    @property
    def limits(self) -> Limits:
        """Controller limits from the WPNAV_* parameters and any speed override."""
        p = self.params
        speed = self.speed_mps if self.speed_mps else p["WPNAV_SPEED"] / 100.0
        return Limits(
            speed_mps=speed,
            accel_mps2=p["WPNAV_ACCEL"] / 100.0,
            climb_mps=p["WPNAV_SPEED_UP"] / 100.0,
            descent_mps=p["WPNAV_SPEED_DN"] / 100.0,
        )

    @property
    def system_status(self) -> int:
        """MAV_STATE for the heartbeat."""
        if not self.position_ok:
            return (
                mavlink.MAV_STATE_CALIBRATING
                if self.t < GPS_WARMUP_S
                else mavlink.MAV_STATE_STANDBY
            )
        if self.failsafe_gcs or self.failsafe_battery or self.fence_breached:
            return mavlink.MAV_STATE_CRITICAL
        return mavlink.MAV_STATE_ACTIVE if self.armed else mavlink.MAV_STATE_STANDBY

    # --- commands ----------------------------------------------------------------------------
    def heartbeat_from_gcs(self) -> None:
        """A GCS heartbeat arrived."""
        self.last_gcs_heartbeat = self.t
        if self.failsafe_gcs:
            self.failsafe_gcs = False
            self.say(SEV_CRITICAL, "GCS Failsafe Cleared")

    def set_mode(self, mode: int, reason: str = "GCS") -> bool:
        """Change flight mode as ArduCopter does; False (with a STATUSTEXT) if refused."""
        try:
            new = Mode(mode)
        except ValueError:
            self.say(SEV_WARNING, f"Mode change failed: unknown mode {mode}")
            return False
        if new not in SUPPORTED_MODES:
            self.say(
                SEV_WARNING, f"Mode change to {new.name} failed: not supported by this vehicle"
            )
            return False
        if new in REQUIRES_POSITION and not self.position_ok:
            self.say(SEV_WARNING, f"Mode change failed: {new.name} requires position")
            return False
        if new == Mode.AUTO and self.armed and not self.missions.has_nav():
            self.say(SEV_WARNING, "Mode change failed: AUTO: no mission")
            return False
        if new == self.mode:
            return True
        self.mode = new
        self.speed_mps = None  # DO_CHANGE_SPEED/RTL_SPEED last until the mode changes
        self.takeoff_up = None if new != Mode.GUIDED else self.takeoff_up
        self.guided_target = None
        self.rtl_stage = None
        self.land_ne = None
        here = (self.kin.north, self.kin.east, self.kin.up)
        self.hold = here
        if new in (Mode.RTL, Mode.SMART_RTL):
            self.rtl_stage = "climb"
        elif new == Mode.LAND:
            self.land_ne = (self.kin.north, self.kin.east)
        elif new == Mode.AUTO:
            self.auto.enter(armed=self.armed)
        return True

    def arm(self, force: bool = False) -> str | None:
        """Arm; returns the refusal reason (also sent as STATUSTEXT) or None when armed."""
        if self.armed:
            return None
        reason = None if force else self.prearm_failure()
        if reason:
            self.say(SEV_CRITICAL, reason)
            return reason
        self.armed = True
        self.landed_since = self.t
        self.battery.consumed_mah = self.battery.consumed_mah  # keep pack state
        self.failsafe_battery = 0
        if self.home is None or self.landed:
            self._set_home_here()
        self.say(SEV_INFO, "Arming motors")
        return None

    def prearm_failure(self) -> str | None:
        """The first failing pre-arm/arm check, worded as ArduCopter does."""
        if not self.params["ARMING_CHECK"]:
            return None
        if self.mode == Mode.AUTO and not self.missions.has_nav():
            return "Arm: AUTO mode: no mission loaded"
        if self.mode not in ARMABLE and not (
            self.mode == Mode.AUTO and int(self.params["AUTO_OPTIONS"]) & 1
        ):
            return "Arm: Mode not armable"
        needs_gps = self.mode in REQUIRES_POSITION or self.params["FENCE_ENABLE"]
        if needs_gps and not self.gps_fix:
            return "PreArm: GPS 1: Bad fix"
        if needs_gps and not self.position_ok:
            return "PreArm: Need Position Estimate"
        if self.failsafe_battery:
            return "PreArm: Battery 1 low voltage failsafe"
        arm_volt = self.params["BATT_ARM_VOLT"]
        if arm_volt > 0 and self.battery.voltage_v < arm_volt:
            return f"PreArm: Battery 1 below minimum arming voltage ({self.battery.voltage_v:.2f}V)"
        arm_mah = self.params["BATT_ARM_MAH"]
        remaining_mah = self.battery.capacity_mah - self.battery.consumed_mah
        if arm_mah > 0 and remaining_mah < arm_mah:
            return f"PreArm: Battery 1 below minimum arming capacity ({remaining_mah:.0f}mAh)"
        if self.params["FENCE_ENABLE"] and breached_fence(self) is not None:
            return "PreArm: Fence: vehicle outside fence"
        return None

    def disarm(self, force: bool = False, reason: str = "GCS") -> str | None:
        """Disarm; refused in flight unless forced."""
        if not self.armed:
            return None
        if not self.landed and not force:
            self.say(SEV_WARNING, "Disarm: vehicle is flying")
            return "Disarm: vehicle is flying"
        self.armed = False
        self.takeoff_up = None
        self.landed = self.kin.up <= 0.05
        self.say(SEV_INFO, f"Disarming motors ({reason})")
        return None

    def takeoff(self, alt_m: float) -> str | None:
        """GUIDED takeoff to alt_m above home; returns a refusal reason or None."""
        if self.mode != Mode.GUIDED:
            return "Takeoff: mode is not GUIDED"
        if not self.armed:
            return "Takeoff: vehicle not armed"
        if not self.landed:
            return "Takeoff: already flying"
        if alt_m <= 0:
            return "Takeoff: altitude must be positive"
        self.takeoff_up = alt_m
        self.landed = False
        self.hold = (self.kin.north, self.kin.east, alt_m)
        self.say(SEV_INFO, f"Takeoff to {alt_m:.1f}m")
        return None

    def goto(self, lat: float, lon: float, up_m: float) -> bool:
        """GUIDED go-to (SET_POSITION_TARGET_GLOBAL_INT / DO_REPOSITION); False if not possible."""
        if self.mode != Mode.GUIDED or not self.armed or self.landed:
            return False
        n, e = self.to_local(lat, lon)
        self.guided_target = (n, e, up_m)
        self.takeoff_up = None
        return True

    def height_from_frame(self, frame: int, z: float) -> float:
        """Height above this vehicle's ground for an altitude z given in a MAV_FRAME."""
        if frame in AMSL_FRAMES:
            return z - self.ground_alt_m
        home_alt = self.home[2] if self.home else self.ground_alt_m
        if frame in (
            mavlink.MAV_FRAME_GLOBAL_TERRAIN_ALT,
            mavlink.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT,
        ):
            return z
        return z + home_alt - self.ground_alt_m

    def set_fence(self, items: list[Item]) -> None:
        """Install an uploaded FENCE list."""
        self.fence_geometry = FenceGeometry.from_items(items, self.to_local)
        self.params.set("FENCE_TOTAL", len(items), persist=False)

    def trigger_camera(self) -> None:
        """Take one picture now."""
        self.outbox.append(ImageCaptured(self.camera.shoot((self.kin.north, self.kin.east))))

    def start_capture(self, interval_s: float, total: int) -> None:
        """MAV_CMD_IMAGE_START_CAPTURE: total images (0 = until stopped) every interval_s."""
        self.trigger_camera()
        self.camera.start_capture(self.t, interval_s, total)

    def stop_capture(self) -> None:
        """MAV_CMD_IMAGE_STOP_CAPTURE."""
        self.camera.stop_capture()

    def set_trigger_distance(self, distance_m: float) -> None:
        """DO_SET_CAM_TRIGG_DIST: a picture every distance_m of horizontal flight (0 = off)."""
        self.camera.set_trigger_distance(distance_m, (self.kin.north, self.kin.east))
        if distance_m > 0:
            self.trigger_camera()

    # --- time step ---------------------------------------------------------------------------
    def step(self, t: float, dt: float) -> None:
        """Advance the vehicle to boot time t (seconds) by dt."""
        self.t = t
        if self.home is None and self.position_ok:
            self._set_home_here()
            self.say(SEV_INFO, "EKF3 IMU0 is using GPS")
        before = (self.kin.north, self.kin.east)
        if self.armed and not self.landed:
            self._fly(dt)
        elif not self.landed:  # motors stopped in the air (terminate): it falls
            self._fall(dt)
        else:
            self.kin.v_north = self.kin.v_east = self.kin.v_up = 0.0
            self.kin.roll_deg = self.kin.pitch_deg = 0.0
        self.distance_flown_m += math.dist(before, (self.kin.north, self.kin.east))
        self._drain_battery(dt)
        self._camera()
        if self.armed:
            check_failsafes(self)
            self._auto_disarm()

    def _fly(self, dt: float) -> None:
        if self.mode == Mode.AUTO:
            target = self.auto.update(dt)
        elif self.mode in (Mode.RTL, Mode.SMART_RTL):
            target = self.rtl_target(dt)
        elif self.mode == Mode.LAND:
            target = self.land_target()
        elif self.mode == Mode.GUIDED and self.takeoff_up is not None:
            target = self.takeoff_target(self.takeoff_up)
        elif self.mode == Mode.GUIDED and self.guided_target is not None:
            n, e, up = self.guided_target
            target = ((n, e), up, None)
        else:
            h = self.hold or (self.kin.north, self.kin.east, self.kin.up)
            target = ((h[0], h[1]), h[2], None)
        ne, up, descent = target
        wn, we = self.world.wind.vector_ne(self.t)
        mn, me = self._mean_wind()
        disturbance = (0.3 * (wn - mn), 0.3 * (we - me))
        yaw = None
        if self.roi is not None:
            yaw = geo.bearing_deg(self.roi[0] - self.kin.north, self.roi[1] - self.kin.east)
        fly_toward(self.kin, ne, up, self.limits, dt, disturbance, descent, yaw)
        if self.kin.up <= 0.0 and self.kin.v_up <= 0.0:
            self.kin.up = 0.0
            self._touchdown()

    def _fall(self, dt: float) -> None:
        k = self.kin
        k.v_up = max(k.v_up - GRAVITY * dt, -TERMINAL_FALL_MPS)
        k.north += k.v_north * dt
        k.east += k.v_east * dt
        k.up += k.v_up * dt
        if k.up <= 0.0:
            k.up = 0.0
            k.v_north = k.v_east = k.v_up = 0.0
            self.landed = True
            self.landed_since = self.t
            self.say(SEV_CRITICAL, "Crash: vehicle hit the ground unpowered")

    def _mean_wind(self) -> tuple[float, float]:
        rad = math.radians(self.world.wind.from_deg)
        return -self.world.wind.speed_mps * math.cos(rad), -self.world.wind.speed_mps * math.sin(
            rad
        )

    def takeoff_target(self, up_m: float) -> tuple[tuple[float, float] | None, float, None]:
        """Climb straight up to up_m; clears the takeoff when there."""
        h = self.hold or (self.kin.north, self.kin.east, up_m)
        if self.kin.up >= up_m - 0.3:
            self.takeoff_up = None
            self.hold = (self.kin.north, self.kin.east, up_m)
        return (h[0], h[1]), up_m, None

    def land_target(self) -> tuple[tuple[float, float] | None, float, float]:
        """Descend at LAND_SPEED below 10 m (faster above) over the landing point."""
        p = self.params
        fast = (p["LAND_SPEED_HIGH"] or p["WPNAV_SPEED_DN"]) / 100.0
        rate = p["LAND_SPEED"] / 100.0 if self.kin.up < 10.0 else fast
        ne = self.land_ne or (self.kin.north, self.kin.east)
        return ne, -1.0, rate

    def rtl_target(self, dt: float) -> tuple[tuple[float, float] | None, float, float | None]:
        """ArduCopter RTL: climb to RTL_ALT, return to the nearest rally point or home, land."""
        p = self.params
        home_ne = self.rally_or_home()
        rtl_alt = max(
            p["RTL_ALT"] / 100.0,
            self.kin.up,
            p["RTL_CLIMB_MIN"] / 100.0 + self.kin.up
            if self.rtl_stage == "climb" and p["RTL_CLIMB_MIN"]
            else 0.0,
        )
        if self.params["FENCE_ENABLE"] and int(p["FENCE_TYPE"]) & 1:
            rtl_alt = min(rtl_alt, p["FENCE_ALT_MAX"] - p["FENCE_MARGIN"])
        if self.rtl_stage == "climb":
            self._rtl_alt = rtl_alt
            if (
                self.kin.up >= rtl_alt - 0.5
                or math.dist(home_ne, (self.kin.north, self.kin.east)) < 2
            ):
                self.rtl_stage = "return"
            return (self.kin.north, self.kin.east), rtl_alt, None
        alt = getattr(self, "_rtl_alt", rtl_alt)
        if self.rtl_stage == "return":
            if (
                math.dist(home_ne, (self.kin.north, self.kin.east)) < 1.0
                and self.kin.groundspeed_mps < 0.5
            ):
                self.rtl_stage = "loiter"
                self._rtl_loiter_until = self.t + p["RTL_LOIT_TIME"] / 1000.0
            speed = p["RTL_SPEED"] / 100.0
            if speed:
                self.speed_mps = speed
            return home_ne, alt, None
        if self.rtl_stage == "loiter":
            if self.t >= self._rtl_loiter_until:
                final = p["RTL_ALT_FINAL"] / 100.0
                self.rtl_stage = "final" if final > 0 else "land"
                self.land_ne = home_ne
            return home_ne, alt, None
        if self.rtl_stage == "final":
            return home_ne, p["RTL_ALT_FINAL"] / 100.0, None
        self.land_ne = home_ne
        return self.land_target()

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

    def _touchdown(self) -> None:
        if self.landed:
            return
        self.landed = True
        self.landed_since = self.t
        self.kin.v_north = self.kin.v_east = self.kin.v_up = 0.0
        landing_mode = self.mode in (Mode.LAND, Mode.RTL, Mode.SMART_RTL) or (
            self.mode == Mode.AUTO and self.auto.landing
        )
        if landing_mode:
            self.say(SEV_INFO, "Land complete")
            if self.mode == Mode.AUTO:
                self.auto.landed()
            self.disarm(reason="landed")

    def _auto_disarm(self) -> None:
        delay = self.params["DISARM_DELAY"]
        if (
            delay > 0
            and self.landed
            and self.takeoff_up is None
            and self.landed_since is not None
            and not (self.mode == Mode.AUTO and self.auto.started)
            and self.t - self.landed_since >= delay
        ):
            self.disarm(reason="auto disarm")

    def _drain_battery(self, dt: float) -> None:
        flying = self.armed and not self.landed
        wn, we = self.world.wind.vector_ne(self.t)
        airspeed = math.hypot(self.kin.v_north - wn, self.kin.v_east - we) if flying else 0.0
        self.battery.capacity_mah = self.params["BATT_CAPACITY"]
        self.battery.drain(power_draw_a(self.armed, flying, airspeed, self.kin.v_up), dt)

    def _camera(self) -> None:
        flying = self.armed and not self.landed
        for _ in range(self.camera.due(self.t, (self.kin.north, self.kin.east), flying)):
            self.trigger_camera()

    def _set_home_here(self) -> None:
        lat, lon = self.lat_lon
        self.home = (lat, lon, self.alt_amsl_m)
        self.outbox.append(HomeSet())
