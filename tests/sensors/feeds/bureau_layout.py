"""A bureau's own feed, as one module: ``.bsv`` lines ``station|YYYYMMDDHH (UTC+8)|PM2.5|PM10``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.feeds import FeedBatch, FeedFile
from sensors.feeds.values import LOCAL_OFFSET_H, numbers, station_codes
from sensors.units import POLLUTANTS


class BureauFeed:
    """Pipe-separated hourly PM from the district's own loggers."""

    name = "bureau"
    priority = 5

    def can_open(self, feed: FeedFile) -> bool:
        """True for a .bsv file."""
        return feed.suffix == ".bsv"

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """The file as one batch of two pollutant columns."""
        frame = pd.read_csv(path, sep="|", header=None, dtype=str, keep_default_na=False)
        t = pd.to_datetime(frame[1], format="%Y%m%d%H", errors="coerce")
        bad = t.isna().to_numpy()
        ms = t.to_numpy("datetime64[ms]", na_value=np.datetime64(0, "ms")).astype(np.int64)
        ms = ms - LOCAL_OFFSET_H * 3_600_000
        ids, codes = station_codes(frame[0])
        n = len(frame)
        value = np.empty((n, 2), order="F")
        blank = np.zeros((n, 2), dtype=bool, order="F")
        texts = []
        for j, col in enumerate((2, 3)):
            value[:, j], text, blank[:, j] = numbers(frame[col])
            texts.append(text)
        yield FeedBatch(
            np.arange(1, n + 1),
            ids,
            codes,
            ms,
            bad,
            np.array([POLLUTANTS.index("pm2_5"), POLLUTANTS.index("pm10")]),
            ("PM2.5", "PM10"),
            value,
            blank,
            texts,
            np.zeros((n, 2), dtype=np.uint8),
            rows=n,
        )
