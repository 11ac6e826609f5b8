"""What an ingest did: counts per outcome and where the quarantined values went."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sensors.reasons import Reason


@dataclass(frozen=True)
class IngestReport:
    """Counts of one ingest: what was read, values accepted and quarantined (by reason).

    ``accepted`` and ``quarantined`` count values (one station or vehicle, time and pollutant);
    ``rows_read`` counts what the source holds in ``read_unit`` (file rows, payload readings).
    """

    source: str
    layout: str
    rows_read: int
    accepted: int
    quarantined: int
    reasons: Mapping[Reason, int] = field(default_factory=dict)
    quarantine_path: Path | None = None
    stations_added: int = 0
    cube: Path | None = None
    read_unit: str = "rows"
    value_unit: str = "values"
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line (and a line per note) for the CLI."""
        why = ", ".join(f"{k.label} {v}" for k, v in sorted(self.reasons.items()))
        text = (
            f"{self.source} [{self.layout}]: {self.rows_read} {self.read_unit}, "
            f"{self.accepted} {self.value_unit} accepted, {self.quarantined} quarantined"
        )
        if why:
            text += f" ({why}) -> {self.quarantine_path}"
        if self.stations_added:
            text += f"; {self.stations_added} stations added"
        return "\n".join([text, *(f"  {note}" for note in self.notes)])
