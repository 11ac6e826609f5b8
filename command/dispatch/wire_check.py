"""Does a mission fit MAVLink's mission items? Checked before anything is sent: an id that is
not a uint16, a NaN position, a param beyond float32 would otherwise fail half-way through an
upload (or be wrapped silently by the encoder)."""

from __future__ import annotations

import math
import struct

from command.link import FENCE, MISSION, RALLY, WireItem
from command.link.mission_wire import fence_items, mission_items, rally_items
from missions.items import Mission

UINT8, UINT16, INT32 = (0, 255), (0, 65_535), (-(2**31), 2**31 - 1)
FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
LIST_NAMES = {MISSION: "mission", FENCE: "fence", RALLY: "rally"}


def wire_problems(mission: Mission) -> list[str]:
    """What keeps the mission, fence or rally list from being sent as MISSION_ITEM_INTs."""
    problems: list[str] = []
    for kind, encode in (
        (MISSION, lambda: mission_items(mission)),
        (FENCE, lambda: fence_items(mission.fence)),
        (RALLY, lambda: rally_items(mission.rally)),
    ):
        try:
            items = encode()
        except (ValueError, OverflowError, TypeError) as error:  # NaN/inf positions, non-numbers
            problems.append(f"{LIST_NAMES[kind]}: cannot be encoded ({error})")
            continue
        for item in items:
            problems += _item_problems(kind, item)
    return problems


def _item_problems(kind: int, item: WireItem) -> list[str]:
    where = "home" if kind == MISSION and item.seq == 0 else f"item {item.seq}"
    where = f"{LIST_NAMES[kind]} {where}" if kind != MISSION else where
    found = []
    for name, value, (low, high) in (
        ("command", item.command, UINT16),
        ("frame", item.frame, UINT8),
        ("latitude", item.x, INT32),
        ("longitude", item.y, INT32),
        ("autocontinue", item.autocontinue, (0, 1)),
    ):
        if not isinstance(value, int) or not low <= value <= high:
            found.append(f"{where}: {name} {_short(value)} is outside MAVLink's {low}..{high}")
    for name, value in (
        ("param1", item.param1),
        ("param2", item.param2),
        ("param3", item.param3),
        ("param4", item.param4),
        ("altitude", item.z),
    ):
        if not isinstance(value, int | float) or math.isinf(value) or abs(value) > FLOAT32_MAX:
            found.append(f"{where}: {name} {_short(value)} is not a float32 value")
        elif name == "altitude" and math.isnan(value):
            found.append(f"{where}: altitude is not a number")
    return found


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}…({len(text)} characters)"
