"""Pattern registry: the planner that flies a zone, chosen by the zone's kind and its `pattern`
(the kind's default when the zone names none). A bureau adds a pattern by registering one
function; the planner and the zone validation consult this registry only."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from missions.camera import Swath
from missions.geo import LocalFrame
from missions.inspection import Leg
from missions.routing import Point2
from missions.survey import SurveyPath
from missions.transit import TransitPlanner

if TYPE_CHECKING:
    from missions.planner import PlanSpec
    from missions.zones import Zone


class PlanError(ValueError):
    """A zone cannot be planned as asked (the message names the zone and the reason)."""


@dataclass(frozen=True)
class PatternSite:
    """What a pattern planner is given: the local frame, home (m), transits around the no-fly
    zones, how to fly (PlanSpec) and the altitude chosen for the zone (m above home)."""

    frame: LocalFrame
    home_xy: Point2
    transit: TransitPlanner
    spec: PlanSpec
    altitude_m: float


@dataclass(frozen=True)
class PatternPlan:
    """A pattern: legs flown in order (metres), what it is called, the survey and swath when it
    sweeps lanes, and what the planner noted."""

    legs: tuple[Leg, ...]
    name: str
    survey: SurveyPath | None = None
    swath: Swath | None = None
    notes: tuple[str, ...] = ()


PatternPlanner = Callable[["Zone", PatternSite], PatternPlan]
"""Plans one zone: raises PlanError when it cannot."""

_PLANNERS: dict[tuple[str, str], PatternPlanner] = {}
_DEFAULTS: dict[str, str] = {}
_BUILTINS = "missions.standard_patterns"


def register_pattern(
    kind: str, name: str, planner: PatternPlanner, *, default: bool = False
) -> None:
    """Make `planner` fly zones of `kind` (a ZoneKind value) whose pattern is `name`."""
    key = (str(kind), name)
    if key in _PLANNERS and _PLANNERS[key] is not planner:
        raise ValueError(f"pattern {name!r} for kind {kind!s} is already registered")
    _PLANNERS[key] = planner
    if default or str(kind) not in _DEFAULTS:
        _DEFAULTS[str(kind)] = name


def _loaded() -> None:
    importlib.import_module(_BUILTINS)  # registers the standard patterns once


def pattern_names(kind: str) -> frozenset[str]:
    """The patterns a zone of `kind` may name."""
    _loaded()
    return frozenset(name for k, name in _PLANNERS if k == str(kind))


def default_pattern(kind: str) -> str | None:
    """The pattern flown when a zone of `kind` names none (None: nothing to fly there)."""
    _loaded()
    return _DEFAULTS.get(str(kind))


def pattern_planner(zone: Zone) -> tuple[str, PatternPlanner]:
    """The pattern name and planner for a zone (PlanError when there is none)."""
    _loaded()
    name = zone.pattern or default_pattern(zone.kind)
    planner = _PLANNERS.get((str(zone.kind), name)) if name else None
    if name is None or planner is None:
        known = ", ".join(sorted(pattern_names(zone.kind))) or "none"
        raise PlanError(
            f"zone {zone.name!r}: no pattern {name!r} for a {zone.kind!s} zone (known: {known})"
        )
    return name, planner
