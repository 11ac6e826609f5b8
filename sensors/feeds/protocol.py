"""What a feed layout is: a reader that says whether it can open a file and reads it in batches.

Every layout hands the ingest the same matrix form, ``FeedBatch``: one row per file row, one
column per pollutant it carries, values already in storage units (µg/m³; CO mg/m³).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from sensors.reasons import Rejected


class IngestError(ValueError):
    """A file that cannot be ingested at all; names the file, line and field. Nothing is written."""

    def __init__(self, path: Path | str, line: int, field: str, reason: str) -> None:
        super().__init__(f"{path}:{line}: {field}: {reason}")
        self.path, self.line, self.field, self.reason = str(path), line, field, reason


@dataclass(frozen=True)
class FeedFile:
    """What detection looks at: the path and, for text files, the header's field names."""

    path: Path
    header: tuple[str, ...] | None
    """Field names of the first line (quotes and a byte-order mark removed); None if binary."""

    @property
    def suffix(self) -> str:
        """Lower-case extension, with its dot."""
        return self.path.suffix.lower()


@dataclass
class FeedBatch:
    """Rows of a feed as a (row × pollutant) matrix, before the cube's checks.

    ``station_ids[station_code[i]]`` is row i's station ("" = missing). ``value`` is NaN where
    a cell holds no number; ``blank`` marks cells that hold no value at all (not counted).
    ``text`` keeps the raw text per column (None for columns read as numbers) so rejected
    cells are quarantined as written. ``reason`` starts with what the layout found (units).
    """

    line: np.ndarray
    station_ids: np.ndarray
    station_code: np.ndarray
    time_ms: np.ndarray
    bad_time: np.ndarray
    pollutant_index: np.ndarray
    fields: tuple[str, ...]
    value: np.ndarray
    blank: np.ndarray
    text: list[np.ndarray | None]
    reason: np.ndarray
    rejected: list[Rejected] = field(default_factory=list)
    """Rows the layout could not read at all (malformed, unknown pollutant…)."""
    rows: int = 0
    """File rows this batch covers, the rejected ones included."""

    def __len__(self) -> int:
        return int(self.line.size)


@runtime_checkable
class FeedLayout(Protocol):
    """A station feed layout: one module, registered by name (see sensors.feeds.registry)."""

    name: str
    """Short name shown in reports (``simulator``, ``national``…)."""
    priority: int
    """Detection order: lower is tried first (specific layouts before loose ones)."""

    def can_open(self, feed: FeedFile) -> bool:
        """Whether this layout reads the file (from its extension and header)."""
        ...

    def read(self, path: Path, batch_rows: int) -> Iterator[FeedBatch]:
        """The file's rows in file order, in batches of about batch_rows rows or fewer."""
        ...


def empty_batch(fields: Sequence[str], pollutant_index: np.ndarray) -> FeedBatch:
    """A batch of no rows with the given columns."""
    k = len(fields)
    return FeedBatch(
        np.empty(0, np.int64),
        np.array([""], dtype=object),
        np.empty(0, np.int64),
        np.empty(0, np.int64),
        np.empty(0, bool),
        np.asarray(pollutant_index, dtype=np.int64),
        tuple(fields),
        np.empty((0, k)),
        np.empty((0, k), bool),
        [None] * k,
        np.empty((0, k), np.uint8),
    )
