"""The national hourly layout: a station column, a time column and any of SO2 NO2 CO O3 PM10 PM2.5.

µg/m³, CO mg/m³; times without an offset are China Standard Time (UTC+8) unless the column is
``time_utc``; longitude/latitude columns are not read (positions come from the metadata file).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from sensors.feeds.csv_text import header_of
from sensors.feeds.protocol import FeedBatch, FeedFile
from sensors.feeds.values import HOUR_MS, LOCAL_OFFSET_H, UTC, TimeZone, pollutant_key
from sensors.feeds.wide import WideColumn, WideSpec, read_wide
from sensors.units import INFO

STATION_NAMES = {"station_id", "stationcode", "station_code", "code", "站点编码", "监测点编码"}
TIME_NAMES = {"time_utc", "timepoint", "time", "datetime", "time_local", "date_time", "时间"}


def wide_spec(header: Sequence[str]) -> WideSpec | None:
    """Station, time and pollutant columns of a national header (None if it is not one)."""
    station = next((h for h in header if h.lower().replace(" ", "") in STATION_NAMES), None)
    time = next((h for h in header if h.lower().replace(" ", "") in TIME_NAMES), None)
    columns: dict[str, WideColumn] = {}
    for h in header:
        key = pollutant_key(h)
        if key is not None and key not in columns:
            columns[key] = WideColumn(h, key, INFO[key].units)
    if station is None or time is None or not columns:
        return None
    zone = UTC if time.lower() == "time_utc" else TimeZone(LOCAL_OFFSET_H * HOUR_MS)
    return WideSpec(tuple(columns.values()), station_column=station, time_column=time, zone=zone)


class NationalFeed:
    """National hourly exports (and other wide files with a station and a time column)."""

    name = "national"
    priority = 90  # the loosest match: tried after every other layout

    def can_open(self, feed: FeedFile) -> bool:
        """True for a CSV header naming a station, a time and at least one pollutant."""
        return feed.header is not None and wide_spec(feed.header) is not None

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """Rows as matrices of the pollutant columns present."""
        spec = wide_spec(header_of(path))
        assert spec is not None
        yield from read_wide(path, spec, batch_rows)


LAYOUT = NationalFeed()
