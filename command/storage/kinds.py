"""Closed vocabularies stored as text: sortie outcomes, command results, event severities."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class SortieOutcome(StrEnum):
    """Where a sortie stands; the first three are in progress, the rest are final."""

    PLANNED = "planned"
    UPLOADING = "uploading"
    FLYING = "flying"
    COMPLETED = "completed"
    ABORTED = "aborted"
    FAILSAFE = "failsafe"
    LOST = "lost"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self not in _IN_PROGRESS


_IN_PROGRESS = frozenset({SortieOutcome.PLANNED, SortieOutcome.UPLOADING, SortieOutcome.FLYING})

# In-progress outcomes only move forward: planned -> uploading -> flying.
IN_PROGRESS_ORDER: tuple[SortieOutcome, ...] = (
    SortieOutcome.PLANNED,
    SortieOutcome.UPLOADING,
    SortieOutcome.FLYING,
)


class CommandResult(StrEnum):
    """What became of a command for a vehicle (audit log); PENDING: written before sending,
    no outcome recorded (yet)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    FAILED = "failed"
    TIMEOUT = "timeout"


class EventSeverity(StrEnum):
    """Event severity, the eight levels of MAVLink MAV_SEVERITY (STATUSTEXT maps 1:1)."""

    EMERGENCY = "emergency"
    ALERT = "alert"
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"
    INFO = "info"
    DEBUG = "debug"


FINAL_RESULTS: tuple[CommandResult, ...] = tuple(r for r in CommandResult if r.value != "pending")
"""The results an outcome may have (a command's outcome is never pending)."""


def sql_in_list(values: Iterable[StrEnum]) -> str:
    """StrEnum members as an SQL list literal for a CHECK constraint: ('a', 'b')."""
    return "(" + ", ".join(f"'{member.value}'" for member in values) + ")"
