"""Response timelines and the bureau's figures: median and 95th percentile of each interval,
alerts lacking a step counted as missing, never as zero."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from command.alerts.timeline import INTERVALS, Step, Timeline, response_figures
from tests.command.alerts.conftest import T0


def _timeline(alert_id: int, **seconds: float) -> Timeline:
    t = Timeline(alert_id)
    for step, s in seconds.items():
        t = t.with_step(Step(step), T0 + timedelta(seconds=s))
    return t


def test_a_step_keeps_its_first_time() -> None:
    t = _timeline(1, raised=0).with_step(Step.RAISED, T0 + timedelta(hours=1))
    assert t.steps[Step.RAISED] == T0


def test_median_and_p95_of_each_interval_with_missing_steps() -> None:
    timelines = [
        _timeline(k, raised=0, decided=d, dispatched=d + 10, airborne=d + 25)
        for k, d in enumerate((1.0, 2.0, 3.0, 4.0, 100.0))
    ]
    timelines.append(_timeline(9, raised=0, acknowledged=60))  # no response flown
    figures = {(f.start, f.end): f for f in response_figures(timelines)}
    decided = figures[Step.RAISED, Step.DECIDED]
    assert (decided.count, decided.missing, decided.median_s) == (5, 1, 3.0)
    assert decided.p95_s == np.percentile([1, 2, 3, 4, 100], 95)
    assert figures[Step.DECIDED, Step.DISPATCHED].median_s == 10.0
    assert figures[Step.RAISED, Step.AIRBORNE].median_s == 28.0
    ack = figures[Step.RAISED, Step.ACKNOWLEDGED]
    assert (ack.count, ack.missing, ack.median_s) == (1, 5, 60.0)
    source = figures[Step.ON_SCENE, Step.SOURCE_ESTIMATED]
    assert source.count == 0 and math.isnan(source.median_s)
    assert "no alert had both steps (6 missing)" in str(source)
    assert str(decided).startswith("raised → decided: median 3.0 s, p95")


@given(st.lists(st.floats(0, 86_400, allow_nan=False), min_size=1, max_size=40), st.integers(0, 5))
def test_figures_lie_within_the_values_and_count_every_alert(seconds, without) -> None:
    timelines = [_timeline(k, raised=0, decided=s) for k, s in enumerate(seconds)]
    timelines += [_timeline(100 + k, raised=0) for k in range(without)]
    figures = response_figures(timelines)
    assert len(figures) == len(INTERVALS)
    first = figures[0]
    assert (first.count, first.missing) == (len(seconds), without)
    assert min(seconds) - 1e-6 <= first.median_s <= first.p95_s + 1e-6
    assert first.p95_s <= max(seconds) + 1e-6
    assert all(f.count + f.missing == len(timelines) for f in figures)
