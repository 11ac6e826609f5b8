"""A commit's rows stacked batch by batch: the same matrix as stacking them at once."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.ingest.row_stack import RowStack


def _batch(rng: np.random.Generator, n: int, k: int = 3) -> tuple[np.ndarray, ...]:
    value = np.asfortranarray(rng.uniform(0, 100, (n, k)))
    ok = np.asfortranarray(rng.random((n, k)) < 0.9)
    return (
        rng.integers(-1, 5, n),
        rng.integers(0, 10**12, n),
        np.arange(n) + rng.integers(2, 99),
        value,
        ok,
    )


def test_batches_past_the_capacity_stack_whole_and_columns_stay_contiguous():
    rng = np.random.default_rng(4)
    batches = [_batch(rng, n) for n in (3, 7, 1, 12)]
    stack = RowStack(capacity=5)
    for b in batches:
        stack.add(*b)
    rows = stack.rows(np.array([0, 3, 5]))
    for got, k in zip(
        (rows.station, rows.time_ms, rows.line, rows.value, rows.ok), range(5), strict=True
    ):
        np.testing.assert_array_equal(got, np.concatenate([b[k] for b in batches]))
    assert rows.value[:, 1].flags.c_contiguous
    np.testing.assert_array_equal(rows.pollutant_index, [0, 3, 5])


def test_cleared_stack_holds_only_the_next_commit_and_a_new_width_starts_afresh():
    rng = np.random.default_rng(5)
    stack = RowStack(capacity=4)
    stack.add(*_batch(rng, 6))
    stack.clear()
    second = _batch(rng, 2)
    stack.add(*second)
    np.testing.assert_array_equal(stack.rows(np.arange(3)).value, second[3])
    stack.clear()
    wide = _batch(rng, 3, k=7)
    stack.add(*wide)
    np.testing.assert_array_equal(stack.rows(np.arange(7)).ok, wide[4])


def test_batches_of_another_width_in_one_commit_are_refused():
    rng = np.random.default_rng(6)
    stack = RowStack(capacity=4)
    stack.add(*_batch(rng, 2))
    with pytest.raises(ValueError, match=r"4 pollutant columns .* with 3"):
        stack.add(*_batch(rng, 2, k=4))
