"""Task zones as the scheduler patrols them: where, how often, how urgent, how long on task."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import Point

from missions.estimate import estimate_flight
from missions.items import Position
from missions.planner import PlanSpec, plan_zone
from missions.zones import TASK_KINDS, Zone


class PatrolZoneError(ValueError):
    """A zone cannot be patrolled as given (the message names the zone and the field)."""


@dataclass(frozen=True)
class PatrolZone:
    """A zone to patrol every `revisit_minutes` (None: not patrolled), priority 1 critical …
    4 low, its centre (degrees), its pattern's time on task (s) and the payload it needs."""

    name: str
    priority: int
    revisit_minutes: float | None
    latitude_deg: float
    longitude_deg: float
    work_s: float
    sensors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise PatrolZoneError("zone name: required")
        if isinstance(self.priority, bool) or self.priority not in (1, 2, 3, 4):
            raise PatrolZoneError(f"zone {self.name!r}: priority {self.priority!r} not 1 … 4")
        if self.revisit_minutes is not None and not self.revisit_minutes >= 0:
            raise PatrolZoneError(
                f"zone {self.name!r}: revisit_minutes {self.revisit_minutes!r} is negative"
            )
        if not self.work_s >= 0:
            raise PatrolZoneError(f"zone {self.name!r}: work_s {self.work_s!r} is negative")
        if not (-90 <= self.latitude_deg <= 90 and -180 <= self.longitude_deg <= 180):
            raise PatrolZoneError(f"zone {self.name!r}: centre out of range")

    @property
    def patrolled(self) -> bool:
        """True when the zone has a revisit interval (0 or None: not patrolled)."""
        return bool(self.revisit_minutes)


def patrol_zone(zone: Zone, work_s: float, sensors: Iterable[str] | None = None) -> PatrolZone:
    """The patrol view of a task zone; payload from `sensors` or the zone's 'sensors' property."""
    if zone.kind not in TASK_KINDS:
        raise PatrolZoneError(f"zone {zone.name!r} is a {zone.kind.value} zone: not patrolled")
    if zone.priority is None:
        raise PatrolZoneError(f"zone {zone.name!r}: priority required")
    centre = zone.geometry if isinstance(zone.geometry, Point) else zone.geometry.centroid
    needed = sensors if sensors is not None else zone.properties.get("sensors", ())
    if isinstance(needed, str) or not all(isinstance(s, str) and s for s in needed):
        raise PatrolZoneError(
            f"zone {zone.name!r}: field 'sensors' must be a list of payload names, got {needed!r}"
        )
    return PatrolZone(
        name=zone.name,
        priority=zone.priority,
        revisit_minutes=zone.revisit_minutes,
        latitude_deg=float(centre.y),
        longitude_deg=float(centre.x),
        work_s=float(work_s),
        sensors=tuple(sorted(set(needed))),
    )


def estimate_work_s(zone: Zone, zones: Iterable[Zone] = (), spec: PlanSpec | None = None) -> float:
    """Time on task (s) of the zone's pattern: planned from the zone's own centre, so that the
    transit from wherever a drone starts is left to the drone choice."""
    centre = zone.geometry if isinstance(zone.geometry, Point) else zone.geometry.centroid
    home = Position(float(centre.y), float(centre.x), 0.0)
    planned = plan_zone(zone, home, tuple(zones), spec or PlanSpec())
    return estimate_flight(planned.mission).time_s
