"""What is left of a mission cut short, and the mission that flies it from any home.

`remaining_work` takes the interrupted mission, its survey lanes (`lane_spans` of the planned
zone; none for patterns without lanes) and the last item the vehicle reached: the rest starts at
the first lane whose end was not reached — a lane cut half-way is flown again whole, so nothing
goes unseen — or, without lanes, at the navigation item the vehicle was flying to. The state
items in force there (speed, camera trigger distance, camera and mount settings, image capture,
region of interest) are kept with it. `resume_mission` flies that rest from a home: take-off,
the speed, a transit around the no-fly zones, the first item with the camera state re-issued
when it is reached (so no pictures are taken on the way), the rest, a transit back, RTL.

Item indices here are positions in `Mission.items`; the vehicle numbers them one higher (its
item 0 is home). Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from missions.estimate import relative_altitude_m
from missions.geo import LocalFrame
from missions.items import Cmd, Frame, Mission, MissionItem, Position
from missions.planner import PlannedMission, fence_of
from missions.routing import Point2, path_length
from missions.transit import TransitPlanner
from missions.zones import Zone, ZoneKind

LANE_MATCH_M = 0.05
"""A lane end and a waypoint closer than this are the same point (metres)."""
ENDS_FLIGHT = frozenset({Cmd.NAV_RETURN_TO_LAUNCH, Cmd.NAV_LAND})
NAV_LAST = 95
"""MAV_CMD ids below this are navigation commands (MAV_CMD_NAV_LAST)."""
DO_SET_ROI_LOCATION, DO_SET_ROI_WPNEXT_OFFSET, DO_SET_ROI_NONE = 195, 196, 197
DO_DIGICAM_CONFIGURE, DO_MOUNT_CONTROL = 202, 205
IMAGE_START_CAPTURE, IMAGE_STOP_CAPTURE = 2000, 2001
STATE_GROUPS: dict[int, str] = {
    Cmd.DO_CHANGE_SPEED: "speed",
    Cmd.DO_SET_CAM_TRIGG_DIST: "trigger",
    DO_DIGICAM_CONFIGURE: "camera",
    DO_MOUNT_CONTROL: "mount",
    IMAGE_START_CAPTURE: "capture",
    IMAGE_STOP_CAPTURE: "capture",
    Cmd.DO_SET_ROI: "roi",
    DO_SET_ROI_LOCATION: "roi",
    DO_SET_ROI_WPNEXT_OFFSET: "roi",
    DO_SET_ROI_NONE: "roi",
}
"""DO commands whose effect lasts, grouped by what they set (the latest of a group holds)."""


@dataclass(frozen=True)
class LaneSpan:
    """One survey lane as mission items: the waypoints it starts and ends at (item indices)."""

    start_index: int
    end_index: int


@dataclass(frozen=True)
class RemainingWork:
    """The rest of a mission: its items from where the work resumes to where it ends (before
    the way home), the state items in force there, where it starts in the interrupted mission,
    the lanes (first one left, how many left, of how many), its flight length (m) and speed."""

    items: tuple[MissionItem, ...]
    state: tuple[MissionItem, ...]
    from_index: int
    first_lane: int | None
    lanes_left: int
    lanes_total: int
    length_m: float
    speed_mps: float

    @property
    def work_s(self) -> float:
        """Time on task left at the mission's speed (s)."""
        return self.length_m / self.speed_mps if self.speed_mps > 0 else math.inf

    def detail(self) -> dict[str, Any]:
        """JSON-ready form (for a queued task's detail); `from_detail` reads it back."""
        return {
            "items": [_item_record(i) for i in self.items],
            "state": [_item_record(i) for i in self.state],
            "from_index": self.from_index,
            "first_lane": self.first_lane,
            "lanes_left": self.lanes_left,
            "lanes_total": self.lanes_total,
            "length_m": self.length_m,
            "speed_mps": self.speed_mps,
        }

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> RemainingWork:
        """The rest stored by `detail()`; ValueError naming the field that is wrong."""
        try:
            items = tuple(_item(r, f"items[{k}]") for k, r in enumerate(detail["items"]))
            state = tuple(_item(r, f"state[{k}]") for k, r in enumerate(detail["state"]))
            first = detail["first_lane"]
            work = cls(
                items=items,
                state=state,
                from_index=int(detail["from_index"]),
                first_lane=None if first is None else int(first),
                lanes_left=int(detail["lanes_left"]),
                lanes_total=int(detail["lanes_total"]),
                length_m=float(detail["length_m"]),
                speed_mps=float(detail["speed_mps"]),
            )
        except KeyError as missing:
            raise ValueError(f"remaining work: {missing.args[0]} is missing") from None
        except (TypeError, ValueError) as bad:
            raise ValueError(f"remaining work: {bad}") from None
        if not any(i.is_nav for i in items):
            raise ValueError("remaining work: items hold no navigation item")
        return work


def _item_record(item: MissionItem) -> dict[str, Any]:
    record = asdict(item)
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}


def _item(record: Any, where: str) -> MissionItem:
    if not isinstance(record, Mapping):
        raise ValueError(f"{where} is not an object")
    values = {k: (math.nan if v is None else v) for k, v in record.items()}
    try:
        item = MissionItem(**values)
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from None
    for name in ("param1", "param2", "param3", "param4", "latitude_deg", "longitude_deg"):
        if not isinstance(getattr(item, name), int | float):
            raise ValueError(f"{where}.{name} is not a number")
    return item


def lane_spans(planned: PlannedMission) -> tuple[LaneSpan, ...]:
    """The survey lanes of a planned zone as item indices (none for a pattern without lanes)."""
    survey = planned.survey
    if survey is None or not survey.lanes:
        return ()
    items = planned.mission.items
    nav = [i for i, item in enumerate(items) if item.command == Cmd.NAV_WAYPOINT]
    lons = np.asarray([items[i].longitude_deg for i in nav])
    lats = np.asarray([items[i].latitude_deg for i in nav])
    xs, ys = planned.frame.to_xy_many(lons, lats)
    spans: list[LaneSpan] = []
    k = 0
    for number, (start, end) in enumerate(survey.lanes):
        while k < len(nav) and math.dist((xs[k], ys[k]), start) > LANE_MATCH_M:
            k += 1
        if k + 1 >= len(nav) or math.dist((xs[k + 1], ys[k + 1]), end) > LANE_MATCH_M:
            raise ValueError(f"zone {planned.zone!r}: lane {number} is not among the waypoints")
        spans.append(LaneSpan(nav[k], nav[k + 1]))
        k += 1
    return tuple(spans)


def state_at(items: Sequence[MissionItem], index: int) -> tuple[MissionItem, ...]:
    """The lasting DO items in force when item `index` starts: the latest of each group before
    it (a speed per speed type), in mission order."""
    latest: dict[tuple[str, float], tuple[int, MissionItem]] = {}
    for k, item in enumerate(items[:index]):
        group = STATE_GROUPS.get(item.command)
        if group is not None:
            key = (group, item.param1 if group == "speed" else 0.0)
            latest[key] = (k, item)
    return tuple(item for _, item in sorted(latest.values(), key=lambda pair: pair[0]))


def remaining_work(
    mission: Mission, lanes: Sequence[LaneSpan], last_reached_index: int | None
) -> RemainingWork | None:
    """The rest of `mission` once the vehicle reached item `last_reached_index` (None: nothing
    yet); None when no work is left. Only reported items count: a lane is flown once its end
    was reached, so a report lost on the way makes a lane flown twice, never one left out."""
    items = mission.items
    reached = -1 if last_reached_index is None else last_reached_index
    flown = 0
    if lanes:
        while flown < len(lanes) and lanes[flown].end_index <= reached:
            flown += 1
        if flown == len(lanes):
            return None
        start, end = lanes[flown].start_index, lanes[-1].end_index
        first_lane: int | None = flown
    else:
        work = [
            i for i, item in enumerate(items) if item.is_nav and item.command not in ENDS_FLIGHT
        ]
        work = [i for i in work if items[i].command != Cmd.NAV_TAKEOFF]
        left = [i for i in work if i > reached]
        if not left:
            return None
        start, end, first_lane = left[0], work[-1], None
    while end + 1 < len(items) and not _navigates(items[end + 1]):
        end += 1  # the DO items after the last one run as it is reached (the camera stops)
    rest = items[start : end + 1]
    frame = LocalFrame.around(mission.home.latitude_deg, mission.home.longitude_deg)
    return RemainingWork(
        items=tuple(rest),
        state=state_at(items, start),
        from_index=start,
        first_lane=first_lane,
        lanes_left=len(lanes) - flown,
        lanes_total=len(lanes),
        length_m=path_length(_xy(rest, frame)),
        speed_mps=_speed(items, start, mission.cruise_speed_mps),
    )


def _navigates(item: MissionItem) -> bool:
    """A navigation command (MAV_CMD below MAV_CMD_NAV_LAST), with a position or not (RTL)."""
    return item.command < NAV_LAST


def _speed(items: Sequence[MissionItem], index: int, cruise_mps: float) -> float:
    """The ground speed in force at item `index` (the latest DO_CHANGE_SPEED, else cruise)."""
    for item in reversed(state_at(items, index)):
        if item.command == Cmd.DO_CHANGE_SPEED and item.param2 > 0:
            return float(item.param2)
    return cruise_mps


def _xy(items: Sequence[MissionItem], frame: LocalFrame) -> list[Point2]:
    nav = [i for i in items if i.is_nav and (i.latitude_deg or i.longitude_deg)]
    return [frame.to_xy(i.longitude_deg, i.latitude_deg) for i in nav]


def resume_mission(
    work: RemainingWork,
    home: Position,
    zones: Sequence[Zone] = (),
    clearance_m: float = 20.0,
) -> Mission:
    """The mission that flies `work` from `home`: take-off, speed, transit routed around the
    no-fly zones among `zones`, the first item, the camera and ROI state re-issued there, the
    rest, a transit back and RTL. TransitError when no transit exists."""
    frame = LocalFrame.around(home.latitude_deg, home.longitude_deg)
    transit = TransitPlanner(
        [frame.project(z.geometry) for z in zones if z.kind is ZoneKind.NO_FLY], clearance_m
    )
    home_xy = frame.to_xy(home.longitude_deg, home.latitude_deg)
    nav = [i for i in work.items if i.is_nav]
    first, last = nav[0], nav[-1]
    first_alt = _height(first, home)
    speed = [i for i in work.state if i.command == Cmd.DO_CHANGE_SPEED]
    camera = [i for i in work.state if i.command != Cmd.DO_CHANGE_SPEED]
    out = [
        MissionItem(
            Cmd.NAV_TAKEOFF,
            Frame.GLOBAL_RELATIVE_ALT,
            latitude_deg=home.latitude_deg,
            longitude_deg=home.longitude_deg,
            altitude_m=first_alt,
        ),
        *speed,
    ]
    out += _transit(transit, frame, home_xy, _at(first, frame), first_alt)
    out.append(work.items[0])
    soon = _until_next_nav(work.items, 1)
    out += [i for i in camera if i.command not in {s.command for s in soon}]
    out += work.items[1:]
    out += _transit(transit, frame, _at(last, frame), home_xy, _height(last, home))
    out.append(MissionItem(Cmd.NAV_RETURN_TO_LAUNCH, Frame.MISSION))
    return Mission(
        home=home,
        items=tuple(out),
        fence=fence_of(zones),
        cruise_speed_mps=work.speed_mps,
    )


def _height(item: MissionItem, home: Position) -> float:
    height = relative_altitude_m(item, home.altitude_m)
    return height if math.isfinite(height) and height > 1.0 else 20.0


def _at(item: MissionItem, frame: LocalFrame) -> Point2:
    return frame.to_xy(item.longitude_deg, item.latitude_deg)


def _until_next_nav(items: Sequence[MissionItem], start: int) -> list[MissionItem]:
    out = []
    for item in items[start:]:
        if _navigates(item):
            break
        out.append(item)
    return out


def _transit(
    transit: TransitPlanner, frame: LocalFrame, a: Point2, b: Point2, altitude_m: float
) -> list[MissionItem]:
    """Waypoints between a and b (both excluded) around the no-fly zones, above home."""
    points = transit.route(a, b)[1:-1]
    out = []
    for x, y in points:
        lon, lat = frame.to_lonlat(x, y)
        out.append(
            MissionItem(
                Cmd.NAV_WAYPOINT,
                Frame.GLOBAL_RELATIVE_ALT,
                latitude_deg=lat,
                longitude_deg=lon,
                altitude_m=altitude_m,
            )
        )
    return out
