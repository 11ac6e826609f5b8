"""Whole-chunk region writes: the same bytes and values zarr writes, committed cells kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from sensors.cubes import chunks
from sensors.cubes.chunks import write_region


def _pair(tmp_path: Path, **kw) -> tuple[zarr.Array, zarr.Array]:
    """Two like arrays: one written by zarr, one by write_region."""
    out = []
    for name in ("by_zarr", "direct"):
        g = zarr.open_group(str(tmp_path / name), mode="w")
        out.append(
            g.create_array(
                "v",
                shape=(37, 50),
                chunks=(16, 20),
                dtype=kw.get("dtype", "float64"),
                fill_value=kw.get("fill", np.nan),
                compressors=kw.get("compressors", "auto"),
            )
        )
    return out[0], out[1]


def _files(arr: zarr.Array) -> dict[str, bytes]:
    root = Path(str(arr.store.root)) / arr.path / "c"
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "kw",
    [{}, {"compressors": None}, {"dtype": "int64", "fill": 0}],
    ids=["zstd", "no-compressor", "int64"],
)
def test_same_chunk_files_as_zarr(tmp_path: Path, kw: dict) -> None:
    ref, direct = _pair(tmp_path, **kw)
    rng = np.random.default_rng(4)
    values = np.round(rng.uniform(0, 100, (37, 50)), 1).astype(ref.dtype)
    values[:, 40:] = ref.metadata.fill_value  # the last time chunk holds nothing: no file
    ref[:, :] = values
    assert write_region(direct, (slice(0, 37), slice(0, 50)), values)
    assert _files(direct) == _files(ref)
    assert "0/2" not in _files(direct)
    np.testing.assert_array_equal(direct[:], values)


def test_partial_chunks_keep_committed_cells(tmp_path: Path) -> None:
    ref, direct = _pair(tmp_path)
    base = np.arange(37 * 50, dtype=np.float64).reshape(37, 50)
    for arr in (ref, direct):
        arr[:, :] = base
    patch = -np.ones((10, 13))
    region = (slice(5, 15), slice(18, 31))  # across chunk borders on both dims
    ref[region] = patch
    assert write_region(direct, region, np.asfortranarray(patch))
    np.testing.assert_array_equal(direct[:], ref[:])
    assert _files(direct) == _files(ref)


def test_chunk_emptied_by_the_write_is_removed(tmp_path: Path) -> None:
    _, direct = _pair(tmp_path)
    direct[:, :] = 1.0
    assert "0/0" in _files(direct)
    assert write_region(direct, (slice(0, 16), slice(0, 20)), np.full((16, 20), np.nan))
    assert "0/0" not in _files(direct)
    assert np.isnan(direct[0:16, 0:20]).all()
    assert (direct[16:, :] == 1.0).all()


def test_other_codecs_are_left_to_zarr(tmp_path: Path) -> None:
    g = zarr.open_group(str(tmp_path / "g"), mode="w")
    arr = g.create_array(
        "v", shape=(4, 4), chunks=(2, 2), dtype="float64", compressors=zarr.codecs.GzipCodec()
    )
    assert not write_region(arr, (slice(0, 4), slice(0, 4)), np.ones((4, 4)))
    assert not _files(arr)


def test_a_failing_chunk_write_surfaces_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, direct = _pair(tmp_path)
    written = []
    real = chunks._put

    def put(path: Path, data: bytes) -> None:
        if path.name == "1" and path.parent.name == "1":
            raise OSError(28, "No space left on device")
        written.append(path)
        real(path, data)

    monkeypatch.setattr(chunks, "_put", put)
    with pytest.raises(OSError, match="No space left"):
        write_region(direct, (slice(0, 37), slice(0, 50)), np.ones((37, 50)))
    root = Path(str(direct.store.root)) / direct.path
    assert not list(root.rglob("*.partial"))
    assert not (root / "c" / "1" / "1").exists()


def test_a_failed_commit_leaves_the_station_cube_as_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sensors.cubes import station as cube_station
    from sensors.cubes.station import StationMeta, StationRows
    from sensors.cubes.station_append import append_rows

    path = tmp_path / "stations.zarr"
    cube_station.register(path, [StationMeta(f"S{i}", "s", 36.6, 116.9) for i in range(20)])
    t0 = 1_767_229_200_000
    hours = np.arange(10)

    def rows(first_hour: int, value: float) -> StationRows:
        h = np.repeat(hours + first_hour, 20)
        ids = np.tile(np.array([f"S{i}" for i in range(20)], dtype=object), hours.size)
        return StationRows(
            ids, t0 + h * 3_600_000, np.full(h.size, "pm2_5", dtype=object), np.full(h.size, value)
        )

    assert (append_rows(cube_station.open_store(path), rows(0, 1.0)) == 0).all()
    real = chunks._put
    calls = []

    def put(p: Path, data: bytes) -> None:
        calls.append(p)
        if len(calls) == 2:  # the first chunk is rewritten, then the disk fills up
            raise OSError(28, "No space left on device")
        real(p, data)

    monkeypatch.setattr(chunks, "_put", put)
    with pytest.raises(OSError):
        append_rows(cube_station.open_store(path), rows(10, 2.0))
    monkeypatch.setattr(chunks, "_put", real)
    ds = cube_station.open_cube(path)
    assert ds.sizes["time"] == 10
    assert (ds["pm2_5"].values == 1.0).all()
    assert (append_rows(cube_station.open_store(path), rows(10, 2.0)) == 0).all()
    ds = cube_station.open_cube(path)
    assert ds.sizes["time"] == 20
    assert (ds["pm2_5"].values[:, 10:] == 2.0).all()


def test_several_regions_on_one_pool_and_the_rest_left(tmp_path: Path) -> None:
    ref, direct = _pair(tmp_path)
    g = zarr.open_group(str(tmp_path / "g"), mode="w")
    gz = g.create_array(
        "v", shape=(4, 4), chunks=(2, 2), dtype="float64", compressors=zarr.codecs.GzipCodec()
    )
    values = np.arange(37 * 50, dtype=np.float64).reshape(37, 50)
    ref[:, :] = values
    left = chunks.write_regions(
        [
            (gz, (slice(0, 4), slice(0, 4)), np.ones((4, 4))),
            (direct, (slice(0, 37), slice(0, 50)), values),
        ]
    )
    assert left == [0]
    assert _files(direct) == _files(ref)


def test_a_whole_grid_batch_and_one_with_a_gap(tmp_path: Path) -> None:
    """Every station at every hour fills each cell; a refused cell stays empty, not stale."""
    from sensors.cubes import station as cube_station
    from sensors.cubes.station import StationMeta
    from sensors.cubes.station_append import MatrixRows, append_matrix

    path = tmp_path / "stations.zarr"
    cube_station.register(path, [StationMeta(f"S{i}", "s", 36.6, 116.9) for i in range(3)])
    hours, ns = 4, 3
    st = np.tile(np.arange(ns), hours)
    t = 1_767_229_200_000 + np.repeat(np.arange(hours), ns) * 3_600_000
    value = np.arange(st.size * 2, dtype=np.float64).reshape(-1, 2)
    ok = np.ones_like(value, dtype=bool)
    ok[5, 1] = False  # station 2, hour 1: refused by a check
    codes = append_matrix(
        cube_station.open_store(path),
        MatrixRows(st, t, np.arange(st.size) + 2, np.array([0, 3]), value, ok),
    )
    assert (codes == 0).all()
    ds = cube_station.open_cube(path)
    np.testing.assert_array_equal(ds["pm2_5"].values, value[:, 0].reshape(hours, ns).T)
    no2 = value[:, 1].copy()
    no2[5] = np.nan
    np.testing.assert_array_equal(ds["no2"].values, no2.reshape(hours, ns).T)
    assert np.isnan(ds["so2"].values).all()


def test_grid_batches_store_what_the_same_rows_shuffled_store(tmp_path: Path) -> None:
    """Hour-by-hour batches of every station (read as they stand) and the same rows in any
    order (placed cell by cell) give the same cube: refused cells, a pollutant given twice,
    a second batch after the first."""
    from sensors.cubes import station as cube_station
    from sensors.cubes.station import StationMeta
    from sensors.cubes.station_append import MatrixRows, append_matrix

    rng = np.random.default_rng(11)
    ns, hours = 5, 30
    pollutants = np.array([0, 3, 3, 6])  # no2 given twice: the later column wins
    batches = []
    for start in (0, hours):
        st = np.tile(np.arange(ns), hours)
        t = 1_767_229_200_000 + (start + np.repeat(np.arange(hours), ns)) * 3_600_000
        value = np.asfortranarray(rng.uniform(0, 50, (st.size, pollutants.size)))
        ok = np.asfortranarray(rng.random(value.shape) < 0.8)
        batches.append((st, t, np.arange(st.size) + 2 + start * ns, value, ok))
    cubes = {}
    for label, shuffle in (("grid", False), ("shuffled", True)):
        path = tmp_path / label / "stations.zarr"
        cube_station.register(path, [StationMeta(f"S{i}", "s", 36.6, 116.9) for i in range(ns)])
        codes = []
        for st, t, line, value, ok in batches:
            order = rng.permutation(st.size) if shuffle else np.arange(st.size)
            got = append_matrix(
                cube_station.open_store(path),
                MatrixRows(st[order], t[order], line[order], pollutants, value[order], ok[order]),
            )
            codes.append(got[np.argsort(order)])
        cubes[label] = (cube_station.open_cube(path).load(), codes)
    (grid, grid_codes), (shuffled, shuffled_codes) = cubes["grid"], cubes["shuffled"]
    for name in ("pm2_5", "no2", "co", "so2"):
        np.testing.assert_array_equal(grid[name].values, shuffled[name].values)
    for a, b in zip(grid_codes, shuffled_codes, strict=True):
        np.testing.assert_array_equal(a, b)
    second = batches[1]
    no2 = np.where(
        second[4][:, 2], second[3][:, 2], np.where(second[4][:, 1], second[3][:, 1], np.nan)
    )
    np.testing.assert_array_equal(grid["no2"].values[:, hours:], no2.reshape(hours, ns).T)
