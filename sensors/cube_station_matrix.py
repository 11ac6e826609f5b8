"""The station cube's append for a (row × pollutant) matrix: wide station files, cell by cell.

The rules are ``cube_station.append``'s (duplicates, fills, lateness in file order); this form
keeps a wide file's rows as a matrix from the parse to the write. Feeds are nearly always in
time order, so that case takes linear passes (no hashing, sorting or grouping of the rows);
any other order takes the general path with the same outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sensors.cube_station import station_ids
from sensors.units import POLLUTANTS
from sensors.zarr_store import CubeStore

_NEVER = np.iinfo(np.int64).min // 2

_DENSE_CELLS = 50_000_000
"""Largest station × time grid checked for duplicates by counting rather than hashing."""


@dataclass(frozen=True)
class MatrixRows:
    """Rows of a wide file: station index in the cube (−1 unknown), time, line and values.

    ``value`` is (row × column); ``pollutant_index`` gives each column's place in POLLUTANTS;
    ``ok`` marks the cells to write. Rows are in file order (``line`` increasing) or not.
    """

    station: np.ndarray
    time_ms: np.ndarray
    line: np.ndarray
    pollutant_index: np.ndarray
    value: np.ndarray
    ok: np.ndarray


@dataclass(frozen=True)
class PreparedWrite:
    """A checked batch: what to commit and why each refused cell was refused."""

    sizes: dict[str, int]
    regions: dict[str, tuple[tuple[slice, ...], np.ndarray]]
    points: dict[str, tuple[tuple[np.ndarray, ...], np.ndarray]]
    attrs: dict[str, object]
    refused: dict[str, np.ndarray]


def append_matrix(store: CubeStore, rows: MatrixRows, late_window_ms: int) -> dict[str, np.ndarray]:
    """Check and commit rows; returns a mask per reason of the ok cells not written.

    ok cells in none of the masks were written; the batch is committed before it returns.
    """
    prepared = prepare(store, rows, late_window_ms)
    commit(store, prepared)
    return prepared.refused


def commit(store: CubeStore, prepared: PreparedWrite) -> None:
    """Write a prepared batch and make it visible (one atomic commit)."""
    if prepared.sizes:
        store.commit(
            prepared.sizes, regions=prepared.regions, points=prepared.points, attrs=prepared.attrs
        )


def prepare(store: CubeStore, rows: MatrixRows, late_window_ms: int) -> PreparedWrite:
    """Apply the append rules against the committed store; nothing is written."""
    n = rows.line.size
    if n > 1 and not bool((rows.line[1:] > rows.line[:-1]).all()):
        order = np.argsort(rows.line, kind="stable")
        inverse = np.empty_like(order)
        inverse[order] = np.arange(n)
        in_order = MatrixRows(
            rows.station[order],
            rows.time_ms[order],
            rows.line[order],
            rows.pollutant_index,
            rows.value[order],
            rows.ok[order],
        )
        p = _prepare_in_file_order(store, in_order, late_window_ms)
        refused = {name: mask[inverse] for name, mask in p.refused.items()}
        return PreparedWrite(p.sizes, p.regions, p.points, p.attrs, refused)
    return _prepare_in_file_order(store, rows, late_window_ms)


def _prepare_in_file_order(
    store: CubeStore, rows: MatrixRows, late_window_ms: int
) -> PreparedWrite:
    ok = rows.ok
    refused: dict[str, np.ndarray] = {}
    if not ok.any():
        return PreparedWrite({}, {}, {}, {}, refused)
    n, k = rows.value.shape
    ids = station_ids(store)
    st = rows.station.astype(np.int64, copy=False)
    t = rows.time_ms.astype(np.int64, copy=False)
    times, t_code, t_sorted = _times(t)
    todo = ok.copy()

    unknown = todo & (st < 0)[:, None]
    refused["unknown_station"] = unknown
    todo &= ~unknown

    dup = _duplicates_in_batch(st, t_code, len(ids), times.size, todo)
    todo &= ~dup

    # rows at a time already on the axis: duplicate if the cell holds a value, else they fill it
    sizes = store.sizes
    axis = store.group["time"][: sizes["time"]] if sizes["time"] else np.empty(0, np.int64)
    end = axis[-1] if axis.size else np.iinfo(np.int64).min
    old_times = times <= end
    if old_times.any():
        pos_u = np.searchsorted(axis, times)
        on_axis_u = old_times & (pos_u < axis.size)
        on_axis_u[on_axis_u] = axis[pos_u[on_axis_u]] == times[on_axis_u]
        pos, on_axis = pos_u[t_code], on_axis_u[t_code]
        late = todo & (old_times[t_code] & ~on_axis)[:, None]
        todo &= ~late
        arrays = store.arrays()
        for j in range(k):
            rows_j = np.flatnonzero(todo[:, j] & on_axis)
            if rows_j.size:
                current = arrays[POLLUTANTS[rows.pollutant_index[j]]].get_coordinate_selection(
                    (st[rows_j], pos[rows_j])
                )
                dup[rows_j[~np.isnan(current)], j] = True
        todo &= ~dup
    else:
        pos, on_axis = np.zeros(n, np.int64), np.zeros(n, dtype=bool)
        late = np.zeros_like(todo)
    refused["duplicate"] = dup

    # late against the station's latest time, committed or earlier in this batch (file order)
    last_by_station = dict(store.attrs.get("station_last_ms", {}))
    station_last = np.array([last_by_station.get(s, _NEVER) for s in ids] + [_NEVER], np.int64)
    latest = station_last[st]
    if not t_sorted:  # sorted: a station's running latest time is the row's own, never late
        passed = np.flatnonzero(ok.any(axis=1))
        running = np.full(n, _NEVER, dtype=np.int64)
        running[passed] = pd.Series(t[passed]).groupby(st[passed]).cummax().to_numpy()
        np.maximum(latest, running, out=latest)
    late |= todo & (t < latest - late_window_ms)[:, None]
    todo &= ~late
    refused["out_of_order"] = late

    points = {}
    if on_axis.any():
        for j in range(k):
            rows_j = np.flatnonzero(todo[:, j] & on_axis)
            if rows_j.size:
                points[POLLUTANTS[rows.pollutant_index[j]]] = (
                    (st[rows_j], pos[rows_j]),
                    rows.value[rows_j, j],
                )

    written = todo.any(axis=1)
    new_rows = written & (t > end)
    tn, ns = sizes["time"], sizes["station"]
    regions: dict[str, tuple[tuple[slice, ...], np.ndarray]] = {}
    has_new = np.zeros(times.size, dtype=bool)
    has_new[t_code[new_rows]] = True
    new_times = times[has_new]
    t_size = tn + new_times.size
    if new_times.size:
        regions["time"] = ((slice(tn, t_size),), new_times)
        column = (np.cumsum(has_new) - 1)[t_code]
        flat = st * new_times.size + column
        region = (slice(0, ns), slice(tn, t_size))
        for j in range(k):
            p = POLLUTANTS[rows.pollutant_index[j]]
            block = regions[p][1] if p in regions else np.full((ns, new_times.size), np.nan)
            cells = todo[:, j] & new_rows
            target = block.reshape(-1)  # a view: the block is contiguous
            if cells.all():
                target[flat] = rows.value[:, j]
            else:
                target[flat[cells]] = rows.value[cells, j]
            regions[p] = (region, block)
        for p in POLLUTANTS:
            if p not in regions:
                regions[p] = (region, np.full((ns, new_times.size), np.nan))
    if written.any():
        last = np.full(len(ids), _NEVER, dtype=np.int64)
        np.maximum.at(last, st[written], t[written])
        for i in np.flatnonzero(last > _NEVER).tolist():
            last_by_station[ids[i]] = max(int(last[i]), last_by_station.get(ids[i], _NEVER))
    return PreparedWrite(
        {"time": t_size}, regions, points, {"station_last_ms": last_by_station}, refused
    )


def _times(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Distinct times (sorted), a code per row into them, and whether t is non-decreasing."""
    if t.size == 0:
        return t, np.empty(0, np.int64), True
    step = t[1:] != t[:-1]
    if bool((t[1:] >= t[:-1]).all()):
        change = np.empty(t.size, dtype=bool)
        change[0] = True
        change[1:] = step
        return t[change], np.cumsum(change) - 1, True
    times, code = np.unique(t, return_inverse=True)
    return times, code.astype(np.int64), False


def _duplicates_in_batch(
    st: np.ndarray, t_code: np.ndarray, n_stations: int, n_times: int, todo: np.ndarray
) -> np.ndarray:
    """Cells repeating an earlier row's station, time and pollutant in the batch (first stays)."""
    dup = np.zeros_like(todo)
    known = st >= 0
    key = st * n_times + t_code
    if n_stations * n_times <= _DENSE_CELLS:
        repeated = bool((np.bincount(key[known], minlength=n_stations * n_times) > 1).any())
    else:
        repeated = bool(pd.Series(key[known]).duplicated().any())
    if not repeated:
        return dup
    for j in range(todo.shape[1]):
        rows_j = np.flatnonzero(todo[:, j])
        dup[rows_j[pd.Series(key[rows_j]).duplicated().to_numpy()], j] = True
    return dup
