"""A mission with every part the files carry."""

from missions.items import (
    Cmd,
    Fence,
    FenceCircle,
    FencePolygon,
    Frame,
    Mission,
    MissionItem,
    Position,
)


def sample_mission() -> Mission:
    """Takeoff, speed, trigger, awkward floats, RTL; fence polygons and circles; rally."""
    items = (
        MissionItem(
            Cmd.NAV_TAKEOFF,
            Frame.GLOBAL_RELATIVE_ALT,
            latitude_deg=36.6425,
            longitude_deg=116.9275,
            altitude_m=60.0,
        ),
        MissionItem(Cmd.DO_CHANGE_SPEED, Frame.MISSION, param1=1.0, param2=8.0, param3=-1.0),
        MissionItem(
            Cmd.NAV_WAYPOINT,
            Frame.GLOBAL_RELATIVE_ALT,
            latitude_deg=36.64800040986942,
            longitude_deg=116.94589500903233,
            altitude_m=60.0,
        ),
        MissionItem(Cmd.DO_SET_CAM_TRIGG_DIST, Frame.MISSION, param1=12.5, param3=1.0),
        MissionItem(
            Cmd.NAV_WAYPOINT,
            Frame.GLOBAL_RELATIVE_ALT,
            param1=0.1,
            latitude_deg=36.6483,
            longitude_deg=116.9401,
            altitude_m=59.99999999,
            autocontinue=False,
        ),
        MissionItem(
            Cmd.NAV_LOITER_TIME,
            Frame.GLOBAL_RELATIVE_ALT,
            param1=30.0,
            latitude_deg=36.649,
            longitude_deg=116.941,
            altitude_m=45.5,
        ),
        MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION),
    )
    fence = Fence(
        polygons=(
            FencePolygon(
                ((36.63, 116.90), (36.63, 116.965), (36.675, 116.965), (36.675, 116.90)), True
            ),
            FencePolygon(((36.6455, 116.926), (36.6455, 116.93), (36.6485, 116.93)), False),
        ),
        circles=(FenceCircle(36.66, 116.95, 150.0, False),),
    )
    return Mission(
        Position(36.6425, 116.9275, 31.2),
        items,
        fence,
        (Position(36.644, 116.928, 40.0),),
        cruise_speed_mps=8.0,
        hover_speed_mps=4.0,
    )
