"""One writer per cube: a second writer is refused naming the holder; a stale lease breaks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sensors import cubes
from sensors.cubes.station import StationMeta, StationRows
from sensors.cubes.store import CubeError, break_lease, writer_lease


def _rows(t_ms: int) -> StationRows:
    return StationRows(
        np.array(["A"], object), np.array([t_ms]), np.array(["pm2_5"], object), np.array([12.0])
    )


def test_second_writer_is_refused_and_nothing_changes(tmp_path: Path):
    cubes.register_stations([StationMeta("A", "A", 36.6, 116.9)], tmp_path)
    cube = tmp_path / "stations.zarr"
    lease = tmp_path / "stations.zarr.lease"
    lease.write_text(
        json.dumps({"owner": "ingest-host:4242", "since": "2026-12-02T10:00:00+00:00"})
    )
    before = cubes.open_station_cube(tmp_path).sizes["time"]
    with pytest.raises(CubeError, match="ingest-host:4242 since 2026-12-02T10:00"):
        cubes.append_station_rows(_rows(1_780_000_000_000), tmp_path)
    with pytest.raises(CubeError, match="another writer"), writer_lease(cube, "me"):
        pass
    assert cubes.open_station_cube(tmp_path).sizes["time"] == before
    assert break_lease(cube)["owner"] == "ingest-host:4242"  # the crashed writer's lease
    with writer_lease(cube, "me"):
        assert json.loads(lease.read_text())["owner"] == "me"
        cubes.append_station_rows(_rows(1_780_000_000_000), tmp_path)
    assert not lease.exists()
    assert cubes.open_station_cube(tmp_path).sizes["time"] == before + 1
