"""Each alert's response timed step by step, and the bureau's response-speed figures: the median
and 95th percentile of every interval over a set of alerts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

import numpy as np


class Step(StrEnum):
    """The steps of a quick response, in the order they usually happen."""

    RAISED = "raised"
    DECIDED = "decided"  # a response mission is planned (after approval where one is needed)
    DISPATCHED = "dispatched"  # the sortie is prepared: checked, recorded, uploaded
    AIRBORNE = "airborne"
    ON_SCENE = "on_scene"  # the first waypoint of the response pattern is reached
    SOURCE_ESTIMATED = "source_estimated"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


INTERVALS: tuple[tuple[Step, Step], ...] = (
    (Step.RAISED, Step.DECIDED),
    (Step.DECIDED, Step.DISPATCHED),
    (Step.DISPATCHED, Step.AIRBORNE),
    (Step.AIRBORNE, Step.ON_SCENE),
    (Step.ON_SCENE, Step.SOURCE_ESTIMATED),
    (Step.RAISED, Step.AIRBORNE),
    (Step.RAISED, Step.SOURCE_ESTIMATED),
    (Step.RAISED, Step.ACKNOWLEDGED),
    (Step.RAISED, Step.CLOSED),
)
"""The intervals reported: step to next step of the response, and from raised to the milestones."""


@dataclass(frozen=True)
class Timeline:
    """When each step of one alert happened (UTC); a step is kept at its first time."""

    alert_id: int
    steps: dict[Step, datetime] = field(default_factory=dict)

    def with_step(self, step: Step, time_utc: datetime) -> Timeline:
        """This timeline with `step` at time_utc, unless the step is already timed."""
        if step in self.steps:
            return self
        return replace(self, steps={**self.steps, step: time_utc})

    def seconds(self, start: Step, end: Step) -> float | None:
        """Seconds from start to end, None when either step is missing."""
        a, b = self.steps.get(start), self.steps.get(end)
        return None if a is None or b is None else (b - a).total_seconds()


@dataclass(frozen=True)
class IntervalFigure:
    """One interval over a set of alerts: how many had both steps, how many lacked one, and the
    median and 95th percentile in seconds (NaN when none had both)."""

    start: Step
    end: Step
    count: int
    missing: int
    median_s: float
    p95_s: float

    @property
    def name(self) -> str:
        """'raised → decided'."""
        return f"{self.start.value} → {self.end.value}"

    def __str__(self) -> str:
        if not self.count:
            return f"{self.name}: no alert had both steps ({self.missing} missing)"
        return (
            f"{self.name}: median {self.median_s:.1f} s, p95 {self.p95_s:.1f} s "
            f"over {self.count} alert(s), {self.missing} missing"
        )


def response_figures(
    timelines: Iterable[Timeline], intervals: Iterable[tuple[Step, Step]] = INTERVALS
) -> tuple[IntervalFigure, ...]:
    """Median and 95th percentile (linear interpolation) of each interval; alerts lacking either
    step of an interval are counted as missing for it, never as zero."""
    held = list(timelines)
    figures = []
    for start, end in intervals:
        values = [s for t in held if (s := t.seconds(start, end)) is not None]
        if values:
            median, p95 = (float(v) for v in np.percentile(values, [50, 95]))
        else:
            median = p95 = math.nan
        figures.append(
            IntervalFigure(start, end, len(values), len(held) - len(values), median, p95)
        )
    return tuple(figures)
