"""QGC WPL 110 text: header, then 12 tab-separated fields per row; row 0 is home; latitude in P5."""

from __future__ import annotations

import math

import numpy as np

from missions.files.errors import PlanFileError
from missions.items import Cmd, Frame, Mission, MissionItem, Position
from missions.jsontext import shown

HEADER = "QGC WPL 110"
FIELDS = (
    "INDEX",
    "CURRENT_WP",
    "COORD_FRAME",
    "COMMAND",
    "PARAM1",
    "PARAM2",
    "PARAM3",
    "PARAM4",
    "LATITUDE",
    "LONGITUDE",
    "ALTITUDE",
    "AUTOCONTINUE",
)
_INTEGER_FIELDS = frozenset({0, 1, 2, 3, 11})


def format_number(value: float) -> str:
    """Shortest exact decimal without exponent (Mission Planner and mavwp both read it)."""
    if math.isnan(value):
        return "NaN"
    return np.format_float_positional(float(value), trim="-")


def write_wpl(mission: Mission) -> str:
    """The mission as QGC WPL 110 text, home as row 0 (absolute altitude)."""
    home = mission.home
    rows = [
        HEADER,
        _row(
            0,
            True,
            MissionItem(
                Cmd.NAV_WAYPOINT,
                Frame.GLOBAL,
                latitude_deg=home.latitude_deg,
                longitude_deg=home.longitude_deg,
                altitude_m=home.altitude_m,
            ),
        ),
    ]
    rows.extend(_row(i + 1, False, item) for i, item in enumerate(mission.items))
    return "\n".join(rows) + "\n"


def _row(index: int, current: bool, item: MissionItem) -> str:
    values = [
        str(index),
        "1" if current else "0",
        str(int(item.frame)),
        str(int(item.command)),
        *(
            format_number(p)
            for p in (
                item.param1,
                item.param2,
                item.param3,
                item.param4,
                item.latitude_deg,
                item.longitude_deg,
                item.altitude_m,
            )
        ),
        "1" if item.autocontinue else "0",
    ]
    return "\t".join(values)


def read_wpl(text: str, path: str = "<wpl>", warnings: list[str] | None = None) -> Mission:
    """Parse QGC WPL 110 text as pymavlink's mavwp reads it: split on any whitespace, `#` lines
    skipped, rows renumbered in file order (an index gap or repeat is reported in `warnings`)."""
    lines = text.splitlines()
    header_at = next((n for n, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise PlanFileError(path, "empty file, expected a 'QGC WPL 110' header", line=1)
    header = lines[header_at].split()
    if header[:2] != ["QGC", "WPL"]:
        raise PlanFileError(
            path,
            f"expected header {HEADER!r}, got {shown(lines[header_at].strip()[:40])}",
            line=header_at + 1,
        )
    if header[2:] != ["110"]:
        raise PlanFileError(
            path,
            f"unsupported version {shown(' '.join(header[2:]))} (QGroundControl and MAVSDK "
            "read QGC WPL 110)",
            line=header_at + 1,
        )
    rows: list[tuple[int, list[float]]] = []
    renumbered: list[str] = []
    for n, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split()
        if len(fields) != len(FIELDS):
            raise PlanFileError(path, f"expected {len(FIELDS)} fields, got {len(fields)}", line=n)
        values = [_parse(path, n, k, text_value) for k, text_value in enumerate(fields)]
        if int(values[0]) != len(rows):
            renumbered.append(f"line {n}: index {int(values[0])} read as {len(rows)}")
        rows.append((n, values))
    if not rows:
        raise PlanFileError(path, "no home row (row 0)", line=len(lines) or 1)
    if renumbered and warnings is not None:
        warnings.append(
            f"{path}: rows renumbered in file order as pymavlink does "
            f"({len(renumbered)} out of sequence: {'; '.join(renumbered[:3])}"
            f"{' …' if len(renumbered) > 3 else ''})"
        )
    _, home_row = rows[0]
    home = Position(latitude_deg=home_row[8], longitude_deg=home_row[9], altitude_m=home_row[10])
    items = tuple(
        MissionItem(
            command=int(v[3]),
            frame=int(v[2]),
            param1=v[4],
            param2=v[5],
            param3=v[6],
            param4=v[7],
            latitude_deg=v[8],
            longitude_deg=v[9],
            altitude_m=v[10],
            autocontinue=bool(int(v[11])),
        )
        for _, v in rows[1:]
    )
    return Mission(home=home, items=items)


_INTEGER_RANGES = {0: 2**31 - 1, 1: 255, 2: 255, 3: 65535, 11: 255}
"""Largest value of each integer field (MAVLink: seq any, current/frame/autocontinue uint8,
command uint16)."""


def _parse(path: str, line: int, k: int, text: str) -> float:
    name = FIELDS[k]
    if k in _INTEGER_FIELDS:
        try:
            value = int(text)
        except ValueError:
            raise PlanFileError(
                path, f"expected an integer, got {shown(text)}", line=line, field=name
            ) from None
        if not 0 <= value <= _INTEGER_RANGES[k]:
            raise PlanFileError(
                path,
                f"{shown(value)} is out of range (0 to {_INTEGER_RANGES[k]})",
                line=line,
                field=name,
            )
        return float(value)
    try:
        value = float(text)
    except ValueError:
        raise PlanFileError(
            path, f"expected a number, got {shown(text)}", line=line, field=name
        ) from None
    if math.isinf(value):
        raise PlanFileError(
            path, f"{name.lower()} must be finite, got {shown(text)}", line=line, field=name
        )
    return value
