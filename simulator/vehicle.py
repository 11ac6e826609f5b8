"""One simulated ArduCopter: its state, and the only code that changes it.

Modes, arming, guided flight and landing live here; the mission executor (auto), the failsafe
checks (failsafe), the return to launch (rtl) and the arming checks (arming) read the copter and
return decisions or guidance, which the copter applies. Stepped in simulated time (``step(t_s,
dt_s)``), it knows no sockets: what ground stations should hear of is taken with take_events().
"""

from __future__ import annotations

import math
from dataclasses import replace

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator import geo
from simulator.arming import prearm_failure
from simulator.auto import Effect, LeaveGround, MissionEnded, MissionRun, RunDo
from simulator.camera import Camera
from simulator.commands import mission_do
from simulator.events import Event, HomeSet, ImageCaptured, StatusText
from simulator.failsafe import (
    SEV_CRITICAL,
    SEV_INFO,
    SEV_WARNING,
    BatteryLevel,
    FailsafeAction,
    FailsafeStatus,
    check_failsafes,
    gcs_heartbeat,
)
from simulator.fence import FenceGeometry
from simulator.flight import Battery, Kinematics, fall, fly_toward, power_draw_a
from simulator.guidance import Guidance, hold, landing
from simulator.mission import FENCE, MISSION, RALLY, Item, MissionStore
from simulator.modes import Mode, mode_change_refusal
from simulator.params import ParamStore
from simulator.readings import RETURN_MODES, CopterReadings
from simulator.rtl import ReturnToLaunch
from simulator.world import World

GUST_PUSH = 0.3
"""Share of a gust's speed that pushes the copter off its track before the controller reacts."""
C = mavlink


class Copter(CopterReadings):
    """A kinematic quadcopter with ArduCopter's modes, checks and failsafes."""

    def __init__(
        self,
        sysid: int,
        world: World,
        lat: float,
        lon: float,
        params: ParamStore,
        start_unix_s: float = 0.0,
    ) -> None:
        self.sysid = sysid
        self.start_unix_s = start_unix_s
        self.world = world
        self.origin = (lat, lon)
        self.ground_alt_m = world.origin_alt_m
        self.params = params
        self.kin = Kinematics()
        self.battery = Battery(capacity_mah=params["BATT_CAPACITY"])
        self.camera = Camera()
        self.mode = Mode.STABILIZE
        self.armed = False
        self.landed = True
        self.landed_since: float | None = 0.0
        self.t = 0.0
        self.home: tuple[float, float, float] | None = None  # lat, lon, alt AMSL
        self.missions = MissionStore()
        self.fence_geometry = FenceGeometry()
        self.auto = MissionRun()
        self.rtl: ReturnToLaunch | None = None
        self.outbox: list[Event] = []
        self.last_gcs_heartbeat: float | None = None
        self.failsafe = FailsafeStatus()
        self.takeoff_up: float | None = None  # GUIDED take-off height being climbed to
        self.hold: tuple[float, float, float] | None = None
        self.guided_target: tuple[float, float, float] | None = None
        self.speed_mps: float | None = None  # DO_CHANGE_SPEED override, until the mode changes
        self.roi: tuple[float, float] | None = None
        self.land_ne: tuple[float, float] | None = None
        self.distance_flown_m = 0.0
        self.link_errors = 0  # bad frames received on the vehicle's links (SYS_STATUS.errors_comm)
        self.say(SEV_INFO, f"ArduCopter V{params.firmware} (EcoPatrol SITL)")
        self.say(SEV_INFO, "Frame: QUAD/X")

    # --- commands ----------------------------------------------------------------------------
    def say(self, severity: int, text: str) -> None:
        """Queue a STATUSTEXT."""
        self.outbox.append(StatusText(severity, text))

    def take_events(self) -> list[Event]:
        """Hand over what the ground stations should hear about since the last call."""
        events, self.outbox = self.outbox, []
        return events

    def heartbeat_from_gcs(self) -> None:
        """A GCS heartbeat arrived."""
        self.last_gcs_heartbeat = self.t
        self.failsafe, texts = gcs_heartbeat(self.failsafe)
        self.outbox.extend(texts)

    def set_mode(self, mode: int) -> bool:
        """Change flight mode as ArduCopter does; False (with a STATUSTEXT) if refused."""
        refusal = mode_change_refusal(mode, self.position_ok, self.armed, self.missions.has_nav())
        if refusal:
            self.say(SEV_WARNING, refusal)
            return False
        new = Mode(mode)
        if new == self.mode:
            return True
        if self.mode is Mode.AUTO:
            self.auto.stop()
        self.mode = new
        self.speed_mps = None  # DO_CHANGE_SPEED lasts until the mode changes
        self.takeoff_up = self.takeoff_up if new is Mode.GUIDED else None
        self.guided_target = self.rtl = self.land_ne = None
        self.hold = (self.kin.north, self.kin.east, self.kin.up)
        if new in RETURN_MODES:
            self.rtl = ReturnToLaunch(self.rtl_start(), self.params)
        elif new is Mode.LAND:
            self.land_ne = (self.kin.north, self.kin.east)
        elif new is Mode.AUTO and self.armed and not self.landed:
            self._apply(self.auto.start_or_resume(self))
        return True

    def arm(self, force: bool = False) -> str | None:
        """Arm; returns the refusal reason (also sent as STATUSTEXT) or None when armed."""
        if self.armed:
            return None
        reason = None if force else prearm_failure(self)
        if reason:
            self.say(SEV_CRITICAL, reason)
            return reason
        self.armed = True
        self.landed_since = self.t
        self.failsafe = replace(self.failsafe, battery=BatteryLevel.OK)
        if self.home is None or self.landed:
            self._set_home_here()
        self.say(SEV_INFO, "Arming motors")
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
        refusal = self.takeoff_refusal(alt_m)
        if refusal:
            return refusal
        self.takeoff_up = alt_m
        self.landed = False
        self.hold = (self.kin.north, self.kin.east, alt_m)
        self.say(SEV_INFO, f"Takeoff to {alt_m:.1f}m")
        return None

    def goto(self, lat: float, lon: float, up_m: float) -> bool:
        """GUIDED go-to (SET_POSITION_TARGET_GLOBAL_INT / DO_REPOSITION); False if not possible."""
        if self.mode is not Mode.GUIDED or not self.armed or self.landed:
            return False
        n, e = self.to_local(lat, lon)
        self.guided_target = (n, e, up_m)
        self.takeoff_up = None
        return True

    def set_guided_height(self, up_m: float) -> bool:
        """GUIDED: change only the target height (a MISSION_ITEM with current = 3)."""
        if self.mode is not Mode.GUIDED or not self.armed or self.landed:
            return False
        n, e, _ = self.guided_target or (self.kin.north, self.kin.east, self.kin.up)
        self.guided_target = (n, e, up_m)
        return True

    def hold_position(self) -> bool:
        """GUIDED pause: stop where it is."""
        if self.mode is not Mode.GUIDED:
            return False
        self.guided_target = (self.kin.north, self.kin.east, self.kin.up)
        return True

    def change_speed(self, speed_mps: float) -> None:
        """DO_CHANGE_SPEED: horizontal speed until the mode changes."""
        self.speed_mps = speed_mps

    def set_roi(self, lat_lon: tuple[float, float] | None) -> None:
        """Point the nose at a location (None: clear the region of interest)."""
        self.roi = None if lat_lon is None or lat_lon == (0, 0) else self.to_local(*lat_lon)

    def set_home(self, location: tuple[float, float, float] | None) -> None:
        """DO_SET_HOME: home here (None) or at lat, lon, alt AMSL."""
        if location is None:
            self._set_home_here()
        else:
            self.home = location
            self.outbox.append(HomeSet())

    def enable_fence(self, on: bool) -> None:
        """DO_FENCE_ENABLE."""
        self.params.set("FENCE_ENABLE", 1 if on else 0)

    def start_mission(self, first_seq: int = 0) -> bool:
        """MISSION_START: AUTO, from first_seq if given, else from where the mission stands."""
        if not self.armed or not self.set_mode(Mode.AUTO):
            return False
        if first_seq > 0:
            self.set_current_item(first_seq)
        if not self.auto.running:
            self._apply(self.auto.start_or_resume(self))
        return True

    def set_current_item(self, seq: int) -> bool:
        """MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT."""
        ok, effects = self.auto.set_current(seq, self)
        self._apply(effects)
        return ok

    def pause_mission(self, paused: bool) -> bool:
        """DO_PAUSE_CONTINUE in AUTO."""
        return self.auto.pause(paused, self)

    def store_list(self, mission_type: int, items: list[Item]) -> None:
        """A completed upload (or a clear) of the mission, fence or rally list."""
        self.missions.replace(mission_type, items)
        if mission_type == MISSION:
            self.params.set("MIS_TOTAL", self.missions.count(MISSION), persist=False)
            if not self.auto.running:
                self._apply(self.auto.reset())
        elif mission_type == FENCE:
            self.fence_geometry = FenceGeometry.from_items(
                self.missions.items(FENCE), self.to_local
            )
            self.params.set("FENCE_TOTAL", len(items), persist=False)
        elif mission_type == RALLY:
            self.params.set("RALLY_TOTAL", len(items), persist=False)

    def note_link_errors(self, count: int) -> None:
        """Bad frames arrived on one of the vehicle's links."""
        self.link_errors += count

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
        k = self.kin
        before = (k.north, k.east)
        if self.armed and not self.landed:
            self._fly(dt)
        elif not self.landed:  # motors stopped in the air (terminate): it falls
            self._fall(dt)
        else:
            k.v_north = k.v_east = k.v_up = k.roll_deg = k.pitch_deg = 0.0
        self.distance_flown_m += math.dist(before, (k.north, k.east))
        flying = self.armed and not self.landed
        wn, we = self.world.wind.vector_ne(t)
        airspeed = math.hypot(k.v_north - wn, k.v_east - we) if flying else 0.0
        self.battery.capacity_mah = self.params["BATT_CAPACITY"]
        self.battery.drain(power_draw_a(self.armed, flying, airspeed, k.v_up), dt)
        for _ in range(self.camera.due(t, (k.north, k.east), flying)):
            self.trigger_camera()
        if self.armed:
            self._check_failsafes()
            self._auto_disarm()

    def _guidance(self, dt: float) -> Guidance:
        k = self.kin
        if self.mode is Mode.AUTO:
            step = self.auto.step(self, dt)
            self._apply(step.effects)
            return step.guidance
        if self.mode in RETURN_MODES and self.rtl is not None:
            return self.rtl.step(self.params, (k.north, k.east, k.up), k.groundspeed_mps, self.t)
        if self.mode is Mode.LAND:
            return landing(self.params, k.up, self.land_ne or (k.north, k.east))
        if self.mode is Mode.GUIDED and self.takeoff_up is not None:
            n, e, _ = self.hold or (k.north, k.east, self.takeoff_up)
            up = self.takeoff_up
            if k.up >= up - 0.3:
                self.takeoff_up, self.hold = None, (k.north, k.east, up)
            return hold(n, e, up)
        if self.mode is Mode.GUIDED and self.guided_target is not None:
            return hold(*self.guided_target)
        return hold(*(self.hold or (k.north, k.east, k.up)))

    def _fly(self, dt: float) -> None:
        g = self._guidance(dt)
        k = self.kin
        gust_n, gust_e = self.world.wind.gust_ne(self.t)
        disturbance = (GUST_PUSH * gust_n, GUST_PUSH * gust_e)
        yaw = None
        if self.roi is not None:
            yaw = geo.bearing_deg(self.roi[0] - k.north, self.roi[1] - k.east)
        limits = self.limits if g.speed_mps is None else replace(self.limits, speed_mps=g.speed_mps)
        fly_toward(k, g.ne, g.up, limits, dt, disturbance, g.descent_mps, yaw)
        if k.up <= 0.0 and k.v_up <= 0.0:
            k.up = 0.0
            self._touchdown()

    def _fall(self, dt: float) -> None:
        if fall(self.kin, dt):
            self.landed, self.landed_since = True, self.t
            self.say(SEV_CRITICAL, "Crash: vehicle hit the ground unpowered")

    def _touchdown(self) -> None:
        if self.landed:
            return
        landing = self.landing
        self.landed, self.landed_since = True, self.t
        self.kin.v_north = self.kin.v_east = self.kin.v_up = 0.0
        if not landing:
            return
        self.say(SEV_INFO, "Land complete")
        if self.mode is Mode.AUTO:
            self._apply(self.auto.touched_down(self))
        else:
            self.disarm(reason="landed")

    def _auto_disarm(self) -> None:
        since, delay = self.landed_since, self.params["DISARM_DELAY"]
        if since is None or not self.landed or self.takeoff_up is not None or delay <= 0:
            return
        if not (self.mode is Mode.AUTO and self.auto.running) and self.t - since >= delay:
            self.disarm(reason="auto disarm")

    # --- applying decisions ------------------------------------------------------------------
    def _apply(self, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            if isinstance(effect, RunDo):
                mission_do(self, effect.item)
            elif isinstance(effect, LeaveGround):
                self.landed = False
            elif isinstance(effect, MissionEnded):
                if effect.on_ground:
                    self.disarm(reason="landed")
                else:
                    self.hold = (self.kin.north, self.kin.east, self.kin.up)
            else:
                self.outbox.append(effect)

    def _check_failsafes(self) -> None:
        decision = check_failsafes(self.failsafe, self.failsafe_inputs(), self.params)
        self.failsafe = decision.status
        self.outbox.extend(decision.texts)
        for action in decision.actions:
            self._failsafe_action(action)

    def _failsafe_action(self, action: FailsafeAction) -> None:
        if action is FailsafeAction.DISARM:
            self.disarm(reason="failsafe")
            return
        if action is FailsafeAction.TERMINATE:
            self.disarm(force=True, reason="terminate")
            return
        wanted = Mode.RTL if action is FailsafeAction.RTL else Mode.LAND
        if self.mode in (Mode.LAND, wanted):
            return
        at_home = math.dist(self.home_ne, (self.kin.north, self.kin.east)) < 0.5 and self.kin.up < 2
        self.set_mode(Mode.LAND if wanted is Mode.RTL and at_home else wanted)

    def _set_home_here(self) -> None:
        lat, lon = self.lat_lon
        self.home = (lat, lon, self.alt_amsl_m)
        self.outbox.append(HomeSet())
