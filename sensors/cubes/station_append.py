"""The station cube's one append engine: a (row × pollutant) matrix of values, cell by cell.

Every layout's rows reach the cube through here. A cell of an unknown station is refused; a
station, time and pollutant repeated in a batch keeps its first value in file order; a cell
that already holds a value is a duplicate; every other cell is written. The time axis is the
sorted union of every time any station reported: a time not yet on it joins it in order,
whatever order the files come in (the later part of the axis is rewritten, journaled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sensors.cubes.station import StationRows, station_ids
from sensors.cubes.store import CubeError, CubeStore
from sensors.reasons import Reason
from sensors.units import POLLUTANTS

_DENSE_CELLS = 50_000_000
"""Largest station × time grid checked for duplicates by counting rather than hashing."""


@dataclass(frozen=True)
class MatrixRows:
    """Rows for the cube: station index in the cube (−1 unknown), time, file line and values.

    ``value`` is (row × column); ``pollutant_index`` gives each column's place in POLLUTANTS;
    ``ok`` marks the cells to write. Rows may come in any order.
    """

    station: np.ndarray
    time_ms: np.ndarray
    line: np.ndarray
    pollutant_index: np.ndarray
    value: np.ndarray
    ok: np.ndarray


@dataclass(frozen=True)
class PreparedWrite:
    """A checked batch: what to commit, and the reason code of each ok cell not written."""

    sizes: dict[str, int]
    regions: dict[str, tuple[tuple[slice, ...], np.ndarray]]
    points: dict[str, tuple[tuple[np.ndarray, ...], np.ndarray]]
    reason: np.ndarray


def append_matrix(store: CubeStore, rows: MatrixRows) -> np.ndarray:
    """Check and commit rows; returns a Reason code per cell (0: written, or not ok)."""
    prepared = prepare(store, rows)
    commit(store, prepared)
    return prepared.reason


def append_rows(store: CubeStore, rows: StationRows) -> np.ndarray:
    """The row form (one value per row, by station id and pollutant name) of append_matrix."""
    n = len(rows)
    pol = pd.Index(POLLUTANTS).get_indexer(rows.pollutant).astype(np.int64)
    if (pol < 0).any():
        raise CubeError(f"unknown pollutant in {sorted(set(rows.pollutant[pol < 0]))}")
    st = pd.Index(station_ids(store)).get_indexer(rows.station_id).astype(np.int64)
    k = len(POLLUTANTS)
    value = np.full((n, k), np.nan)
    ok = np.zeros((n, k), dtype=bool)
    value[np.arange(n), pol] = rows.value
    ok[np.arange(n), pol] = True
    line = rows.line if rows.line is not None else np.arange(n, dtype=np.int64)
    matrix = MatrixRows(st, rows.time_ms, line, np.arange(k), value, ok)
    return append_matrix(store, matrix)[np.arange(n), pol]


def commit(store: CubeStore, prepared: PreparedWrite) -> None:
    """Write a prepared batch and make it visible (one atomic commit)."""
    if prepared.sizes:
        store.commit(prepared.sizes, regions=prepared.regions, points=prepared.points)


def prepare(store: CubeStore, rows: MatrixRows) -> PreparedWrite:
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
        p = _prepare_in_file_order(store, in_order)
        return PreparedWrite(p.sizes, p.regions, p.points, p.reason[inverse])
    return _prepare_in_file_order(store, rows)


def _prepare_in_file_order(store: CubeStore, rows: MatrixRows) -> PreparedWrite:
    n, k = rows.value.shape
    reason = np.zeros((n, k), dtype=np.uint8)
    if not rows.ok.any():
        return PreparedWrite({}, {}, {}, reason)
    ns, tn = store.sizes["station"], store.sizes["time"]
    st = rows.station.astype(np.int64, copy=False)
    t = rows.time_ms.astype(np.int64, copy=False)
    times, t_code, starts = _times(t)
    todo = rows.ok  # never changed in place: each rule below makes a new mask

    if (st < 0).any():
        unknown = todo & (st < 0)[:, None]
        reason[unknown] = Reason.UNKNOWN_STATION
        todo = todo & ~unknown
    grid = _time_major_grid(st, t_code, ns, times.size)
    dup = None if grid else _duplicates_in_batch(st, t_code, ns, times.size, todo)

    axis = store.group["time"][:tn] if tn else np.empty(0, np.int64)
    pos_u = np.searchsorted(axis, times)
    on_axis_u = pos_u < axis.size
    on_axis_u[on_axis_u] = axis[pos_u[on_axis_u]] == times[on_axis_u]
    on_axis = on_axis_u[t_code]
    if on_axis_u.any():  # a cell already holding a value is a duplicate
        arrays = store.arrays()
        pos = pos_u[t_code]
        if dup is None:
            dup = np.zeros_like(todo)
        for j in range(k):
            rows_j = np.flatnonzero(todo[:, j] & ~dup[:, j] & on_axis)
            if rows_j.size:
                current = arrays[POLLUTANTS[rows.pollutant_index[j]]].get_coordinate_selection(
                    (st[rows_j], pos[rows_j])
                )
                dup[rows_j[~np.isnan(current)], j] = True
    if dup is not None and dup.any():
        reason[dup] = Reason.DUPLICATE
        todo = todo & ~dup

    writes = _any_column(todo)
    if starts is not None:  # rows in time order: a time joins if any of its rows writes
        joins = np.logical_or.reduceat(writes & ~on_axis, starts)
    else:
        joins = np.zeros(times.size, dtype=bool)
        joins[t_code[writes & ~on_axis]] = True
    new_times = times[joins]
    if new_times.size == 0 and not writes.any():
        return PreparedWrite({}, {}, {}, reason)
    merged = _union(axis, new_times)
    first = int(np.searchsorted(axis, new_times[0])) if new_times.size else tn
    width = merged.size - first
    row_pos = np.searchsorted(merged, times)[t_code]  # each row's place on the merged axis

    regions: dict[str, tuple[tuple[slice, ...], np.ndarray]] = {}
    points: dict[str, tuple[tuple[np.ndarray, ...], np.ndarray]] = {}
    region = (slice(0, ns), slice(first, merged.size))
    if width:
        regions["time"] = ((slice(first, merged.size),), merged[first:])
    shifted = first < tn  # times joined inside the axis: everything after them moves
    moved_to = np.searchsorted(merged, axis[first:]) - first if shifted else None
    arrays = store.arrays() if shifted else {}
    late = row_pos >= first
    all_late = bool(late.all())
    # rows hour by hour, every station in cube order, each hour new at the axis end: a
    # pollutant's column is its region, read time-major (no scatter)
    as_grid = grid and width == times.size and all_late and not shifted
    flat = st * width + (row_pos - first) if width and not as_grid else None
    for j in range(k):
        name = POLLUTANTS[rows.pollutant_index[j]]
        cells = todo[:, j]
        if not all_late:
            early = np.flatnonzero(cells & ~late)
            if early.size:
                points[name] = ((st[early], row_pos[early]), rows.value[early, j])
        if as_grid and name not in regions:
            column = rows.value[:, j] if cells.all() else np.where(cells, rows.value[:, j], np.nan)
            regions[name] = (region, column.reshape(width, ns).T)
            continue
        if flat is None and width:
            flat = st * width + (row_pos - first)
        if flat is None:
            continue
        cells_late = cells if all_late else cells & late
        if name in regions:
            block = np.ascontiguousarray(regions[name][1])  # a time-major view is copied once
        elif not shifted and flat.size == ns * width and bool(cells_late.all()):
            # every row written, none repeated (dup is clear of them): each cell gets a value
            block = np.empty((ns, width))
        else:
            block = _block(arrays, name, ns, width, first, tn, moved_to)
        target = block.reshape(-1)
        if cells_late.all():
            target[flat] = rows.value[:, j]
        else:
            target[flat[cells_late]] = rows.value[cells_late, j]
        regions[name] = (region, block)
    if shifted:
        for name in POLLUTANTS:
            if name not in regions:
                regions[name] = (region, _block(arrays, name, ns, width, first, tn, moved_to))
    return PreparedWrite({"time": merged.size}, regions, points, reason)


def _block(
    arrays: dict, name: str, ns: int, width: int, first: int, tn: int, moved_to: np.ndarray | None
) -> np.ndarray:
    """The rewritten part of a pollutant's cells: the committed values after first, moved."""
    block = np.full((ns, width), np.nan)
    if moved_to is not None and tn > first and ns:
        block[:, moved_to] = arrays[name][:ns, first:tn]
    return block


def _union(axis: np.ndarray, new_times: np.ndarray) -> np.ndarray:
    """The sorted union of the committed axis and times not on it (both sorted)."""
    if new_times.size == 0:
        return axis
    if axis.size == 0 or new_times[0] > axis[-1]:
        return np.concatenate([axis, new_times])
    return np.sort(np.concatenate([axis, new_times]), kind="stable")


def _times(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Distinct times (sorted), a code per row into them and, for non-decreasing t (then
    linear), the first row of each time (None otherwise)."""
    if t.size == 0:
        return t, np.empty(0, np.int64), None
    if bool((t[1:] >= t[:-1]).all()):
        change = np.empty(t.size, dtype=bool)
        change[0] = True
        np.not_equal(t[1:], t[:-1], out=change[1:])
        return t[change], np.cumsum(change) - 1, np.flatnonzero(change)
    times, code = np.unique(t, return_inverse=True)
    return times, code.astype(np.int64), None


def _time_major_grid(st: np.ndarray, t_code: np.ndarray, n_stations: int, n_times: int) -> bool:
    """Whether the rows are every station in cube order, time after time (row i: station
    i % n_stations, time i // n_stations): no cell repeats, and a column is a (time × station)
    matrix as it stands."""
    if n_stations == 0 or st.size != n_stations * n_times:
        return False
    by_time = st.reshape(n_times, n_stations)
    if not bool((by_time == np.arange(n_stations)).all()):
        return False
    return bool((t_code.reshape(n_times, n_stations) == np.arange(n_times)[:, None]).all())


def _any_column(cells: np.ndarray) -> np.ndarray:
    """Rows with any cell set, a column at a time (fast on column-major matrices)."""
    out = np.zeros(cells.shape[0], dtype=bool)
    for j in range(cells.shape[1]):
        out |= cells[:, j]
    return out


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
