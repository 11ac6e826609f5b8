"""Averaging periods for the AQI: hourly means, 24 h / 8 h moving averages, daily values.

Validity (GB 3095): a 24-hour value needs at least 20 hourly values, an 8-hour value at
least 6; the daily O3 value is the largest 8-hour average ending 08:00–24:00 local time.
Reporting days are local natural days, UTC+8; daily values are labelled by that day's start
expressed in UTC (16:00 UTC of the day before).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

LOCAL = pd.Timedelta(hours=8)
AQI_POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")


def hourly(da: xr.DataArray) -> xr.DataArray:
    """Hourly means on a complete hourly axis, labelled by the end of the hour (UTC)."""
    out = da.resample(time="1h", closed="right", label="right").mean()
    full = pd.date_range(out.time.values[0], out.time.values[-1], freq="1h")
    return out.reindex(time=full).assign_attrs(da.attrs)


def moving(hourly_da: xr.DataArray, hours: int, min_valid: int) -> xr.DataArray:
    """Moving average over the last `hours` hourly values, NaN with fewer than min_valid."""
    return hourly_da.rolling(time=hours, min_periods=min_valid).mean().assign_attrs(hourly_da.attrs)


def report_columns(ds: xr.Dataset, mode: str = "hourly") -> xr.Dataset:
    """The ``<pollutant>_<averaging>`` columns the AQI needs, from a station or map cube."""
    out = xr.Dataset()
    for p in (p for p in AQI_POLLUTANTS if p in ds.data_vars):
        h = hourly(ds[p])
        if mode == "hourly":
            out[f"{p}_1h"] = h
            out[f"{p}_24h"] = moving(h, 24, 20)
            if p == "o3":
                out["o3_8h"] = moving(h, 8, 6)
        else:
            day = _local_day(h.time)
            if p == "o3":
                m8 = moving(h, 8, 6)
                local_hour = (h.time + np.timedelta64(8, "h")).dt.hour
                window = (local_hour >= 8) | (local_hour == 0)  # ends 08:00 … 24:00 local
                out["o3_8h"] = m8.where(window).groupby(day).max()
                out["o3_1h"] = h.groupby(day).max()
            else:
                count = h.notnull().groupby(day).sum()
                out[f"{p}_24h"] = h.groupby(day).mean().where(count >= 20)
    if mode == "daily":
        out = out.rename({"day": "time"})
        out["time"] = pd.to_datetime(out.time.values) - LOCAL
    for name in out.data_vars:
        out[name].attrs = dict(ds[str(name).rsplit("_", 1)[0]].attrs)
    return out


def _local_day(time: xr.DataArray) -> xr.DataArray:
    """Local (UTC+8) date of each hourly value labelled by its end: 24:00 belongs to the day."""
    start = pd.to_datetime(time.values) - pd.Timedelta(hours=1) + LOCAL
    return xr.DataArray(start.normalize().values, dims="time", name="day")
