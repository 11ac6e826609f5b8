"""OpenAQ-style JSON measurements: ``{"results": [...]}`` or a list, v2 field names.

``locationId``/``location``, ``parameter``, ``value``, ``unit``, ``date.utc``; records are
numbered by position (the "line" of a rejected value). The file is one batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.feeds.long import rows_batch
from sensors.feeds.protocol import FeedBatch, FeedFile, IngestError

MAX_BYTES = 512 << 20
"""Largest JSON file read (it is parsed whole)."""


class OpenAqFeed:
    """OpenAQ measurement exports."""

    name = "openaq"
    priority = 30

    def can_open(self, feed: FeedFile) -> bool:
        """True for a .json or .ndjson file."""
        return feed.suffix in (".json", ".ndjson")

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """All records as one batch."""
        records = _records(path)
        if not records:
            return
        rows = []
        for i, r in enumerate(records, start=1):
            if not isinstance(r, dict):
                rows.append((i, "", "", "", "", ""))
                continue
            date = r.get("date")
            when = date.get("utc") if isinstance(date, dict) else r.get("datetime", date)
            station = r.get("locationId", r.get("location_id", r.get("location", "")))
            value = r.get("value")
            rows.append(
                (
                    i,
                    _text(station),
                    _text(when),
                    _text(r.get("parameter")).lower(),
                    "" if value is None or isinstance(value, bool) else _text(value),
                    _text(r.get("unit")),
                )
            )
        frame = pd.DataFrame(
            rows, columns=["record", "station", "time", "parameter", "value", "unit"]
        )
        frame = frame.astype({c: "string" for c in frame.columns if c != "record"})
        batch = rows_batch(
            frame["record"].to_numpy(np.int64),
            frame["station"],
            frame["time"],
            frame["parameter"],
            frame["value"],
            frame["unit"],
            "value",
        )
        batch.rows = len(frame)
        yield batch


def _text(x: object) -> str:
    if x is None or isinstance(x, dict | list):
        return ""
    return str(x)


def _records(path: Path) -> list[object]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise IngestError(path, 0, "file", f"larger than {MAX_BYTES >> 20} MB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IngestError(path, 0, "file", exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise IngestError(path, 1, "json", "not UTF-8 text") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(path, exc.lineno, "json", exc.msg) from exc
    except RecursionError:
        raise IngestError(path, 1, "json", "nested too deeply") from None
    records = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise IngestError(path, 1, "results", "expected a list of measurements")
    return records


LAYOUT = OpenAqFeed()
