"""Station metadata files: ``station_id,name,latitude,longitude,height_m`` (not a value feed)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.cubes.station import StationMeta
from sensors.feeds.csv_text import read_header
from sensors.feeds.protocol import FeedFile, IngestError
from sensors.reasons import Reason, Rejected

HEADER = ("station_id", "name", "latitude", "longitude", "height_m")


def is_metadata(feed: FeedFile) -> bool:
    """True for a CSV whose header is the metadata header."""
    return feed.header is not None and tuple(h.lower() for h in feed.header) == HEADER


def read_stations(path: Path) -> tuple[list[StationMeta], list[Rejected]]:
    """Stations of a metadata CSV and its bad rows."""
    header = read_header(path)
    try:
        raw = path.read_bytes()
        if header.cr_only:
            raw = raw.replace(b"\r", b"\n")
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise IngestError(path, 0, "file", exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise IngestError(path, line, "row", "not UTF-8 text") from exc
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype="string", keep_default_na=False, on_bad_lines="skip"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise IngestError(path, 0, "csv", str(exc).strip()) from exc
    frame.columns = [c.strip().lower() for c in frame.columns]
    stations: list[StationMeta] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        sid = (row.station_id or "").strip()
        try:
            lat, lon = float(row.latitude), float(row.longitude)
            height = float(row.height_m) if (row.height_m or "").strip() else float("nan")
        except (TypeError, ValueError):
            rejected.append(
                Rejected(
                    i,
                    "latitude/longitude/height_m",
                    f"{row.latitude},{row.longitude},{row.height_m}",
                    Reason.NOT_A_NUMBER,
                )
            )
            continue
        if not sid:
            rejected.append(Rejected(i, "station_id", "", Reason.UNKNOWN_STATION, "empty id"))
        elif sid in seen:
            rejected.append(Rejected(i, "station_id", sid, Reason.DUPLICATE))
        elif not np.isfinite(lat + lon) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            rejected.append(Rejected(i, "latitude/longitude", f"{lat},{lon}", Reason.OUT_OF_RANGE))
        else:
            seen.add(sid)
            stations.append(StationMeta(sid, (row.name or sid).strip(), lat, lon, height))
    return stations, rejected
