"""Quarantine files: one CSV row per rejected value with file, line, field, value and reason."""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HEADER = ("file", "line", "field", "value", "reason", "detail")


@dataclass(frozen=True)
class Rejected:
    """One rejected value (or whole row when field is '*')."""

    line: int
    field: str
    value: str
    reason: str
    detail: str = ""


@dataclass
class QuarantineFile:
    """Appends rejected rows to ``<cubes>/quarantine/<stem>-<UTC stamp>.csv``, flushed per batch."""

    source: Path
    directory: Path
    path: Path | None = None
    counts: Counter[str] = field(default_factory=Counter)

    def write(self, rejected: list[Rejected]) -> None:
        """Append rows and fsync so they are on disk with the batch they belong to."""
        if not rejected:
            return
        if self.path is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            self.path = self.directory / f"{self.source.name}-{stamp}.csv"
            with self.path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(HEADER)
        with self.path.open("a", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            for r in rejected:
                w.writerow((str(self.source), r.line, r.field, r.value, r.reason, r.detail))
                self.counts[r.reason] += 1
            f.flush()
            os.fsync(f.fileno())


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a quarantine file."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
