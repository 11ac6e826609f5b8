"""Times read through their distinct texts: canonical UTC texts in one pass, the same instants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sensors.feeds.values import parse_times, times_of

CASES = [
    ["2026-01-01T01:00:00Z", "2026-03-05T23:59:59Z", "2024-02-29T12:00:00Z"],
    ["2026-01-01T01:00:00Z", "2026-02-30T00:00:00Z"],  # no such day
    ["2026-01-01T24:00:00Z", "2026-12-31T23:59:60Z"],  # hour 24, a leap second
    ["1677-06-01T00:00:00Z", "2261-12-31T23:59:59Z", "9999-01-01T00:00:00Z"],
    ["2026-01-01T01:00:00Z", " 2026-01-01 02:00:00Z", "2026-01-01T03:00:00+08:00"],
    ["2026-01-01T01:00:00", "2026-01-01T01:00:00.5Z", "garbage", ""],
]


@pytest.mark.parametrize("texts", CASES)
def test_categorical_times_equal_each_text_parsed(texts: list[str]):
    rng = np.random.default_rng(len(texts))
    cells = pd.Series(pd.Categorical(rng.choice(texts, 50)))
    ms, bad = times_of(cells)
    want_ms, want_bad = parse_times(cells.astype(str))
    np.testing.assert_array_equal(bad, want_bad)
    np.testing.assert_array_equal(ms[~bad], want_ms[~want_bad])
