"""The matrix append (wide files) follows the row append's rules, cell for cell."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors import cube_station
from sensors.cube_station import StationMeta, StationRows
from sensors.cube_station_matrix import MatrixRows, append_matrix
from sensors.units import POLLUTANTS

IDS = ("S0", "S1", "S2")
COLUMNS = np.array([POLLUTANTS.index(p) for p in ("pm2_5", "so2", "co")])
T0 = 1_777_593_600_000  # 2026-05-01T00:00Z
HOUR = 3_600_000


@st.composite
def batch(draw: st.DrawFn) -> MatrixRows:
    n = draw(st.integers(1, 12))
    station = draw(st.lists(st.integers(-1, len(IDS) - 1), min_size=n, max_size=n))
    hour = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    sorted_times = draw(st.booleans())
    if sorted_times:
        hour = sorted(hour)
    ok = draw(st.lists(st.booleans(), min_size=n * 3, max_size=n * 3))
    value = draw(st.lists(st.integers(0, 500), min_size=n * 3, max_size=n * 3))
    lines = np.arange(2, n + 2)
    if draw(st.booleans()):
        lines = np.array(draw(st.permutations(lines.tolist())))
    return MatrixRows(
        np.array(station, dtype=np.int64),
        T0 + np.array(hour, dtype=np.int64) * HOUR,
        lines,
        COLUMNS,
        np.array(value, dtype=np.float64).reshape(n, 3) / 10,
        np.array(ok).reshape(n, 3),
    )


def _as_rows(m: MatrixRows) -> tuple[StationRows, list[tuple[int, int]]]:
    """The ok cells as single-value rows in file order, and the (row, column) of each."""
    cells = [(i, j) for i in np.argsort(m.line, kind="stable") for j in range(3) if m.ok[i, j]]
    ids = np.array([*IDS, "NOPE"], dtype=object)
    rows = StationRows(
        np.array([ids[m.station[i]] for i, _ in cells], dtype=object),
        np.array([m.time_ms[i] for i, _ in cells], dtype=np.int64),
        np.array([POLLUTANTS[m.pollutant_index[j]] for _, j in cells], dtype=object),
        np.array([m.value[i, j] for i, j in cells]),
        np.array([m.line[i] for i, _ in cells], dtype=np.int64),
    )
    return rows, cells


def _store(root: Path) -> cube_station.CubeStore:
    path = root / "stations.zarr"
    cube_station.register(path, [StationMeta(s, s, 36.6, 116.9) for s in IDS])
    return cube_station.open_store(path)


@settings(max_examples=50, deadline=None)
@given(first=batch(), second=batch())
def test_matrix_append_equals_row_append(first: MatrixRows, second: MatrixRows):
    with tempfile.TemporaryDirectory() as tmp:
        by_matrix, by_rows = _store(Path(tmp) / "m"), _store(Path(tmp) / "r")
        for m in (first, second):
            refused = append_matrix(by_matrix, m, HOUR)
            rows, cells = _as_rows(m)
            reasons = cube_station.append(by_rows, rows, HOUR)
            for (i, j), want in zip(cells, reasons, strict=True):
                got = [name for name, mask in refused.items() if mask[i, j]]
                assert got == ([want] if want else []), (i, j, got, want)
        assert by_matrix.sizes == by_rows.sizes
        assert by_matrix.attrs["station_last_ms"] == by_rows.attrs["station_last_ms"]
        a, b = by_matrix.arrays(), by_rows.arrays()
        n_time = by_matrix.sizes["time"]
        assert np.array_equal(a["time"][:n_time], b["time"][:n_time])
        for p in POLLUTANTS:
            assert np.array_equal(a[p][:, :n_time], b[p][:, :n_time], equal_nan=True), p
