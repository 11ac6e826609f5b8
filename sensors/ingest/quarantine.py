"""Quarantine files: one CSV row per rejected value with file, line, field, value and reason."""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from pathlib import Path

import numpy as np

from sensors.reasons import Reason, Rejected

HEADER = ("file", "line", "field", "value", "reason", "detail")


@dataclass
class QuarantineFile:
    """Appends rejected rows to ``<cubes>/quarantine/<name>-<UTC stamp>.csv``, fsynced per batch.

    ``now`` (the ingest's clock, UTC) names the file.
    """

    source: Path
    directory: Path
    now: datetime
    path: Path | None = None
    counts: Counter = field(default_factory=Counter)

    def write(self, rejected: list[Rejected]) -> None:
        """Append rows and fsync so they are on disk with the batch they belong to."""
        if not rejected:
            return
        source = str(self.source)
        self._append((source, r.line, r.field, r.value, r.reason.label, r.detail) for r in rejected)
        for r in rejected:
            self.counts[r.reason] += 1

    def write_cells(
        self,
        line: np.ndarray,
        field: Sequence[str],
        value: Sequence[str],
        reason: np.ndarray,
        detail: Sequence[str],
    ) -> None:
        """Append many rejected cells given as columns (reason as Reason codes), fsynced."""
        if len(line) == 0:
            return
        labels = np.array([""] + [r.label for r in Reason], dtype=object)
        counts = np.bincount(reason, minlength=len(labels))
        self._append(
            zip(
                repeat(str(self.source)),
                line.tolist(),
                field,
                value,
                labels[reason].tolist(),
                detail,
                strict=False,
            )
        )
        for code in np.flatnonzero(counts):
            self.counts[Reason(int(code))] += int(counts[code])

    def _append(self, rows: Iterable[Sequence[object]]) -> None:
        if self.path is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = self.now.strftime("%Y%m%dT%H%M%S%fZ")
            self.path = self.directory / f"{self.source.name}-{stamp}.csv"
            with self.path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(HEADER)
        with self.path.open("a", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
            f.flush()
            os.fsync(f.fileno())

    @property
    def total(self) -> int:
        """Values quarantined so far."""
        return sum(self.counts.values())


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a quarantine file."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
