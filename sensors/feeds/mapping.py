"""A layout described instead of coded: a TOML mapping file naming each column of a wide CSV.

    layout = "bureau-hourly"            # name in reports (default: the mapping file's stem)
    [station]
    column = "station"                  # or: id = "1001A" (one station per file)
    [time]
    column = "time"                     # ISO 8601; or format = "%Y/%m/%d %H:%M"
    # or: year = "year", month = "month", day = "day", hour = "hour"
    zone = "UTC+8"                      # of times without an offset: UTC, +08:00, Asia/Shanghai
    label = "end"                       # the hour's "end" (default) or "start"
    [columns]
    "PM2.5" = { pollutant = "pm2_5", unit = "ug/m3" }
    CO = { pollutant = "co", unit = "mg/m3" }

Unknown keys, units and pollutants, and impossible mappings are refused naming the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sensors.feeds.csv_text import header_of
from sensors.feeds.protocol import FeedBatch, FeedFile, IngestError
from sensors.feeds.values import TimeZone, UnitError, check_unit, pollutant_key
from sensors.feeds.wide import WideColumn, WideSpec, read_wide
from sensors.units import POLLUTANTS

MAX_BYTES = 1 << 20


class MappingError(ValueError):
    """A mapping file that cannot describe a layout; names the file and the key."""

    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path, self.key, self.reason = str(path), key, reason


class MappingLayout:
    """A wide CSV layout read from a TOML mapping file."""

    priority = 40

    def __init__(self, name: str, spec: WideSpec, source: Path) -> None:
        self.name, self.spec, self.source = name, spec, source

    @classmethod
    def from_file(cls, path: str | Path) -> MappingLayout:
        """Read and check a mapping file; MappingError naming the key at fault."""
        path = Path(path)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise MappingError(path, "file", f"larger than {MAX_BYTES >> 10} kB")
            doc = tomllib.loads(path.read_bytes().decode("utf-8"))
        except OSError as exc:
            raise MappingError(path, "file", exc.strerror or str(exc)) from exc
        except UnicodeDecodeError:
            raise MappingError(path, "file", "not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(path, "toml", str(exc)) from exc
        except RecursionError:
            raise MappingError(path, "toml", "nested too deeply") from None
        return cls.from_mapping(doc, path)

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any], source: Path) -> MappingLayout:
        """The layout a parsed mapping describes."""
        _keys(source, "", doc, {"layout", "station", "time", "columns"})
        name = doc.get("layout", source.stem)
        if not isinstance(name, str) or not name.strip():
            raise MappingError(source, "layout", "must be a non-empty string")
        station = _table(source, "station", doc.get("station"))
        _keys(source, "station", station, {"column", "id"})
        if ("column" in station) == ("id" in station):
            raise MappingError(source, "station", "give either column or id")
        time = _table(source, "time", doc.get("time"))
        parts_keys = ("year", "month", "day", "hour")
        _keys(source, "time", time, {"column", "format", "zone", "label", *parts_keys})
        given = [k for k in parts_keys if k in time]
        if "column" in time and given:
            raise MappingError(source, "time", "give either column or year/month/day/hour")
        if "column" not in time and len(given) != 4:
            missing = [k for k in parts_keys if k not in time]
            raise MappingError(source, "time", f"no column, and {'/'.join(missing)} missing")
        if "format" in time and "column" not in time:
            raise MappingError(source, "time.format", "only with time.column")
        try:
            zone = TimeZone.parse(_text(source, "time.zone", time.get("zone", "UTC")))
        except ValueError as exc:
            raise MappingError(source, "time.zone", str(exc)) from exc
        label = _text(source, "time.label", time.get("label", "end"))
        if label not in ("end", "start"):
            raise MappingError(source, "time.label", f"{label!r}: expected 'end' or 'start'")
        used = {}
        for key in ("column", *parts_keys):
            if key in time:
                used[_text(source, f"time.{key}", time[key])] = f"time.{key}"
        if "column" in station:
            column = _text(source, "station.column", station["column"])
            if column in used:
                raise MappingError(source, "station.column", f"{column!r} is {used[column]}")
            used[column] = "station.column"
        columns = _table(source, "columns", doc.get("columns"))
        if not columns:
            raise MappingError(source, "columns", "maps no column to a pollutant")
        wide: list[WideColumn] = []
        mapped: dict[str, str] = {}
        for field, entry in columns.items():
            key = f'columns."{field}"'
            entry = _table(source, key, entry)
            _keys(source, key, entry, {"pollutant", "unit"})
            if field in used:
                raise MappingError(source, key, f"{field!r} is already {used[field]}")
            raw = _text(source, f"{key}.pollutant", entry.get("pollutant"))
            pollutant = raw if raw in POLLUTANTS else pollutant_key(raw)
            if pollutant is None:
                raise MappingError(
                    source,
                    f"{key}.pollutant",
                    f"unknown pollutant {raw!r} ({', '.join(POLLUTANTS)})",
                )
            if pollutant in mapped:
                raise MappingError(
                    source, key, f"{pollutant} is already mapped from {mapped[pollutant]!r}"
                )
            unit = _text(source, f"{key}.unit", entry.get("unit"))
            try:
                check_unit(pollutant, unit)
            except UnitError as exc:
                raise MappingError(source, f"{key}.unit", str(exc)) from exc
            mapped[pollutant] = field
            wide.append(WideColumn(field, pollutant, unit))
        spec = WideSpec(
            tuple(wide),
            station_column=station.get("column"),
            station_id=_text(source, "station.id", station["id"]) if "id" in station else None,
            time_column=time.get("column"),
            time_parts=tuple(time[k] for k in parts_keys) if given else None,  # type: ignore[arg-type]
            time_format=_text(source, "time.format", time["format"]) if "format" in time else None,
            zone=zone,
            hour_label=label,
        )
        return cls(name.strip(), spec, source)

    def can_open(self, feed: FeedFile) -> bool:
        """True for a CSV whose header holds every column the mapping reads."""
        return feed.header is not None and self.spec.used_columns() <= set(feed.header)

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """Rows as matrices of the mapped pollutants; IngestError if a mapped column is absent."""
        header = set(header_of(path))
        for column in sorted(self.spec.used_columns() - header):
            raise IngestError(
                path, 1, "header", f"no column {column!r}, which {self.source.name} maps"
            )
        yield from read_wide(path, self.spec, batch_rows)


def _keys(source: Path, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for k in table:
        if k not in allowed:
            name = f"{where}.{k}" if where else k
            raise MappingError(source, name, f"unknown key (expected {', '.join(sorted(allowed))})")


def _table(source: Path, key: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(source, key, "missing or not a table")
    return value


def _text(source: Path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(source, key, "missing or not a non-empty string")
    return value
