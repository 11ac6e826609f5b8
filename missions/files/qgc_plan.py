"""QGC .plan (JSON): mission (simple items; complex via generated items), geofence, rally."""

from __future__ import annotations

import json
import math
from typing import Any

from missions.files.errors import PlanFileError
from missions.items import Fence, FenceCircle, FencePolygon, Mission, MissionItem, Position

FIRMWARE_ARDUPILOT = 3
VEHICLE_QUADROTOR = 2


def write_qgc_plan(mission: Mission) -> str:
    """The mission as QGC .plan JSON for ArduPilot copters."""
    items = [_simple_item(item, seq) for seq, item in enumerate(mission.items, start=1)]
    home = mission.home
    document = {
        "fileType": "Plan",
        "version": 1,
        "groundStation": "EcoPatrol",
        "mission": {
            "version": 2,
            "firmwareType": FIRMWARE_ARDUPILOT,
            "vehicleType": VEHICLE_QUADROTOR,
            "cruiseSpeed": mission.cruise_speed_mps,
            "hoverSpeed": mission.hover_speed_mps,
            "plannedHomePosition": [home.latitude_deg, home.longitude_deg, home.altitude_m],
            "items": items,
        },
        "geoFence": {
            "version": 2,
            "polygons": [
                {
                    "inclusion": p.inclusion,
                    "polygon": [[lat, lon] for lat, lon in p.vertices],
                    "version": 1,
                }
                for p in mission.fence.polygons
            ],
            "circles": [
                {
                    "circle": {"center": [c.latitude_deg, c.longitude_deg], "radius": c.radius_m},
                    "inclusion": c.inclusion,
                    "version": 1,
                }
                for c in mission.fence.circles
            ],
        },
        "rallyPoints": {
            "version": 2,
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
    return {
        "type": "SimpleItem",
        "command": int(item.command),
        "frame": int(item.frame),
        "params": [_json_number(p) for p in params],
        "autoContinue": item.autocontinue,
        "doJumpId": seq,
        "Altitude": _json_number(item.altitude_m),
        "AltitudeMode": 1,
        "AMSLAltAboveTerrain": None,
    }


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
        if key not in obj:
            if default is ...:
                raise self.fail(f"{where}.{key}" if where else key, "missing")
            return default
        value = obj[key]
        if (
            isinstance(value, bool)
            and kind is not bool
            and bool not in (kind if isinstance(kind, tuple) else ())
        ):
            raise self.fail(
                f"{where}.{key}" if where else key, f"expected {_name(kind)}, got {value!r}"
            )
        if not isinstance(value, kind):
            raise self.fail(
                f"{where}.{key}" if where else key, f"expected {_name(kind)}, got {value!r}"
            )
        return value

    def number(self, value: Any, where: str, allow_null: bool = False) -> float:
        if value is None and allow_null:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {value!r}")
        return float(value)

    def latlon(self, value: Any, where: str, size: int = 2) -> list[float]:
        if not isinstance(value, list) or len(value) < size:
            raise self.fail(
                where, f"expected [latitude, longitude{', altitude' if size == 3 else ''}]"
            )
        return [self.number(v, f"{where}[{k}]") for k, v in enumerate(value[:size])]


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


def read_qgc_plan(text: str, path: str = "<plan>") -> Mission:
    """Parse QGC .plan JSON; complex items must carry their generated items."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            path, f"not JSON: {exc.msg} (column {exc.colno})", line=exc.lineno
        ) from exc
    r = _Reader(path)
    if not isinstance(document, dict) or document.get("fileType") != "Plan":
        raise r.fail("fileType", 'not a QGC plan (fileType must be "Plan")')
    mission = r.get(document, "mission", "", dict)
    home_raw = r.get(mission, "plannedHomePosition", "mission", list)
    lat, lon, alt = r.latlon(home_raw, "mission.plannedHomePosition", size=3)
    raw_items = r.get(mission, "items", "mission", list)
    items: list[MissionItem] = []
    for i, raw in enumerate(raw_items):
        where = f"mission.items[{i}]"
        kind = r.get(raw, "type", where, str)
        if kind == "SimpleItem":
            items.append(_read_simple(r, raw, where))
        elif kind == "ComplexItem":
            items.extend(_read_complex(r, raw, where))
        else:
            raise r.fail(f"{where}.type", f"unknown item type {kind!r} (SimpleItem or ComplexItem)")
    cruise = r.number(
        r.get(mission, "cruiseSpeed", "mission", (int, float), 10.0), "mission.cruiseSpeed"
    )
    hover = r.number(
        r.get(mission, "hoverSpeed", "mission", (int, float), 5.0), "mission.hoverSpeed"
    )
    return Mission(
        home=Position(lat, lon, alt),
        items=tuple(items),
        fence=_read_fence(r, document),
        rally=_read_rally(r, document),
        cruise_speed_mps=cruise,
        hover_speed_mps=hover,
    )


def _read_simple(r: _Reader, raw: dict, where: str) -> MissionItem:
    command = r.get(raw, "command", where, int)
    frame = r.get(raw, "frame", where, int)
    params = r.get(raw, "params", where, list)
    if len(params) != 7:
        raise r.fail(
            f"{where}.params", f"expected 7 values (p1-p4, lat, lon, alt), got {len(params)}"
        )
    values = [r.number(p, f"{where}.params[{k}]", allow_null=True) for k, p in enumerate(params)]
    autocontinue = r.get(raw, "autoContinue", where, bool, True)
    return MissionItem(command, frame, *values, autocontinue=autocontinue)


def _read_complex(r: _Reader, raw: dict, where: str) -> list[MissionItem]:
    kind = r.get(raw, "complexItemType", where, str)
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
    items: list[MissionItem] = []
    for k, sub in enumerate(generated):
        sub_where = f"{where}.TransectStyleComplexItem.Items[{k}]"
        if r.get(sub, "type", sub_where, str) != "SimpleItem":
            raise r.fail(f"{sub_where}.type", "generated items must be SimpleItem")
        items.append(_read_simple(r, sub, sub_where))
    return items


def _read_fence(r: _Reader, document: dict) -> Fence:
    fence = r.get(document, "geoFence", "", dict, {})
    polygons: list[FencePolygon] = []
    for i, raw in enumerate(r.get(fence, "polygons", "geoFence", list, [])):
        where = f"geoFence.polygons[{i}]"
        ring = r.get(raw, "polygon", where, list)
        if len(ring) < 3:
            raise r.fail(f"{where}.polygon", f"a fence polygon needs 3+ vertices, got {len(ring)}")
        vertices = tuple(tuple(r.latlon(v, f"{where}.polygon[{k}]")) for k, v in enumerate(ring))
        polygons.append(FencePolygon(vertices, r.get(raw, "inclusion", where, bool, True)))  # type: ignore[arg-type]
    circles: list[FenceCircle] = []
    for i, raw in enumerate(r.get(fence, "circles", "geoFence", list, [])):
        where = f"geoFence.circles[{i}]"
        circle = r.get(raw, "circle", where, dict)
        clat, clon = r.latlon(
            r.get(circle, "center", f"{where}.circle", list), f"{where}.circle.center"
        )
        radius = r.number(
            r.get(circle, "radius", f"{where}.circle", (int, float)), f"{where}.circle.radius"
        )
        if not radius > 0:
            raise r.fail(f"{where}.circle.radius", f"must be positive, got {radius}")
        circles.append(FenceCircle(clat, clon, radius, r.get(raw, "inclusion", where, bool, True)))
    return Fence(tuple(polygons), tuple(circles))


def _read_rally(r: _Reader, document: dict) -> tuple[Position, ...]:
    rally = r.get(document, "rallyPoints", "", dict, {})
    points = r.get(rally, "points", "rallyPoints", list, [])
    return tuple(
        Position(*r.latlon(p, f"rallyPoints.points[{k}]", size=3)) for k, p in enumerate(points)
    )
