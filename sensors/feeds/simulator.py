"""The simulator's station feed: ``time_utc,station_id,station_name,latitude,longitude,…``.

The seven pollutant columns follow, in POLLUTANTS order.

Values in the storage units (µg/m³; CO mg/m³); time is the end of the averaging period, UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sensors.feeds.csv_text import header_of
from sensors.feeds.protocol import FeedBatch, FeedFile
from sensors.feeds.wide import WideColumn, WideSpec, read_wide
from sensors.units import INFO, POLLUTANTS

HEADER = ("time_utc", "station_id", "station_name", "latitude", "longitude", *POLLUTANTS)


class SimulatorFeed:
    """The SITL station feed, recognised by its exact header."""

    name = "simulator"
    priority = 10

    def can_open(self, feed: FeedFile) -> bool:
        """True for a CSV whose header is exactly the simulator's."""
        return feed.header is not None and tuple(h.lower() for h in feed.header) == HEADER

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """Rows as matrices of the seven pollutants."""
        names = {h.lower(): h for h in header_of(path)}
        spec = WideSpec(
            tuple(WideColumn(names[p], p, INFO[p].units) for p in POLLUTANTS),
            station_column=names["station_id"],
            time_column=names["time_utc"],
        )
        yield from read_wide(path, spec, batch_rows)


LAYOUT = SimulatorFeed()
