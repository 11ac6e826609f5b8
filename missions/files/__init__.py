"""Mission files: QGC .plan, QGC WPL 110 (.waypoints/.txt), GeoJSON export; format by extension."""

from __future__ import annotations

from pathlib import Path

from missions.files.errors import PlanFileError
from missions.files.geojson import mission_geojson, write_mission_geojson
from missions.files.qgc_plan import read_qgc_plan, write_qgc_plan
from missions.files.wpl import read_wpl, write_wpl
from missions.items import Mission

__all__ = [
    "PlanFileError",
    "mission_geojson",
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


def read_plan_file(path: str | Path) -> Mission:
    """Read a mission, the format chosen by extension (.plan, .waypoints, .txt)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(READERS)
        raise PlanFileError(
            str(path), f"unknown mission file extension {path.suffix!r} (readable: {known})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(str(path), f"cannot read: {exc}") from exc
    return reader(text, str(path))


def write_plan_file(mission: Mission, path: str | Path) -> None:
    """Write a mission, format by extension (.plan, .waypoints, .txt; .geojson for the map)."""
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        known = ", ".join(WRITERS)
        raise PlanFileError(
            str(path), f"unknown mission file extension {path.suffix!r} (writable: {known})"
        )
    text = writer(mission)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PlanFileError(str(path), f"cannot write: {exc}") from exc
