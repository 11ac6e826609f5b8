"""Why a value was not accepted: one encoding, uint8 codes in matrices and labels in files."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

NO_REASON = 0
"""Code of a cell that nothing has rejected (so far)."""


class Reason(IntEnum):
    """A quarantine reason; its code fits a uint8 matrix, its label goes into files."""

    NEGATIVE = 1
    NAN_OR_SENTINEL = 2
    NOT_A_NUMBER = 3
    OUT_OF_RANGE = 4
    UNIT_SUSPECT = 5
    UNKNOWN_STATION = 6
    UNKNOWN_POLLUTANT = 7
    UNIT_MISSING = 8
    UNIT_UNKNOWN = 9
    DUPLICATE = 10
    OUT_OF_ORDER = 11
    IN_FUTURE = 12
    BAD_TIME = 13
    MALFORMED = 14
    NO_POSITION = 15
    NO_TIME = 16

    @property
    def label(self) -> str:
        """Lower-case name, as written in quarantine files and reports."""
        return self.name.lower()

    @property
    def meaning(self) -> str:
        """One line saying what the reason means."""
        return MEANINGS[self]

    @classmethod
    def from_label(cls, label: str) -> Reason:
        """The reason of a label such as ``out_of_range``."""
        return cls[label.upper()]

    def __str__(self) -> str:
        return self.label


MEANINGS = {
    Reason.NEGATIVE: "concentration below zero",
    Reason.NAN_OR_SENTINEL: "NaN, infinite or a missing-data sentinel such as -9999 or NA",
    Reason.NOT_A_NUMBER: "value is not a number",
    Reason.OUT_OF_RANGE: "concentration above the physical range",
    Reason.UNIT_SUSPECT: "value plausible only in the other mass unit (µg/m³ vs mg/m³)",
    Reason.UNKNOWN_STATION: "station id not in the station metadata",
    Reason.UNKNOWN_POLLUTANT: "pollutant name not recognised",
    Reason.UNIT_MISSING: "no unit given for the value",
    Reason.UNIT_UNKNOWN: "unit not recognised or not convertible for this pollutant",
    Reason.DUPLICATE: "same station/vehicle, time and pollutant already accepted",
    Reason.OUT_OF_ORDER: "drone sample earlier than the sortie's latest by more than the window",
    Reason.IN_FUTURE: "time later than the ingest clock by more than the tolerance",
    Reason.BAD_TIME: "time missing or not readable",
    Reason.MALFORMED: "row cannot be split into the header's fields",
    Reason.NO_POSITION: "drone position unknown (no fix yet, or none near the sample time)",
    Reason.NO_TIME: "no wall-clock time for the drone sample (no SYSTEM_TIME yet)",
}


@dataclass(frozen=True)
class Rejected:
    """One rejected value (or a whole row when field is '*'), with where it came from."""

    line: int
    field: str
    value: str
    reason: Reason
    detail: str = ""
