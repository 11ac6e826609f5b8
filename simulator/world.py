"""The simulated world: wind, pollution point sources, background air and ground stations.

A world is read from a JSON file (``--world``); ``simulator/worlds/huaiyin.json`` is the
default. Concentrations are µg/m³, CO mg/m³ — the units Chinese stations report.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from simulator import geo
from simulator.params import ParamError, ParamStore
from simulator.plume import STABILITY_CLASSES, plume_g_m3

POLLUTANTS = ("pm2_5", "pm10", "so2", "no2", "co", "o3", "voc")
"""Pollutant keys, in the order the payload reports them."""

UNITS = {p: ("mg m-3" if p == "co" else "ug m-3") for p in POLLUTANTS}
_PER_G_M3 = {p: (1e3 if p == "co" else 1e6) for p in POLLUTANTS}

DEFAULT_WORLD = Path(__file__).with_name("worlds") / "huaiyin.json"
GUST_PERIODS_S = (37.0, 83.0, 211.0)
"""Periods of the three waves gusts and veering are made of."""


class WorldError(ValueError):
    """A world file that cannot be used; names the file and the field."""

    def __init__(self, path: str, where: str, reason: str) -> None:
        super().__init__(f"{path}: {where}: {reason}")
        self.path, self.where, self.reason = path, where, reason


@dataclass(frozen=True)
class Wind:
    """Mean wind with deterministic gusts and veering; direction is where it blows FROM."""

    speed_mps: float = 3.0
    from_deg: float = 225.0
    gust_mps: float = 0.0
    veer_deg: float = 0.0
    stability: str = "D"
    urban: bool = True
    seed: int = 0

    @cached_property
    def _phases(self) -> tuple[float, ...]:
        """Phases (rad) of the gust and veer waves, fixed by the seed."""
        rng = random.Random(self.seed)
        return tuple(rng.uniform(0, 2 * math.pi) for _ in range(2 * len(GUST_PERIODS_S)))

    def at(self, t_s: float) -> tuple[float, float]:
        """Wind speed (m/s) and from-direction (deg) at simulated time t_s."""
        if self.gust_mps == 0.0 and self.veer_deg == 0.0:
            return self.speed_mps, self.from_deg
        phases, n = self._phases, len(GUST_PERIODS_S)
        waves = [2 * math.pi * t_s / p for p in GUST_PERIODS_S]
        gust = sum(math.sin(w + phases[i]) for i, w in enumerate(waves))
        veer = sum(math.sin(w + phases[n + i]) for i, w in enumerate(waves))
        speed = max(0.0, self.speed_mps + self.gust_mps * gust / n)
        return speed, (self.from_deg + self.veer_deg * veer / n) % 360.0

    def vector_ne(self, t_s: float) -> tuple[float, float]:
        """North and east components (m/s) of the air's motion at t_s."""
        speed, from_deg = self.at(t_s)
        rad = math.radians(from_deg)
        return -speed * math.cos(rad), -speed * math.sin(rad)

    def gust_ne(self, t_s: float) -> tuple[float, float]:
        """How far (m/s north, east) the air's motion at t_s departs from the mean wind."""
        north, east = self.vector_ne(t_s)
        rad = math.radians(self.from_deg)
        return north + self.speed_mps * math.cos(rad), east + self.speed_mps * math.sin(rad)


@dataclass(frozen=True)
class Source:
    """A stack emitting pollutants at fixed rates (g/s) between on_s and off_s (sim seconds)."""

    id: str
    name: str
    lat: float
    lon: float
    stack_height_m: float
    emissions_g_s: Mapping[str, float]
    on_s: float = 0.0
    off_s: float | None = None

    def active(self, t_s: float) -> bool:
        """Whether the source emits at simulated time t_s."""
        return t_s >= self.on_s and (self.off_s is None or t_s < self.off_s)


@dataclass(frozen=True)
class Station:
    """A ground monitoring station whose inlet samples the same field at height_m."""

    id: str
    name: str
    lat: float
    lon: float
    height_m: float = 10.0


@dataclass(frozen=True)
class World:
    """Everything outside the vehicles: where they start, the air, its sources and stations."""

    name: str
    origin_lat: float
    origin_lon: float
    origin_alt_m: float
    wind: Wind
    background: Mapping[str, float]
    sources: tuple[Source, ...] = ()
    stations: tuple[Station, ...] = ()
    station_interval_s: float = 300.0
    start_utc: datetime | None = None
    params: Mapping[str, float] = field(default_factory=dict)

    def concentration(
        self, lat: float, lon: float, height_m: float, t_s: float
    ) -> dict[str, float]:
        """Noise-free concentrations (µg/m³, CO mg/m³) at a point height_m above ground."""
        speed, from_deg = self.wind.at(t_s)
        rad = math.radians(from_deg)
        to_n, to_e = -math.cos(rad), -math.sin(rad)
        values = dict(self.background)
        for src in self.sources:
            if not src.active(t_s):
                continue
            d_n, d_e = geo.offset_m(src.lat, src.lon, lat, lon)
            downwind = d_n * to_n + d_e * to_e
            crosswind = d_n * to_e - d_e * to_n
            for pollutant, rate in src.emissions_g_s.items():
                c = plume_g_m3(
                    rate,
                    downwind,
                    crosswind,
                    height_m,
                    src.stack_height_m,
                    speed,
                    self.wind.stability,
                    self.wind.urban,
                )
                values[pollutant] = values.get(pollutant, 0.0) + c * _PER_G_M3[pollutant]
        return values


def load_world(path: str | Path | None = None) -> World:
    """Read and validate a world JSON file (the default world when path is None)."""
    p = Path(path) if path is not None else DEFAULT_WORLD
    try:
        text = p.read_bytes().decode("utf-8")
    except OSError as exc:
        raise WorldError(str(p), "file", exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise WorldError(str(p), f"byte {exc.start}", "not UTF-8 text (a JSON file is)") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorldError(str(p), f"line {exc.lineno}", exc.msg) from exc
    except RecursionError as exc:
        raise WorldError(str(p), "file", "nested too deeply to be a world") from exc
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise WorldError(str(p), "file", str(exc)) from exc
    return parse_world(doc, str(p))


def parse_world(doc: Any, source: str = "<world>") -> World:
    """Build a World from a decoded JSON document, naming the bad field on error."""
    r = _Reader(source)
    doc = r.obj(doc, "world")
    origin = r.obj(doc.get("origin"), "origin")
    wind_doc = r.obj(doc.get("wind", {}), "wind")
    stability = wind_doc.get("stability", "D")
    if stability not in STABILITY_CLASSES:
        raise WorldError(source, "wind.stability", f"{stability!r} is not one of A-F")
    wind = Wind(
        speed_mps=r.num(wind_doc, "speed_mps", "wind", 3.0, lo=0.0, hi=40.0),
        from_deg=r.num(wind_doc, "from_deg", "wind", 225.0, lo=0.0, hi=360.0),
        gust_mps=r.num(wind_doc, "gust_mps", "wind", 0.0, lo=0.0, hi=20.0),
        veer_deg=r.num(wind_doc, "veer_deg", "wind", 0.0, lo=0.0, hi=90.0),
        stability=stability,
        urban=bool(wind_doc.get("urban", True)),
        seed=int(r.num(wind_doc, "seed", "wind", 0.0)),
    )
    background = {
        key: r.num(r.obj(doc.get("background", {}), "background"), key, "background", 0.0, lo=0.0)
        for key in POLLUTANTS
    }
    sources = tuple(
        _source(r, s, i) for i, s in enumerate(r.lst(doc.get("sources", []), "sources"))
    )
    stations = tuple(
        _station(r, s, i) for i, s in enumerate(r.lst(doc.get("stations", []), "stations"))
    )
    for kind, items in (("sources", sources), ("stations", stations)):
        ids = [x.id for x in items]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise WorldError(source, kind, f"duplicate id {sorted(dup)[0]!r}")
    start = doc.get("start_utc")
    start_utc = None
    if start is not None:
        try:
            start_utc = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        except ValueError as exc:
            raise WorldError(source, "start_utc", f"not an ISO 8601 time: {start!r}") from exc
        if start_utc.tzinfo is None:
            start_utc = start_utc.replace(tzinfo=UTC)
    params = r.obj(doc.get("params", {}), "params")
    for name, value in params.items():
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise WorldError(source, f"params.{name}", f"not a number: {value!r}")
        try:
            ParamStore({name: float(value)})
        except (ParamError, OverflowError) as exc:
            raise WorldError(source, f"params.{name}", str(exc)) from exc
    return World(
        name=str(doc.get("name", Path(source).stem)),
        origin_lat=r.num(origin, "lat", "origin", None, lo=-90.0, hi=90.0),
        origin_lon=r.num(origin, "lon", "origin", None, lo=-180.0, hi=180.0),
        origin_alt_m=r.num(origin, "alt_m", "origin", 0.0, lo=-500.0, hi=9000.0),
        wind=wind,
        background=background,
        sources=sources,
        stations=stations,
        station_interval_s=r.num(doc, "station_interval_s", "world", 300.0, lo=1.0, hi=86400.0),
        start_utc=start_utc,
        params={k: float(v) for k, v in params.items()},
    )


def _source(r: _Reader, doc: Any, i: int) -> Source:
    where = f"sources[{i}]"
    d = r.obj(doc, where)
    emissions = r.obj(d.get("emissions_g_s"), f"{where}.emissions_g_s")
    for key in emissions:
        if key not in POLLUTANTS:
            raise WorldError(r.source, f"{where}.emissions_g_s.{key}", "unknown pollutant")
    off = d.get("off_s")
    return Source(
        id=r.text(d, "id", where),
        name=str(d.get("name", d.get("id"))),
        lat=r.num(d, "lat", where, None, lo=-90.0, hi=90.0),
        lon=r.num(d, "lon", where, None, lo=-180.0, hi=180.0),
        stack_height_m=r.num(d, "stack_height_m", where, 0.0, lo=0.0, hi=500.0),
        emissions_g_s={
            k: r.num(emissions, k, f"{where}.emissions_g_s", None, lo=0.0) for k in emissions
        },
        on_s=r.num(d, "on_s", where, 0.0, lo=0.0),
        off_s=None if off is None else r.num(d, "off_s", where, None, lo=0.0),
    )


def _station(r: _Reader, doc: Any, i: int) -> Station:
    where = f"stations[{i}]"
    d = r.obj(doc, where)
    return Station(
        id=r.text(d, "id", where),
        name=str(d.get("name", d.get("id"))),
        lat=r.num(d, "lat", where, None, lo=-90.0, hi=90.0),
        lon=r.num(d, "lon", where, None, lo=-180.0, hi=180.0),
        height_m=r.num(d, "height_m", where, 10.0, lo=0.0, hi=300.0),
    )


@dataclass(frozen=True)
class _Reader:
    """Typed field access that raises WorldError naming the field."""

    source: str

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise WorldError(self.source, where, "expected an object")
        return value

    def lst(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise WorldError(self.source, where, "expected a list")
        return value

    def text(self, d: dict[str, Any], key: str, where: str) -> str:
        value = d.get(key)
        if not isinstance(value, str) or not value.strip():
            raise WorldError(self.source, f"{where}.{key}", "expected a non-empty string")
        return value

    def num(
        self,
        d: dict[str, Any],
        key: str,
        where: str,
        default: float | None,
        lo: float | None = None,
        hi: float | None = None,
    ) -> float:
        value = d.get(key, default)
        name = f"{where}.{key}"
        if value is None:
            raise WorldError(self.source, name, "missing")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WorldError(self.source, name, f"not a number: {value!r}")
        if not math.isfinite(value):
            raise WorldError(self.source, name, "not finite")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise WorldError(self.source, name, f"{value} outside [{lo}, {hi}]")
        return float(value)
