"""QGC .plan (JSON): mission (simple items; complex via generated items), geofence, rally.

Read as QGroundControl and MAVSDK read it: plan version 1, mission version 2, geoFence and
rallyPoints version 2, fence polygons and circles version 1; DO_JUMP targets are doJumpIds;
an item's AltitudeMode must agree with its frame. Values a MISSION_ITEM_INT cannot carry, fences
that are not polygons and rally points that are not places are refused with the field named."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import shapely
from shapely.geometry import Polygon

from missions.commands import MAX_FENCE_RADIUS_M, command_info
from missions.files.errors import PlanFileError
from missions.items import Cmd, Fence, FenceCircle, FencePolygon, Mission, MissionItem, Position
from missions.jsontext import parse_json, shown

FIRMWARE_ARDUPILOT = 3
VEHICLE_QUADROTOR = 2
PLAN_VERSION, MISSION_VERSION, FENCE_VERSION, RALLY_VERSION, SHAPE_VERSION = 1, 2, 2, 2, 1
COMPLEX_TYPES = {"survey": 5, "CorridorScan": None, "StructureScan": None}
"""Complex item types QGroundControl writes, with the newest version read (None: any)."""
# QGroundControl's AltitudeMode: 1 relative, 2 absolute (AMSL), 3 absolute computed from terrain
# data, 4 terrain frame; the frames each mode is flown in.
ALTITUDE_MODE_FRAMES = {1: (3, 6), 2: (0, 5), 3: (0, 5), 4: (10, 11)}
_FRAME_MODES = {3: 1, 6: 1, 0: 2, 5: 2, 10: 4, 11: 4}


def write_qgc_plan(mission: Mission) -> str:
    """The mission as QGC .plan JSON for ArduPilot copters (each item keeps its altitude mode)."""
    items = [_simple_item(item, seq) for seq, item in enumerate(mission.items, start=1)]
    home = mission.home
    document = {
        "fileType": "Plan",
        "version": PLAN_VERSION,
        "groundStation": "EcoPatrol",
        "mission": {
            "version": MISSION_VERSION,
            "firmwareType": FIRMWARE_ARDUPILOT,
            "vehicleType": VEHICLE_QUADROTOR,
            "cruiseSpeed": mission.cruise_speed_mps,
            "hoverSpeed": mission.hover_speed_mps,
            "plannedHomePosition": [home.latitude_deg, home.longitude_deg, home.altitude_m],
            "items": items,
        },
        "geoFence": {
            "version": FENCE_VERSION,
            "polygons": [
                {
                    "inclusion": p.inclusion,
                    "polygon": [[lat, lon] for lat, lon in p.vertices],
                    "version": SHAPE_VERSION,
                }
                for p in mission.fence.polygons
            ],
            "circles": [
                {
                    "circle": {"center": [c.latitude_deg, c.longitude_deg], "radius": c.radius_m},
                    "inclusion": c.inclusion,
                    "version": SHAPE_VERSION,
                }
                for c in mission.fence.circles
            ],
        },
        "rallyPoints": {
            "version": RALLY_VERSION,
            "points": [[r.latitude_deg, r.longitude_deg, r.altitude_m] for r in mission.rally],
        },
    }
    return json.dumps(document, indent=4, allow_nan=False) + "\n"


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _simple_item(item: MissionItem, seq: int) -> dict[str, Any]:
    params = [
        item.param1,
        item.param2,
        item.param3,
        item.param4,
        item.latitude_deg,
        item.longitude_deg,
        item.altitude_m,
    ]
    written: dict[str, Any] = {
        "type": "SimpleItem",
        "command": int(item.command),
        "frame": int(item.frame),
        "params": [_json_number(p) for p in params],
        "autoContinue": item.autocontinue,
        "doJumpId": seq,
    }
    info = command_info(item.command)
    mode = _FRAME_MODES.get(int(item.frame))
    if info is not None and info.located and mode is not None:
        written["Altitude"] = _json_number(item.altitude_m)
        written["AltitudeMode"] = mode
        written["AMSLAltAboveTerrain"] = None
    return written


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, field: str, message: str) -> PlanFileError:
        return PlanFileError(self.path, message, field=field)

    def get(
        self, obj: Any, key: str, where: str, kind: type | tuple[type, ...], default: Any = ...
    ) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(where, "expected a JSON object")
        name = f"{where}.{key}" if where else key
        if key not in obj:
            if default is ...:
                raise self.fail(name, "missing")
            return default
        value = obj[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kind):
            raise self.fail(name, f"expected {_name(kind)}, got {shown(value)}")
        return value

    def number(self, value: Any, where: str, allow_null: bool = False) -> float:
        """A finite number (null as NaN when allowed)."""
        if value is None and allow_null:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {shown(value)}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(where, f"expected a finite number, got {shown(value)}")
        return number

    def whole(self, value: Any, where: str, low: int, high: int, what: str) -> int:
        """An integer in [low, high] (a JSON number with no fraction)."""
        number = self.number(value, where)
        if number != int(number) or not low <= number <= high:
            raise self.fail(where, f"{shown(value)} is not {what} (an integer {low} to {high})")
        return int(number)

    def version(self, obj: dict, where: str, expected: int) -> None:
        """The object's `version`, which must be the one QGroundControl and MAVSDK read."""
        version = self.get(obj, "version", where, (int, float))
        if version != expected:
            raise self.fail(
                f"{where}.version" if where else "version",
                f"version {shown(version)} is not supported (QGroundControl and MAVSDK read "
                f"version {expected})",
            )

    def latlon(self, value: Any, where: str, size: int = 2) -> list[float]:
        if not isinstance(value, list) or len(value) < size:
            raise self.fail(
                where, f"expected [latitude, longitude{', altitude' if size == 3 else ''}]"
            )
        numbers = [self.number(v, f"{where}[{k}]") for k, v in enumerate(value[:size])]
        if not (abs(numbers[0]) <= 90 and abs(numbers[1]) <= 180):
            raise self.fail(where, f"latitude {numbers[0]}, longitude {numbers[1]} out of range")
        return numbers


def _name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "an integer",
        float: "a number",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def read_qgc_plan(text: str, path: str = "<plan>", warnings: list[str] | None = None) -> Mission:
    """Parse QGC .plan JSON; complex items must carry their generated items."""
    r = _Reader(path)
    try:
        document = parse_json(text)
    except ValueError as exc:
        raise PlanFileError(path, str(exc)) from exc
    if not isinstance(document, dict) or document.get("fileType") != "Plan":
        raise r.fail("fileType", 'not a QGC plan (fileType must be "Plan")')
    r.version(document, "", PLAN_VERSION)
    mission = r.get(document, "mission", "", dict)
    r.version(mission, "mission", MISSION_VERSION)
    firmware = r.get(mission, "firmwareType", "mission", (int, float))
    vehicle = mission.get("vehicleType", VEHICLE_QUADROTOR)
    if warnings is not None and firmware != FIRMWARE_ARDUPILOT:
        warnings.append(
            f"{path}: planned for firmwareType {shown(firmware)}, not ArduPilot (3): "
            "some items may mean something else to ArduCopter"
        )
    if warnings is not None and vehicle != VEHICLE_QUADROTOR:
        warnings.append(f"{path}: planned for vehicleType {shown(vehicle)}, not a multirotor (2)")
    home_raw = r.get(mission, "plannedHomePosition", "mission", list)
    lat, lon, alt = r.latlon(home_raw, "mission.plannedHomePosition", size=3)
    raw_items = r.get(mission, "items", "mission", list)
    items: list[MissionItem] = []
    jump_ids: dict[int, int] = {}
    for i, raw in enumerate(raw_items):
        where = f"mission.items[{i}]"
        kind = r.get(raw, "type", where, str)
        if kind == "SimpleItem":
            _read_into(r, raw, where, items, jump_ids)
        elif kind == "ComplexItem":
            _read_complex(r, raw, where, items, jump_ids)
        else:
            raise r.fail(
                f"{where}.type", f"unknown item type {shown(kind)} (SimpleItem or ComplexItem)"
            )
    items = _jumps_by_seq(r, items, jump_ids)
    speeds = []
    for key, default in (("cruiseSpeed", 10.0), ("hoverSpeed", 5.0)):
        value = r.number(r.get(mission, key, "mission", (int, float), default), f"mission.{key}")
        if not value > 0:
            raise r.fail(f"mission.{key}", f"must be a positive speed (m/s), got {value:g}")
        speeds.append(value)
    return Mission(
        home=Position(lat, lon, alt),
        items=tuple(items),
        fence=_read_fence(r, document),
        rally=_read_rally(r, document),
        cruise_speed_mps=speeds[0],
        hover_speed_mps=speeds[1],
    )


def _read_into(
    r: _Reader, raw: dict, where: str, items: list[MissionItem], jump_ids: dict[int, int]
) -> None:
    item = _read_simple(r, raw, where)
    if "doJumpId" in raw:
        jump_id = r.whole(raw["doJumpId"], f"{where}.doJumpId", 0, 2**31 - 1, "a doJumpId")
        jump_ids.setdefault(jump_id, len(items) + 1)
    items.append(item)


def _read_simple(r: _Reader, raw: dict, where: str) -> MissionItem:
    command = r.whole(
        r.get(raw, "command", where, (int, float)),
        f"{where}.command",
        0,
        65535,
        "a MAVLink command",
    )
    frame = r.whole(
        r.get(raw, "frame", where, (int, float)), f"{where}.frame", 0, 255, "a MAVLink frame"
    )
    params = r.get(raw, "params", where, list)
    if len(params) != 7:
        raise r.fail(
            f"{where}.params", f"expected 7 values (p1-p4, lat, lon, alt), got {len(params)}"
        )
    values = [r.number(p, f"{where}.params[{k}]", allow_null=True) for k, p in enumerate(params)]
    autocontinue = r.get(raw, "autoContinue", where, bool, True)
    _check_altitude_mode(r, raw, where, frame, values[6])
    return MissionItem(command, frame, *values, autocontinue=autocontinue)


def _check_altitude_mode(r: _Reader, raw: dict, where: str, frame: int, altitude: float) -> None:
    """QGroundControl flies an item by its AltitudeMode: it must agree with the frame."""
    if "AltitudeMode" not in raw or frame not in _FRAME_MODES:
        return
    mode = r.whole(raw["AltitudeMode"], f"{where}.AltitudeMode", 0, 5, "an altitude mode")
    frames = ALTITUDE_MODE_FRAMES.get(mode)
    if frames is None or frame not in frames:
        raise r.fail(
            f"{where}.AltitudeMode",
            f"AltitudeMode {mode} disagrees with frame {frame}: QGroundControl would fly the "
            "altitude in another reference",
        )
    shown_alt = raw.get("Altitude")
    if mode != 3 and shown_alt is not None and not math.isnan(altitude):
        value = r.number(shown_alt, f"{where}.Altitude")
        if abs(value - altitude) > 0.01:
            raise r.fail(
                f"{where}.Altitude",
                f"Altitude {value:g} m disagrees with params[6] {altitude:g} m",
            )


def _read_complex(
    r: _Reader, raw: dict, where: str, items: list[MissionItem], jump_ids: dict[int, int]
) -> None:
    kind = r.get(raw, "complexItemType", where, str)
    if kind not in COMPLEX_TYPES:
        known = ", ".join(COMPLEX_TYPES)
        raise r.fail(f"{where}.complexItemType", f"unknown complex item {shown(kind)} ({known})")
    version = r.get(raw, "version", where, (int, float))
    newest = COMPLEX_TYPES[kind]
    if newest is not None and version > newest:
        raise r.fail(
            f"{where}.version", f"{kind} version {shown(version)} is newer than the {newest} read"
        )
    generated = None
    transect = raw.get("TransectStyleComplexItem")
    if isinstance(transect, dict):
        generated = transect.get("Items")
    if generated is None:
        generated = raw.get("Items")
    if not isinstance(generated, list) or not generated:
        raise r.fail(
            where,
            f"complex item {kind!r} carries no generated items; open and re-save it in "
            "QGroundControl (which stores them) or convert it to waypoints",
        )
    for k, sub in enumerate(generated):
        sub_where = f"{where}.TransectStyleComplexItem.Items[{k}]"
        if r.get(sub, "type", sub_where, str) != "SimpleItem":
            raise r.fail(f"{sub_where}.type", "generated items must be SimpleItem")
        _read_into(r, sub, sub_where, items, jump_ids)


def _jumps_by_seq(
    r: _Reader, items: list[MissionItem], jump_ids: dict[int, int]
) -> list[MissionItem]:
    """DO_JUMP targets from doJumpIds (as QGroundControl sends them) to mission seq numbers."""
    if not jump_ids:
        return items
    out = []
    for index, item in enumerate(items):
        if item.command == Cmd.DO_JUMP:
            target = item.param1
            seq = (
                jump_ids.get(int(target))
                if math.isfinite(target) and target == int(target)
                else None
            )
            if seq is None:
                raise r.fail(
                    f"mission item {index + 1} (DO_JUMP).params[0]",
                    f"jumps to doJumpId {target:g}, which no item of the plan has",
                )
            item = replace(item, param1=float(seq))
        out.append(item)
    return out


def _read_fence(r: _Reader, document: dict) -> Fence:
    fence = r.get(document, "geoFence", "", dict, {})
    if not fence:
        return Fence()
    r.version(fence, "geoFence", FENCE_VERSION)
    polygons: list[FencePolygon] = []
    for i, raw in enumerate(r.get(fence, "polygons", "geoFence", list, [])):
        where = f"geoFence.polygons[{i}]"
        r.version(raw, where, SHAPE_VERSION)
        ring = r.get(raw, "polygon", where, list)
        if len(ring) < 3:
            raise r.fail(f"{where}.polygon", f"a fence polygon needs 3+ vertices, got {len(ring)}")
        vertices = tuple(tuple(r.latlon(v, f"{where}.polygon[{k}]")) for k, v in enumerate(ring))
        shape = Polygon([(lon, lat) for lat, lon in vertices])
        if not shape.is_valid:
            raise r.fail(
                f"{where}.polygon", f"not a valid polygon: {shapely.is_valid_reason(shape)}"
            )
        inclusion = r.get(raw, "inclusion", where, bool)
        polygons.append(FencePolygon(vertices, inclusion))  # type: ignore[arg-type]
    circles: list[FenceCircle] = []
    for i, raw in enumerate(r.get(fence, "circles", "geoFence", list, [])):
        where = f"geoFence.circles[{i}]"
        r.version(raw, where, SHAPE_VERSION)
        circle = r.get(raw, "circle", where, dict)
        clat, clon = r.latlon(
            r.get(circle, "center", f"{where}.circle", list), f"{where}.circle.center"
        )
        radius = r.number(
            r.get(circle, "radius", f"{where}.circle", (int, float)), f"{where}.circle.radius"
        )
        if not 0 < radius <= MAX_FENCE_RADIUS_M:
            raise r.fail(
                f"{where}.circle.radius",
                f"must be positive and at most {MAX_FENCE_RADIUS_M:g} m, got {radius:g}",
            )
        circles.append(FenceCircle(clat, clon, radius, r.get(raw, "inclusion", where, bool)))
    return Fence(tuple(polygons), tuple(circles))


def _read_rally(r: _Reader, document: dict) -> tuple[Position, ...]:
    rally = r.get(document, "rallyPoints", "", dict, {})
    if not rally:
        return ()
    r.version(rally, "rallyPoints", RALLY_VERSION)
    points = r.get(rally, "points", "rallyPoints", list, [])
    return tuple(
        Position(*r.latlon(p, f"rallyPoints.points[{k}]", size=3)) for k, p in enumerate(points)
    )
