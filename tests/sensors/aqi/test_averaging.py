"""Averaging periods: validity counts and the local (UTC+8) reporting day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from sensors.aqi.averaging import report_columns


def _hourly(values: np.ndarray, start: str = "2026-05-01T00:00") -> xr.Dataset:
    t = pd.date_range(start, periods=values.size, freq="1h")
    return xr.Dataset(
        {p: ("time", values.copy(), {"units": "ug m-3"}) for p in ("pm2_5", "o3")},
        coords={"time": t},
    )


def test_moving_averages_need_enough_hours():
    v = np.arange(48, dtype=float)
    v[30:36] = np.nan
    out = report_columns(_hourly(v), "hourly")
    assert np.isnan(out.pm2_5_24h.values[18])  # only 19 hours so far
    assert out.pm2_5_24h.values[19] == np.mean(v[:20])
    assert out.o3_8h.values[7] == np.mean(v[:8])
    assert np.isnan(out.o3_8h.values[37])  # 8 h window 30..37 holds 2 hours
    assert out.pm2_5_24h.attrs["units"] == "ug m-3"


def test_daily_values_follow_the_local_day():
    # 2026-05-01 16:00 UTC .. 2026-05-02 16:00 UTC is local 2026-05-02 00:00 .. 24:00
    v = np.zeros(48)
    out = report_columns(_hourly(v + 10, "2026-05-01T16:00"), "daily")
    day = out.sel(time=np.datetime64("2026-05-01T16:00"))
    assert float(day.pm2_5_24h) == 10.0
    assert float(day.o3_8h) == 10.0
