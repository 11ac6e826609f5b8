"""Mission files: QGC .plan, QGC WPL 110 (.waypoints/.txt), GeoJSON export; format by extension."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from missions.files.errors import PlanFileError
from missions.files.geojson import mission_geojson, write_mission_geojson
from missions.files.qgc_plan import read_qgc_plan, write_qgc_plan
from missions.files.wpl import read_wpl, write_wpl
from missions.items import Mission
from missions.jsontext import read_text

__all__ = [
    "MissionFile",
    "PlanFileError",
    "mission_geojson",
    "read_mission_file",
    "read_plan_file",
    "read_qgc_plan",
    "read_wpl",
    "write_plan_file",
    "write_qgc_plan",
    "write_wpl",
]

READERS = {".plan": read_qgc_plan, ".waypoints": read_wpl, ".txt": read_wpl}
WRITERS = {
    ".plan": write_qgc_plan,
    ".waypoints": write_wpl,
    ".txt": write_wpl,
    ".geojson": write_mission_geojson,
}


@dataclass(frozen=True)
class MissionFile:
    """A mission read from a file, with what the reader noticed (renumbered rows, firmware)."""

    mission: Mission
    warnings: tuple[str, ...] = ()


def read_mission_file(path: str | Path) -> MissionFile:
    """Read a mission and the reader's warnings, the format chosen by extension."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(READERS)
        raise PlanFileError(
            str(path), f"unknown mission file extension {path.suffix!r} (readable: {known})"
        )
    try:
        text = read_text(path, "mission file")
    except ValueError as exc:
        raise PlanFileError(str(path), str(exc)) from exc
    warnings: list[str] = []
    mission = reader(text, str(path), warnings)
    return MissionFile(mission, tuple(warnings))


def read_plan_file(path: str | Path) -> Mission:
    """Read a mission, the format chosen by extension (.plan, .waypoints, .txt)."""
    return read_mission_file(path).mission


def write_plan_file(mission: Mission, path: str | Path) -> None:
    """Write a mission, format by extension (.plan, .waypoints, .txt; .geojson for the map)."""
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        known = ", ".join(WRITERS)
        raise PlanFileError(
            str(path), f"unknown mission file extension {path.suffix!r} (writable: {known})"
        )
    try:
        text = writer(mission)
    except ValueError as exc:  # a value JSON or the format cannot hold (infinite)
        raise PlanFileError(str(path), f"cannot write this mission: {exc}") from exc
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PlanFileError(str(path), f"cannot write: {exc}") from exc
