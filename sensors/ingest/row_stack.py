"""The rows of the batches waiting for one commit, stacked as each batch arrives.

The ingest copies a batch's rows in here while the parse threads read the next blocks, so a
commit finds its (row × pollutant) matrix already whole instead of stacking every batch at
once at the end. The buffers are kept for the next commit of the same ingest (their memory
is touched once), and pollutant columns are contiguous (column-major), as the append engine
reads them.
"""

from __future__ import annotations

import numpy as np

from sensors.cubes.station_append import MatrixRows


class RowStack:
    """Growing column-major buffers for station, time, line, values and ok cells."""

    def __init__(self, capacity: int) -> None:
        self.size = 0
        self._capacity = max(int(capacity), 1)
        self._columns = -1
        self._station = self._time = self._line = np.empty(0, np.int64)
        self._value = np.empty((0, 0), order="F")
        self._ok = np.empty((0, 0), dtype=bool, order="F")

    def add(
        self,
        station: np.ndarray,
        time_ms: np.ndarray,
        line: np.ndarray,
        value: np.ndarray,
        ok: np.ndarray,
    ) -> None:
        """Append one batch's rows (every batch of a commit has the same columns)."""
        n, k = value.shape
        if k != self._columns:
            if self.size:
                raise ValueError(
                    f"a batch with {k} pollutant columns cannot join a commit of batches "
                    f"with {self._columns}"
                )
            self._columns = -1
        if self._columns < 0 or self.size + n > self._station.size:
            self._grow(self.size + n, k)
        at = slice(self.size, self.size + n)
        self._station[at], self._time[at], self._line[at] = station, time_ms, line
        self._value[at] = value
        self._ok[at] = ok
        self.size += n

    def rows(self, pollutant_index: np.ndarray) -> MatrixRows:
        """The stacked rows (views of the buffers: valid until the next add after clear)."""
        n = self.size
        return MatrixRows(
            self._station[:n],
            self._time[:n],
            self._line[:n],
            pollutant_index,
            self._value[:n],
            self._ok[:n],
        )

    def clear(self) -> None:
        """Empty the stack for the next commit (its buffers stay)."""
        self.size = 0

    def _grow(self, needed: int, k: int) -> None:
        keep = self.size if k == self._columns else 0
        capacity = max(needed, self._capacity, 2 * self._station.size if keep else 0)
        station, time_ms, line = (np.empty(capacity, np.int64) for _ in range(3))
        value = np.empty((capacity, k), order="F")
        ok = np.empty((capacity, k), dtype=bool, order="F")
        if keep:
            station[:keep], time_ms[:keep] = self._station[:keep], self._time[:keep]
            line[:keep], value[:keep], ok[:keep] = (
                self._line[:keep],
                self._value[:keep],
                self._ok[:keep],
            )
        self._station, self._time, self._line = station, time_ms, line
        self._value, self._ok, self._columns = value, ok, k
