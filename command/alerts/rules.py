"""Alert rules: what fires an alert, where, how loud, and what response it asks for.

Five kinds, each a frozen model checked on construction (the TOML loader and run-time building
share it): an AQI/IAQI threshold by category and standard, a pollutant's rise rate, a hot spot
against the neighbouring stations, a station that stops reporting, a drone sample above a
threshold. Concentrations are µg/m³ (CO mg/m³), as stored everywhere in EcoPatrol.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sensors.aqi.categories import categories
from sensors.aqi.tables import STANDARDS
from sensors.units import POLLUTANTS

AQI_POLLUTANTS = ("aqi", "pm2_5", "pm10", "so2", "no2", "co", "o3")
"""What an AQI rule reads: the overall AQI or one pollutant's IAQI."""

ALL_POLLUTANTS = "all"
"""Pollutant of a station-silence alert that watches the whole station."""

LEVELS = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
"""Alert levels, lowest to highest (the bureau's blue/yellow/orange/red warnings)."""
MAX_LEVEL = 4


class Response(StrEnum):
    """Whether a firing rule sends a drone: never, after an officer approves, or at once."""

    NONE = "none"
    ON_APPROVAL = "on_approval"
    AUTOMATIC = "automatic"


class Pattern(StrEnum):
    """Quick-response flight: crosswind transects downwind of the reading, or an inspection of
    the nearest enterprise zones upwind of it."""

    TRANSECTS = "transects"
    INSPECT_UPWIND = "inspect_upwind"


Number = Annotated[float, Field(strict=True)]
Count = Annotated[int, Field(strict=True)]
Name = Annotated[str, Field(strict=True, min_length=1, max_length=64)]


def level_name(level: int) -> str:
    """'orange' for 3."""
    return next((name for name, value in LEVELS.items() if value == level), str(level))


class _Rule(BaseModel):
    """Keys every rule has."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: Name
    level: Count = Field(default=2, ge=1, le=MAX_LEVEL)
    zone: Name | None = None
    stations: tuple[Name, ...] = ()
    response: Response = Response.NONE
    pattern: Pattern = Pattern.TRANSECTS
    escalate_after_minutes: Number | None = Field(default=None, gt=0, le=7 * 24 * 60)
    escalate_ratio: Number | None = Field(default=None, gt=1, le=100)
    description: str = Field(default="", max_length=500)

    @field_validator("name")
    @classmethod
    def _visible_name(cls, value: str) -> str:
        if not value.strip() or value != value.strip():
            raise ValueError("must not be blank or start/end with spaces")
        return value

    @field_validator("level", mode="before")
    @classmethod
    def _level_by_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.lower() not in LEVELS:
                raise ValueError(f"unknown level {value!r} (1–4 or {', '.join(LEVELS)})")
            return LEVELS[value.lower()]
        return value

    @model_validator(mode="after")
    def _known_places(self, info: ValidationInfo) -> _Rule:
        known = info.context or {}
        zones: Collection[str] = known.get("zones", ())
        station_ids: Collection[str] = known.get("stations", ())
        if self.zone is not None and self.zone not in zones:
            raise _KeyProblem("zone", f"unknown zone {self.zone!r} ({_listing(zones)})")
        for i, station in enumerate(self.stations):
            if station not in station_ids:
                raise _KeyProblem(
                    f"stations[{i}]", f"unknown station {station!r} ({_listing(station_ids)})"
                )
        if self.stations and not self.reads_stations:
            raise _KeyProblem("stations", "a drone rule reads no stations")
        return self

    @property
    def reads_stations(self) -> bool:
        """True for rules evaluated on station readings."""
        return True

    @property
    def window_minutes_kept(self) -> float:
        """How much station history (minutes) the rule needs."""
        return 0.0


class _StationRule(_Rule):
    """A rule read on station readings."""

    applies_to: Literal["stations"] = "stations"


class AqiRule(_StationRule):
    """The hourly IAQI of a pollutant (or the AQI) reaches a category or exceeds a value.

    Hourly readings are read against each standard's real-time table: 1-hour limits for the
    gases; PM (and US EPA CO) against the standard's own averaging breakpoints, as the HJ
    633-2026 real-time report does for PM.
    """

    kind: Literal["aqi"]
    pollutants: tuple[Literal[AQI_POLLUTANTS], ...] = Field(min_length=1)
    standard: Literal[STANDARDS] = "hj633-2026"
    category: Count | None = Field(default=None, ge=1, le=5)
    iaqi_above: Number | None = Field(default=None, ge=0, lt=500)

    @field_validator("category", mode="before")
    @classmethod
    def _category_by_name(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        standard = info.data.get("standard", "hj633-2026")
        for cat in categories(standard):
            if value.strip().lower() in (cat.zh, cat.en.lower(), cat.level.lower()):
                return cat.index
        names = ", ".join(f"{c.index} {c.zh}/{c.en}" for c in categories(standard)[1:])
        raise ValueError(f"unknown category {value!r} for {standard} ({names})")

    @model_validator(mode="after")
    def _one_threshold(self) -> AqiRule:
        if (self.category is None) == (self.iaqi_above is None):
            raise _KeyProblem("category", "give exactly one of category or iaqi_above")
        return self


class RiseRateRule(_StationRule):
    """A pollutant rises faster than rise_per_hour (µg/m³ per hour; CO mg/m³ per hour): the
    least-squares slope of the station's readings within window_minutes."""

    kind: Literal["rise_rate"]
    pollutants: tuple[Literal[POLLUTANTS], ...] = Field(min_length=1)
    rise_per_hour: Number = Field(gt=0)
    window_minutes: Number = Field(default=180.0, ge=10, le=24 * 60)
    min_readings: Count = Field(default=3, ge=2, le=1000)

    @property
    def window_minutes_kept(self) -> float:
        """The rise window."""
        return self.window_minutes


class HotSpotRule(_StationRule):
    """A station stands above the stations within radius_km by more than z_min robust σ (and
    by min_excess in concentration), judged on their latest readings within max_age_minutes."""

    kind: Literal["hot_spot"]
    pollutants: tuple[Literal[POLLUTANTS], ...] = Field(min_length=1)
    radius_km: Number = Field(default=3.0, gt=0, le=50)
    z_min: Number = Field(default=3.5, gt=0, le=100)
    min_excess: Number = Field(default=0.0, ge=0)
    min_neighbours: Count = Field(default=3, ge=3, le=1000)
    max_age_minutes: Number = Field(default=90.0, gt=0, le=24 * 60)


class SilenceRule(_StationRule):
    """A station (or one of its pollutants) has sent no reading for silent_minutes; judged on
    the engine's tick."""

    kind: Literal["silence"]
    pollutants: tuple[Literal[POLLUTANTS], ...] = ()
    silent_minutes: Number = Field(gt=0, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _nothing_to_fly_to(self) -> SilenceRule:
        if self.response is not Response.NONE:
            raise _KeyProblem("response", "a silent station has no reading to fly to: use none")
        if self.escalate_ratio is not None:
            raise _KeyProblem("escalate_ratio", "silence does not worsen by a ratio")
        return self


class DroneSampleRule(_Rule):
    """A drone sample of a pollutant is above `above` (µg/m³; CO mg/m³)."""

    kind: Literal["drone_sample"]
    applies_to: Literal["drones"] = "drones"
    pollutants: tuple[Literal[POLLUTANTS], ...] = Field(min_length=1)
    above: Number = Field(gt=0)

    @property
    def reads_stations(self) -> bool:
        """Drone rules read drone samples."""
        return False


Rule = AqiRule | RiseRateRule | HotSpotRule | SilenceRule | DroneSampleRule
KINDS = ("aqi", "rise_rate", "hot_spot", "silence", "drone_sample")
_RULE = TypeAdapter(Annotated[Rule, Field(discriminator="kind")])


class _KeyProblem(ValueError):
    """A check across keys, naming the key at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class RuleError(ValueError):
    """One refused rule: the file (and line), the rule and the key at fault."""

    def __init__(
        self, source: str, rule: str, key: str, message: str, line: int | None = None
    ) -> None:
        where = f"{source}:{line}" if line is not None else source
        what = f"rule {rule!r}" if rule else "(top level)"
        super().__init__(f"{where}: {what}, key {key!r}: {message}")
        self.source = source
        self.rule = rule
        self.key = key
        self.message = message
        self.line = line


def build_rule(
    table: Mapping[str, Any],
    *,
    zones: Collection[str] = (),
    stations: Collection[str] = (),
    source: str = "rule",
) -> Rule:
    """A checked rule from its keys (a TOML table, a web form); RuleError names the first bad
    key. Zone and station names must be among `zones` and `stations`."""
    rule, errors = check_rule(table, zones=zones, stations=stations, source=source)
    if rule is None:
        raise errors[0]
    return rule


def check_rule(
    table: Mapping[str, Any],
    *,
    zones: Collection[str] = (),
    stations: Collection[str] = (),
    source: str = "rule",
) -> tuple[Rule | None, list[RuleError]]:
    """The rule and no errors, or None and every reason it is refused (one per bad key)."""
    name = str(table.get("name", ""))
    context = {"zones": frozenset(zones), "stations": frozenset(stations)}
    try:
        return _RULE.validate_python(dict(table), context=context), []
    except ValidationError as exc:
        return None, _describe(exc, source, name) or [
            RuleError(source, name, "(rule)", "not a rule")
        ]


def _describe(exc: ValidationError, source: str, name: str) -> list[RuleError]:
    errors = exc.errors()
    locs = [tuple(str(p) for p in e["loc"][1:]) if _tagged(e) else () for e in errors]
    out: list[RuleError] = []
    for error, loc in zip(errors, locs, strict=True):
        if any(other != loc and other[: len(loc)] == loc for other in locs):
            continue  # a consequence of the deeper error already listed
        key, message = _key_and_message(error, loc)
        if not any(e.key == key and e.message == message for e in out):
            out.append(RuleError(source, name, key, message))
    return out


def _tagged(error: Any) -> bool:
    return error["type"] not in ("union_tag_invalid", "union_tag_not_found")


def _key_and_message(error: Any, loc: tuple[str, ...]) -> tuple[str, str]:
    kind = error["type"]
    if kind == "union_tag_invalid":
        return "kind", f"unknown kind {error['input'].get('kind')!r} (one of {', '.join(KINDS)})"
    if kind == "union_tag_not_found":
        return "kind", f"required, one of {', '.join(KINDS)}"
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _KeyProblem):
        return cause.key, cause.message
    key = "".join(f"[{p}]" if p.isdigit() else (f".{p}" if i else p) for i, p in enumerate(loc))
    message = str(error["msg"]).removeprefix("Value error, ").replace("Input should", "must")
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required"
    elif kind == "literal_error" and key == "applies_to":
        message = f"{error['loc'][0]} rules read {error['ctx']['expected']} only"
    elif kind == "literal_error" and key.startswith("pollutants"):
        message = f"unknown pollutant {error['input']!r}; {message}"
    return key or "(rule)", message


def _listing(names: Collection[str]) -> str:
    if not names:
        return "none are known"
    shown = sorted(names)
    more = f", … {len(shown) - 8} more" if len(shown) > 8 else ""
    return "known: " + ", ".join(shown[:8]) + more
