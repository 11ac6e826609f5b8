"""Telemetry a copter streams: ArduPilot's stream groups (SRn_* rates, REQUEST_DATA_STREAM),
per-message intervals (SET_MESSAGE_INTERVAL) and the builders of each message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.failsafe import BatteryLevel
from simulator.modes import Mode

if TYPE_CHECKING:
    from simulator.vehicle import Copter

C = mavlink
Builder = Callable[["Copter", C.MAVLink, float], C.MAVLink_message]

# ArduPilot's stream groups: MAV_DATA_STREAM id → (SR param suffix, message names).
STREAM_GROUPS: dict[int, tuple[str, tuple[str, ...]]] = {
    C.MAV_DATA_STREAM_RAW_SENSORS: ("RAW_SENS", ("RAW_IMU", "SCALED_PRESSURE")),
    C.MAV_DATA_STREAM_EXTENDED_STATUS: (
        "EXT_STAT",
        (
            "SYS_STATUS",
            "POWER_STATUS",
            "MEMINFO",
            "MISSION_CURRENT",
            "GPS_RAW_INT",
            "NAV_CONTROLLER_OUTPUT",
            "EXTENDED_SYS_STATE",
        ),
    ),
    C.MAV_DATA_STREAM_RC_CHANNELS: ("RC_CHAN", ("SERVO_OUTPUT_RAW", "RC_CHANNELS")),
    C.MAV_DATA_STREAM_POSITION: ("POSITION", ("GLOBAL_POSITION_INT", "LOCAL_POSITION_NED")),
    C.MAV_DATA_STREAM_EXTRA1: ("EXTRA1", ("ATTITUDE", "AHRS2")),
    C.MAV_DATA_STREAM_EXTRA2: ("EXTRA2", ("VFR_HUD",)),
    C.MAV_DATA_STREAM_EXTRA3: (
        "EXTRA3",
        ("AHRS", "SYSTEM_TIME", "BATTERY_STATUS", "EKF_STATUS_REPORT", "VIBRATION", "WIND"),
    ),
}

_SENSORS = (
    C.MAV_SYS_STATUS_SENSOR_3D_GYRO
    | C.MAV_SYS_STATUS_SENSOR_3D_ACCEL
    | C.MAV_SYS_STATUS_SENSOR_3D_MAG
    | C.MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
    | C.MAV_SYS_STATUS_SENSOR_GPS
    | C.MAV_SYS_STATUS_SENSOR_ANGULAR_RATE_CONTROL
    | C.MAV_SYS_STATUS_SENSOR_ATTITUDE_STABILIZATION
    | C.MAV_SYS_STATUS_SENSOR_YAW_POSITION
    | C.MAV_SYS_STATUS_SENSOR_Z_ALTITUDE_CONTROL
    | C.MAV_SYS_STATUS_SENSOR_XY_POSITION_CONTROL
    | C.MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS
    | C.MAV_SYS_STATUS_SENSOR_BATTERY
    | C.MAV_SYS_STATUS_AHRS
    | C.MAV_SYS_STATUS_GEOFENCE
)


def _ms(t: float) -> int:
    return int(t * 1000) & 0xFFFFFFFF


def heartbeat(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """HEARTBEAT of a quadrotor running ArduPilot in its custom mode."""
    base = (
        C.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        | C.MAV_MODE_FLAG_STABILIZE_ENABLED
        | C.MAV_MODE_FLAG_MANUAL_INPUT_ENABLED
    )
    if c.mode in (Mode.AUTO, Mode.GUIDED, Mode.RTL, Mode.LOITER, Mode.SMART_RTL, Mode.POSHOLD):
        base |= C.MAV_MODE_FLAG_GUIDED_ENABLED
    if c.armed:
        base |= C.MAV_MODE_FLAG_SAFETY_ARMED
    return mav.heartbeat_encode(
        C.MAV_TYPE_QUADROTOR, C.MAV_AUTOPILOT_ARDUPILOTMEGA, base, int(c.mode), c.system_status, 3
    )


def sys_status(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """SYS_STATUS with battery and the count of bad frames received (errors_comm)."""
    b = c.battery
    health = _SENSORS if c.gps_fix else _SENSORS & ~C.MAV_SYS_STATUS_SENSOR_GPS
    if c.failsafe.fence_breach:
        health &= ~C.MAV_SYS_STATUS_GEOFENCE
    return mav.sys_status_encode(
        _SENSORS,
        _SENSORS,
        health,
        250,
        int(b.voltage_v * 1000),
        int(b.current_a * 100),
        round(b.remaining * 100),
        0,
        min(c.link_errors, 0xFFFF),
        0,
        0,
        0,
        0,
    )


def battery_status(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """BATTERY_STATUS of the 4S pack."""
    b = c.battery
    cell = int(b.voltage_v / b.cells * 1000)
    cells = [cell] * b.cells + [65535] * (10 - b.cells)
    level = {
        BatteryLevel.OK: C.MAV_BATTERY_CHARGE_STATE_OK,
        BatteryLevel.LOW: C.MAV_BATTERY_CHARGE_STATE_LOW,
        BatteryLevel.CRITICAL: C.MAV_BATTERY_CHARGE_STATE_CRITICAL,
    }[c.failsafe.battery]
    return mav.battery_status_encode(
        0,
        C.MAV_BATTERY_FUNCTION_ALL,
        C.MAV_BATTERY_TYPE_LIPO,
        32767,
        cells,
        int(b.current_a * 100),
        int(b.consumed_mah),
        -1,
        round(b.remaining * 100),
        charge_state=level,
    )


def gps_raw_int(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """GPS_RAW_INT: no fix during warm-up, then a 3D fix."""
    if not c.gps_fix:
        return mav.gps_raw_int_encode(
            int(t * 1e6), C.GPS_FIX_TYPE_NO_FIX, 0, 0, 0, 9999, 9999, 0, 65535, 0
        )
    lat, lon = c.lat_lon
    cog = int(math.degrees(math.atan2(c.kin.v_east, c.kin.v_north)) % 360 * 100)
    return mav.gps_raw_int_encode(
        int(t * 1e6),
        C.GPS_FIX_TYPE_3D_FIX,
        round(lat * 1e7),
        round(lon * 1e7),
        int(c.alt_amsl_m * 1000),
        70,
        110,
        int(c.kin.groundspeed_mps * 100),
        cog,
        14,
    )


def global_position_int(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """GLOBAL_POSITION_INT; latitude/longitude 0 until the position estimate is ready."""
    k = c.kin
    lat, lon = c.lat_lon if c.position_ok else (0.0, 0.0)
    return mav.global_position_int_encode(
        _ms(t),
        round(lat * 1e7),
        round(lon * 1e7),
        int(c.alt_amsl_m * 1000),
        int(c.relative_alt_m * 1000),
        int(k.v_north * 100),
        int(k.v_east * 100),
        int(-k.v_up * 100),
        int(k.yaw_deg * 100) % 36000,
    )


def local_position_ned(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """LOCAL_POSITION_NED relative to the vehicle's origin."""
    k = c.kin
    return mav.local_position_ned_encode(
        _ms(t), k.north, k.east, -k.up, k.v_north, k.v_east, -k.v_up
    )


def attitude(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """ATTITUDE in radians."""
    k = c.kin
    yaw = math.radians(k.yaw_deg)
    yaw = yaw - 2 * math.pi if yaw > math.pi else yaw
    return mav.attitude_encode(
        _ms(t), math.radians(k.roll_deg), math.radians(k.pitch_deg), yaw, 0.0, 0.0, 0.0
    )


def ahrs2(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """AHRS2, the secondary estimate."""
    k = c.kin
    lat, lon = c.lat_lon if c.position_ok else (0.0, 0.0)
    return mav.ahrs2_encode(
        math.radians(k.roll_deg),
        math.radians(k.pitch_deg),
        math.radians(k.yaw_deg),
        c.alt_amsl_m,
        round(lat * 1e7),
        round(lon * 1e7),
    )


def vfr_hud(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """VFR_HUD: speeds, heading, throttle and altitude (AMSL)."""
    k = c.kin
    wn, we = c.world.wind.vector_ne(t)
    airspeed = math.hypot(k.v_north - wn, k.v_east - we) if not c.landed else 0.0
    throttle = 0 if not c.armed else (12 if c.landed else 48)
    return mav.vfr_hud_encode(
        airspeed, k.groundspeed_mps, int(k.yaw_deg) % 360, throttle, c.alt_amsl_m, k.v_up
    )


def mission_current(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """MISSION_CURRENT as ArduCopter sends it: the navigation command's seq (0 before the start
    and after the end), total without home, mission state, and whether the mode flies it."""
    return mav.mission_current_encode(
        c.auto.current_seq,
        c.missions.size,
        c.auto.mission_state(c.missions),
        1 if c.mode == Mode.AUTO else 0,
    )


def extended_sys_state(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """EXTENDED_SYS_STATE: landed state."""
    if c.landed:
        state = C.MAV_LANDED_STATE_ON_GROUND
    elif c.kin.v_up < -0.2 and c.landing:
        state = C.MAV_LANDED_STATE_LANDING
    elif c.takeoff_up is not None:
        state = C.MAV_LANDED_STATE_TAKEOFF
    else:
        state = C.MAV_LANDED_STATE_IN_AIR
    return mav.extended_sys_state_encode(C.MAV_VTOL_STATE_UNDEFINED, state)


def system_time(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """SYSTEM_TIME: UTC of the simulated clock (from GPS, once there is a fix)."""
    unix_us = int(c.utc_at(t) * 1e6) if c.gps_fix else 0
    return mav.system_time_encode(unix_us, _ms(t))


def home_position(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """HOME_POSITION (zeros before home is set)."""
    lat, lon, alt = c.home or (0.0, 0.0, 0.0)
    return mav.home_position_encode(
        round(lat * 1e7),
        round(lon * 1e7),
        int(alt * 1000),
        0,
        0,
        0,
        [1, 0, 0, 0],
        0,
        0,
        0,
        time_usec=int(t * 1e6),
    )


def nav_controller_output(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """NAV_CONTROLLER_OUTPUT (bearing and attitude demand)."""
    k = c.kin
    return mav.nav_controller_output_encode(
        k.roll_deg, k.pitch_deg, int(k.yaw_deg), int(k.yaw_deg), 0, 0.0, 0.0, 0.0
    )


def wind(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """WIND as the autopilot estimates it (direction it blows from)."""
    speed, from_deg = c.world.wind.at(t)
    return mav.wind_encode(from_deg, speed, 0.0)


def ekf_status_report(c: Copter, mav: C.MAVLink, t: float) -> C.MAVLink_message:
    """EKF_STATUS_REPORT: all solution flags once the position estimate is ready."""
    flags = 0x3FF if c.position_ok else (C.EKF_ATTITUDE | C.EKF_VELOCITY_VERT | C.EKF_POS_VERT_ABS)
    return mav.ekf_status_report_encode(flags, 0.02, 0.01, 0.01, 0.03, 0.0)


def _static(builder: Callable[[C.MAVLink, float], C.MAVLink_message]) -> Builder:
    return lambda c, mav, t: builder(mav, t)


BUILDERS: dict[str, Builder] = {
    "HEARTBEAT": heartbeat,
    "SYS_STATUS": sys_status,
    "BATTERY_STATUS": battery_status,
    "GPS_RAW_INT": gps_raw_int,
    "GLOBAL_POSITION_INT": global_position_int,
    "LOCAL_POSITION_NED": local_position_ned,
    "ATTITUDE": attitude,
    "AHRS2": ahrs2,
    "VFR_HUD": vfr_hud,
    "MISSION_CURRENT": mission_current,
    "EXTENDED_SYS_STATE": extended_sys_state,
    "SYSTEM_TIME": system_time,
    "HOME_POSITION": home_position,
    "NAV_CONTROLLER_OUTPUT": nav_controller_output,
    "WIND": wind,
    "EKF_STATUS_REPORT": ekf_status_report,
    "RAW_IMU": _static(
        lambda mav, t: mav.raw_imu_encode(int(t * 1e6), 0, 0, -1000, 0, 0, 0, 200, 50, 400)
    ),
    "SCALED_PRESSURE": _static(
        lambda mav, t: mav.scaled_pressure_encode(_ms(t), 1009.6, 0.0, 1500)
    ),
    "POWER_STATUS": _static(lambda mav, t: mav.power_status_encode(5000, 0, 0)),
    "MEMINFO": _static(lambda mav, t: mav.meminfo_encode(0, 65535, 131072)),
    "SERVO_OUTPUT_RAW": _static(
        lambda mav, t: mav.servo_output_raw_encode(
            int(t * 1e6) & 0xFFFFFFFF, 0, 1500, 1500, 1500, 1500, 0, 0, 0, 0
        )
    ),
    "RC_CHANNELS": _static(
        lambda mav, t: mav.rc_channels_encode(
            _ms(t), 8, 1500, 1500, 1000, 1500, 1800, 1000, 1000, 1000, *([65535] * 10), 255
        )
    ),
    "AHRS": _static(lambda mav, t: mav.ahrs_encode(0.0, 0.0, 0.0, 0.0, 0.0, 0.001, 0.002)),
    "VIBRATION": _static(lambda mav, t: mav.vibration_encode(int(t * 1e6), 2.0, 2.0, 3.0, 0, 0, 0)),
}
MESSAGE_IDS = {name: getattr(C, f"MAVLINK_MSG_ID_{name}") for name in BUILDERS}
NAMES_BY_ID = {v: k for k, v in MESSAGE_IDS.items()}
_GROUP_OF = {name: gid for gid, (_, names) in STREAM_GROUPS.items() for name in names}


class StreamSchedule:
    """When each streamed message is next due, from SRn_* group rates and message intervals."""

    def __init__(self) -> None:
        self.group_hz: dict[int, float] = {gid: 0.0 for gid in STREAM_GROUPS}
        self.interval_s: dict[str, float] = {}  # per-message override; <0 disables
        self._next: dict[str, float] = {}
        self._streamed: list[tuple[str, float]] | None = None  # (name, interval), rates unchanged

    def set_group_rate(self, stream_id: int, hz: float) -> list[int]:
        """REQUEST_DATA_STREAM: set a group's (or all groups') rate; returns the groups changed."""
        groups = list(STREAM_GROUPS) if stream_id == C.MAV_DATA_STREAM_ALL else [stream_id]
        changed = [g for g in groups if g in STREAM_GROUPS]
        for g in changed:
            self.group_hz[g] = max(0.0, hz)
            for name in STREAM_GROUPS[g][1]:
                self._next.pop(name, None)
        self._streamed = None
        return changed

    def set_interval(self, name: str, interval_s: float | None) -> None:
        """SET_MESSAGE_INTERVAL: seconds between sends, -1 to stop, None for the group default."""
        if interval_s is None:
            self.interval_s.pop(name, None)
        else:
            self.interval_s[name] = interval_s
        self._next.pop(name, None)
        self._streamed = None

    def interval_of(self, name: str) -> float:
        """Current interval (s) of a message; 0 when not streamed."""
        if name in self.interval_s:
            return max(self.interval_s[name], 0.0)
        gid = _GROUP_OF.get(name)
        hz = self.group_hz.get(gid, 0.0) if gid is not None else 0.0
        return 1.0 / hz if hz > 0 else 0.0

    def due(self, t: float) -> list[str]:
        """Names of the messages due at time t (and reschedules them)."""
        if self._streamed is None:
            every = ((name, self.interval_of(name)) for name in BUILDERS if name != "HEARTBEAT")
            self._streamed = [(name, interval) for name, interval in every if interval > 0]
        out = []
        for name, interval in self._streamed:
            nxt = self._next.get(name)
            if nxt is None or t >= nxt:
                out.append(name)
                base = t if nxt is None or t - nxt > interval else nxt
                self._next[name] = base + interval
        return out
