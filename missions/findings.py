"""Typed results of the preflight checks: a finding names the item, a code and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One check result; `item_index` is the index in Mission.items (ArduPilot seq = index + 1)."""

    severity: Severity
    item_index: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"item {self.item_index + 1}" if self.item_index is not None else "mission"
        return f"{self.severity.upper()} {self.code} ({where}): {self.message}"


def figure(value: float) -> str:
    """A number as a finding shows it: 'empty' for NaN (null), 'infinite', else compact."""
    if isinstance(value, float) and value != value:
        return "empty"
    if isinstance(value, float) and abs(value) == float("inf"):
        return "infinite"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 24 else text[:21] + "…"


def error(index: int | None, code: str, message: str) -> Finding:
    """An error finding (it blocks the upload)."""
    return Finding("error", index, code, message)


def warning(index: int | None, code: str, message: str) -> Finding:
    """A warning finding."""
    return Finding("warning", index, code, message)


def blocks_upload(findings: Sequence[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for f in findings)
