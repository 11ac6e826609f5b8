"""The console's air-quality operations: each station's latest AQI, IAQI per column, primary
pollutant and category (HJ 633), a station's hourly series from the station cube, and the same
as CSV. Only a recent window of the cube is read (bounded work per request)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from command.centre.operations import OperationRefused
from sensors.aqi import LABELS, aqi_arrays, categories
from sensors.aqi.averaging import AQI_POLLUTANTS, report_columns
from sensors.aqi.vector import _PRIMARY_BITS
from sensors.cubes import STATIONS
from sensors.cubes.station import open_cube

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

STANDARD = "hj633-2026"
WINDOW_H = 48
"""Hours of the cube read for a station table: enough for the 24 h moving averages."""
MAX_SERIES_H = 24 * 31


@dataclass(frozen=True)
class StationAqi:
    """One station's latest hourly report (aqi None: NA or no data yet)."""

    station_id: str
    name: str
    latitude_deg: float
    longitude_deg: float
    time_utc: datetime | None
    aqi: int | None
    category: int | None  # 0–5
    category_zh: str
    category_en: str
    colour: str  # the standard's colour, #rrggbb ("" when NA)
    primary: tuple[str, ...]
    iaqi: dict[str, int | None]  # column (e.g. pm2_5_24h) → IAQI
    values: dict[str, float | None]  # pollutant → latest hourly value (µg/m³, CO mg/m³)


@dataclass(frozen=True)
class StationSeries:
    """A station's hourly values per pollutant and its hourly AQI, oldest first."""

    station_id: str
    name: str
    times: tuple[datetime, ...]
    values: dict[str, tuple[float | None, ...]]
    units: dict[str, str]
    aqi: tuple[int | None, ...]


def _num(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 3)


def _times(ds: xr.Dataset) -> list[datetime]:
    ms = ds.time.values.astype("datetime64[ms]").astype(np.int64)
    return [datetime.fromtimestamp(int(t) / 1000, UTC) for t in ms]


class AirOperations:
    """Mixed into CommandCentre: the station cube as the console shows it."""

    def _station_cube(self: CommandCentre) -> xr.Dataset | None:
        path: Path = self.config.cubes_path / STATIONS
        if not (path / "zarr.json").exists():
            return None
        ds = open_cube(path)
        return ds if ds.sizes.get("time", 0) and ds.sizes.get("station", 0) else None

    def station_table(self: CommandCentre) -> list[StationAqi]:
        """Every station's latest hourly AQI report (from the last WINDOW_H hours)."""
        ds = self._station_cube()
        if ds is None:
            return []
        recent = ds.isel(time=slice(-WINDOW_H, None)).load()
        columns = report_columns(recent)
        names = list(columns.data_vars)
        units = {c: recent[c.rsplit("_", 1)[0]].attrs.get("units") for c in names}
        res = aqi_arrays({c: columns[c].values for c in names}, STANDARD, "hourly", units)
        times = [
            datetime.fromtimestamp(int(t) / 1000, UTC)
            for t in columns.time.values.astype("datetime64[ms]").astype(np.int64)
        ]
        pollutants = [p for p in AQI_POLLUTANTS if p in recent.data_vars]
        cats = categories(STANDARD)
        table = []
        for s in range(recent.sizes["station"]):
            valid = np.flatnonzero(np.isfinite(res.aqi[s]))
            i = int(valid[-1]) if valid.size else None
            category = int(res.category[s, i]) if i is not None else -1
            cat = cats[category] if category >= 0 else None
            mask = int(res.primary_mask[s, i]) if i is not None else 0
            at = times[i] if i is not None else None
            values: dict[str, float | None] = {}
            for p in pollutants:
                series = recent[p].values[s]
                finite = np.flatnonzero(np.isfinite(series))
                values[p] = _num(series[finite[-1]]) if finite.size else None
            table.append(
                StationAqi(
                    station_id=str(recent.station_id.values[s]),
                    name=str(recent.station_name.values[s]),
                    latitude_deg=float(recent.latitude.values[s]),
                    longitude_deg=float(recent.longitude.values[s]),
                    time_utc=at,
                    aqi=int(res.aqi[s, i]) if i is not None else None,
                    category=cat.index if cat else None,
                    category_zh=cat.zh if cat else "",
                    category_en=cat.en if cat else "",
                    colour=cat.hex if cat else "",
                    primary=tuple(v for k, v in LABELS.items() if mask & _PRIMARY_BITS[k]),
                    iaqi={
                        c: (
                            int(res.iaqi[c][s, i])
                            if i is not None and np.isfinite(res.iaqi[c][s, i])
                            else None
                        )
                        for c in res.iaqi
                    },
                    values=values,
                )
            )
        return table

    def station_series(self: CommandCentre, station_id: str, hours: int = 48) -> StationSeries:
        """A station's last `hours` hourly values and AQI (OperationRefused when unknown)."""
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_SERIES_H:
            raise OperationRefused(f"hours: must be 1 … {MAX_SERIES_H}, got {hours!r}")
        ds = self._station_cube()
        ids = [] if ds is None else [str(i) for i in ds.station_id.values]
        if ds is None or station_id not in ids:
            known = ", ".join(ids) or "none"
            raise OperationRefused(f"station {station_id!r}: no such station (known: {known})")
        s = ids.index(station_id)
        one = ds.isel(station=slice(s, s + 1), time=slice(-(hours + 24), None)).load()
        columns = report_columns(one)
        names = list(columns.data_vars)
        units = {c: one[c.rsplit("_", 1)[0]].attrs.get("units") for c in names}
        res = aqi_arrays({c: columns[c].values for c in names}, STANDARD, "hourly", units)
        pollutants = [p for p in AQI_POLLUTANTS if p in one.data_vars]
        keep = slice(-hours, None)
        shown = one.isel(time=keep)
        aqi = res.aqi[0][-shown.sizes["time"] :]
        return StationSeries(
            station_id=station_id,
            name=str(one.station_name.values[0]),
            times=tuple(_times(shown)),
            values={p: tuple(_num(v) for v in shown[p].values[0]) for p in pollutants},
            units={p: str(one[p].attrs.get("units", "")) for p in pollutants},
            aqi=tuple(int(v) if math.isfinite(v) else None for v in aqi),
        )


def series_csv(series: StationSeries) -> str:
    """A station's series as CSV: time (UTC), each pollutant (unit in the header), AQI."""
    out = io.StringIO()
    writer = csv.writer(out)
    pollutants = list(series.values)
    writer.writerow(
        ["station_id", "time_utc", *(f"{p} ({series.units[p]})" for p in pollutants), "aqi"]
    )
    for i, at in enumerate(series.times):
        cells = [series.values[p][i] for p in pollutants]
        writer.writerow(
            [
                series.station_id,
                at.isoformat().replace("+00:00", "Z"),
                *("" if v is None else v for v in cells),
                "" if series.aqi[i] is None else series.aqi[i],
            ]
        )
    return out.getvalue()


def stations_csv(table: list[StationAqi]) -> str:
    """The stations table as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["station_id", "name", "time_utc", "aqi", "category", "primary_pollutant", "iaqi"]
    )
    for row in table:
        writer.writerow(
            [
                row.station_id,
                "'" + row.name if row.name[:1] in "=+-@" else row.name,
                row.time_utc.isoformat().replace("+00:00", "Z") if row.time_utc else "",
                "" if row.aqi is None else row.aqi,
                row.category_en,
                ";".join(row.primary),
                ";".join(f"{c}={v}" for c, v in row.iaqi.items() if v is not None),
            ]
        )
    return out.getvalue()


MIXIN = AirOperations
