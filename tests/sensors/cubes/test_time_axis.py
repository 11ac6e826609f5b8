"""The time axis takes every hour any station reports, in any file order, with no loss."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.cubes import open_station_cube, store
from sensors.ingest import ingest_file

HEAD = "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc"
STATIONS = ("S1", "S2", "S3")
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _meta(root: Path) -> None:
    meta = root / "meta.csv"
    meta.write_text(
        "station_id,name,latitude,longitude,height_m\n"
        + "".join(f"{s},{s},36.6,116.9,10\n" for s in STATIONS),
        encoding="utf-8",
    )
    ingest_file(meta, root / "cubes", now=NOW)


def _rows(seed: int, hours: int, keep: float) -> list[tuple[str, str, str]]:
    """(time, station, line) of an hourly feed where each station misses some hours."""
    rng = np.random.default_rng(seed)
    out = []
    for h in range(hours):
        t = (np.datetime64("2026-03-30T00:00") + np.timedelta64(h, "h")).astype(str)
        for s in STATIONS:
            if rng.random() < keep:
                v = rng.integers(1, 500, 7) / 10
                values = ",".join(f"{x:g}" for x in v)
                out.append((t, s, f"{t}:00Z,{s},x,0,0,{values}"))
    return out


def _ingest(root: Path, files: list[list[str]]) -> None:
    for k, lines in enumerate(files):
        path = root / f"part-{k}.csv"
        path.write_text("\n".join([HEAD, *lines]) + "\n", encoding="utf-8")
        report = ingest_file(path, root / "cubes", now=NOW)
        assert report.quarantined == 0, report.summary()


def _cube(root: Path) -> dict[str, np.ndarray]:
    ds = open_station_cube(root / "cubes").load()
    out = {"time": ds.time.values}
    out.update({p: ds[p].values for p in ("pm2_5", "pm10", "so2", "no2", "co", "o3", "voc")})
    return out


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert np.array_equal(a["time"], b["time"])
    for p in a:
        assert np.array_equal(a[p], b[p], equal_nan=True), p


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000), keep=st.sampled_from([0.4, 0.7, 0.95]))
def test_per_station_per_month_and_shuffled_files_equal_one_sorted_file(seed: int, keep: float):
    rows = _rows(seed, hours=24 * 3, keep=keep)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        layouts = {}
        for name in ("sorted", "station", "month", "shuffled"):
            root = Path(tmp) / name
            root.mkdir()
            _meta(root)
            layouts[name] = root
        _ingest(layouts["sorted"], [[r[2] for r in rows]])
        per_station = [[r[2] for r in rows if r[1] == s] for s in STATIONS]
        rng.shuffle(per_station)
        _ingest(layouts["station"], per_station)
        days = sorted({r[0][:10] for r in rows})
        per_day = [[r[2] for r in rows if r[0][:10] == d] for d in days]  # "month" = day here
        rng.shuffle(per_day)
        _ingest(layouts["month"], per_day)
        lines = [r[2] for r in rows]
        rng.shuffle(lines)
        _ingest(layouts["shuffled"], [lines[: len(lines) // 2], lines[len(lines) // 2 :]])
        want = _cube(layouts["sorted"])
        assert np.all(np.diff(want["time"]) > np.timedelta64(0))
        for name in ("station", "month", "shuffled"):
            _same(_cube(layouts[name]), want)


def test_crash_while_times_join_the_axis_leaves_the_cube_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A batch that rewrites committed chunks is journaled: a crash before commit is undone."""
    _meta(tmp_path)
    rows = _rows(1, hours=48, keep=1.0)
    late = [r[2] for r in rows if r[0] >= "2026-03-31"]
    early = [r[2] for r in rows if r[0] < "2026-03-31"]
    _ingest(tmp_path, [late])
    before = _cube(tmp_path)
    real = store.CubeStore._commit

    def power_cut(self, attrs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(store.CubeStore, "_commit", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        _ingest(tmp_path, [early])  # every committed time moves right: chunks rewritten
    monkeypatch.setattr(store.CubeStore, "_commit", real)
    assert (tmp_path / "cubes" / "stations.zarr.journal").exists()
    _same(_cube(tmp_path), before)  # the reader restores the journaled chunks
    assert not (tmp_path / "cubes" / "stations.zarr.journal").exists()
    _ingest(tmp_path, [early])
    after = _cube(tmp_path)
    assert after["time"].size == 48 and int(np.isfinite(after["pm2_5"]).sum()) == 48 * 3
