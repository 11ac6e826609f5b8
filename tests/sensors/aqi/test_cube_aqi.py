"""AQI over a cube, streamed by station chunk and block of days, equals the scalar form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sensors import cubes
from sensors.aqi import aqi, iaqi, iaqi_array
from sensors.aqi.cube import station_aqi
from sensors.cubes.station import StationMeta, StationRows

POLS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")


def _cube(tmp_path: Path, stations: int = 3, hours: int = 24 * 6, seed: int = 4) -> Path:
    rng = np.random.default_rng(seed)
    ids = [f"S{i}" for i in range(stations)]
    cubes.register_stations([StationMeta(s, s, 36.6, 116.9) for s in ids], tmp_path)
    t0 = np.datetime64("2026-05-01T05:00", "ms").astype(np.int64)
    rows = []
    for s in ids:
        for h in range(hours):
            for p in POLS:
                if rng.random() < 0.9:  # gaps: some days fall under 20 hours
                    top = 4.0 if p == "co" else 300.0
                    rows.append((s, t0 + h * 3_600_000, p, round(rng.uniform(0, top), 1)))
    st, t, p, v = zip(*rows, strict=True)
    cubes.append_station_rows(
        StationRows(np.array(st, object), np.array(t), np.array(p, object), np.array(v)), tmp_path
    )
    return tmp_path / "stations.zarr"


def _reference_daily(path: Path, station: int) -> pd.DataFrame:
    """Daily columns by pandas on the local (UTC+8) day, as GB 3095 defines them."""
    ds = cubes.open_station_cube(path.parent).load()
    frame = ds.isel(station=station)[list(POLS)].to_dataframe()[list(POLS)]
    frame = frame.resample("1h", closed="right", label="right").mean()
    day = (frame.index - pd.Timedelta(hours=1) + pd.Timedelta(hours=8)).normalize()
    out = pd.DataFrame(index=sorted(set(day)))
    for p in POLS:
        if p == "o3":
            m8 = frame[p].rolling(8, min_periods=6).mean()
            hour = (frame.index + pd.Timedelta(hours=8)).hour
            out["o3_8h"] = m8.where((hour >= 8) | (hour == 0)).groupby(day).max()
            out["o3_1h"] = frame[p].groupby(day).max()
        else:
            g = frame[p].groupby(day)
            out[f"{p}_24h"] = g.mean().where(g.count() >= 20)
    out.index = out.index - pd.Timedelta(hours=8)
    return out


@pytest.mark.parametrize("standard", ["hj633-2026", "hj633-2012", "epa"])
def test_daily_report_equals_the_scalar_form(tmp_path: Path, standard: str):
    path = _cube(tmp_path)
    got = station_aqi(path, standard, "daily", block_cells=24 * 2 * 3)  # blocks of two days
    for s in range(3):
        ref = _reference_daily(path, s)
        assert got.time.values.tolist() == ref.index.values.astype("datetime64[ms]").tolist()
        for i, (_, row) in enumerate(ref.iterrows()):
            values = {c: (None if np.isnan(x) else float(x)) for c, x in row.items()}
            want = aqi(values, standard, "daily")
            value = got.aqi.isel(station=s, time=i).item()
            assert (want.aqi is None and np.isnan(value)) or value == want.aqi, (s, i)


def test_hourly_report_streamed_equals_one_block(tmp_path: Path):
    path = _cube(tmp_path, hours=24 * 4)
    whole = station_aqi(path, "hj633-2026", "hourly")
    streamed = station_aqi(path, "hj633-2026", "hourly", block_cells=24 * 3)
    assert whole.identical(streamed)
    ds = cubes.open_station_cube(tmp_path).load()
    pm = ds.pm2_5.isel(station=1).to_series()
    for i in (3, 30, 70):
        want = iaqi("pm2_5_1h", None if np.isnan(pm.iloc[i]) else pm.iloc[i])
        got = whole.iaqi_pm2_5_1h.isel(station=1, time=i).item()
        assert (want is None and np.isnan(got)) or got == want


def test_infinite_concentration_has_no_index_in_either_form():
    assert iaqi("pm2_5_24h", float("inf")) is None
    assert np.isnan(iaqi_array("pm2_5_24h", np.array([np.inf, -np.inf]))).all()
