"""What an ingest did: counts per outcome and where the quarantined values went."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class IngestReport:
    """Counts of one ingest: rows read, values accepted and quarantined (by reason)."""

    source: str
    layout: str
    rows_read: int
    accepted: int
    quarantined: int
    reasons: Mapping[str, int] = field(default_factory=dict)
    quarantine_path: Path | None = None
    stations_added: int = 0
    cube: Path | None = None

    def summary(self) -> str:
        """One line for the CLI."""
        why = ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items()))
        text = (
            f"{self.source} [{self.layout}]: {self.rows_read} rows, {self.accepted} accepted, "
            f"{self.quarantined} quarantined"
        )
        if why:
            text += f" ({why}) -> {self.quarantine_path}"
        if self.stations_added:
            text += f"; {self.stations_added} stations added"
        return text
