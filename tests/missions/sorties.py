"""The sortie flown against ArduCopter SITL, shared by the energy tests and the benchmark."""

from __future__ import annotations

from missions.items import Cmd, Frame, Mission, MissionItem, Position

SITL_HOME = Position(-35.363262, 149.165237, 584.0)  # ArduPilot SITL's default home (CMAC)
SITL_DRAINED_PCT = 67.0
"""What ArduCopter SITL's battery reported used after this sortie."""
_D_LAT, _D_LON = 1 / 111_000, 1 / 90_800  # degrees per metre north, east at 35.4 S


def sitl_sortie() -> Mission:
    """Take-off to 30 m, a 1.5 km box at 8 m/s, RTL: about 4 minutes, which a flat 25-minute
    endurance calls 16 % of the battery."""
    items = [MissionItem(Cmd.NAV_TAKEOFF, Frame.GLOBAL_RELATIVE_ALT, altitude_m=30.0)]
    for east, north in ((375, 0), (375, 375), (0, 375), (0, 0)):
        items.append(
            MissionItem(
                Cmd.NAV_WAYPOINT,
                Frame.GLOBAL_RELATIVE_ALT,
                latitude_deg=SITL_HOME.latitude_deg + north * _D_LAT,
                longitude_deg=SITL_HOME.longitude_deg + east * _D_LON,
                altitude_m=30.0,
            )
        )
    items.append(MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION))
    return Mission(SITL_HOME, tuple(items), cruise_speed_mps=8.0)
