"""TOML mapping layouts: a real-world export ingested without a conversion script."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from sensors.cubes import open_station_cube
from sensors.feeds.mapping import MappingError, MappingLayout
from sensors.ingest import Reason, ingest_file

DATA = Path(__file__).parents[1] / "data"
NOW = datetime(2026, 6, 1, tzinfo=UTC)

MAPPING = """
layout = "beijing-multisite"
[station]
column = "station"
[time]
year = "year"
month = "month"
day = "day"
hour = "hour"
zone = "UTC+8"
[columns]
"PM2.5" = { pollutant = "pm2_5", unit = "ug/m3" }
SO2 = { pollutant = "so2", unit = "ppb" }
NO2 = { pollutant = "NO2", unit = "ppb" }
CO = { pollutant = "co", unit = "µg/m³" }
O3 = { pollutant = "o3", unit = "ppm" }
"""


def test_split_local_time_and_other_units_ingest_with_utc_times_and_values(tmp_path: Path):
    cubes = tmp_path / "cubes"
    ingest_file(DATA / "stations_meta.csv", cubes, now=NOW)
    mapping = tmp_path / "beijing.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    feed = tmp_path / "PRSA_Data.csv"
    feed.write_text(
        '"No","year","month","day","hour","PM2.5","SO2","NO2","CO","O3","station"\n'
        "1,2026,5,1,0,41,4,20,800,0.05,SIM-1001A\n"
        "2,2026,5,1,1,NA,5,21,900,0.06,SIM-1001A\n"
        "3,2026,5,1,8,39,3,22,700,,SIM-1002A\n"
        "4,2026,2,30,8,39,3,22,700,0.04,SIM-1002A\n",
        encoding="utf-8",
    )
    layout = MappingLayout.from_file(mapping)
    report = ingest_file(feed, cubes, layout=layout, now=NOW)
    assert report.layout == "beijing-multisite"
    assert report.reasons == {Reason.NAN_OR_SENTINEL: 1, Reason.BAD_TIME: 5}
    assert report.accepted == 5 + 4 + 4
    ds = open_station_cube(cubes).load()
    times = [str(t)[:16] for t in ds.time.values]
    assert times == ["2026-04-30T16:00", "2026-04-30T17:00", "2026-05-01T00:00"]  # UTC
    s1 = list(ds.station_id.values).index("SIM-1001A")
    at = ds.isel(station=s1, time=0)
    assert float(at.pm2_5) == 41
    assert float(at.so2) == pytest.approx(4 * 64.066 / 24.465)
    assert float(at.no2) == pytest.approx(20 * 46.0055 / 24.465)
    assert float(at.co) == pytest.approx(0.8)  # 800 µg/m³ stored in mg/m³
    assert float(at.o3) == pytest.approx(50 * 47.997 / 24.465)
    assert np.isnan(float(ds.isel(station=s1, time=1).pm2_5))


def test_fixed_station_and_formatted_time(tmp_path: Path):
    cubes = tmp_path / "cubes"
    ingest_file(DATA / "stations_meta.csv", cubes, now=NOW)
    mapping = tmp_path / "one.toml"
    mapping.write_text(
        '[station]\nid = "SIM-1003A"\n'
        '[time]\ncolumn = "When"\nformat = "%d/%m/%Y %H:%M"\n'
        'zone = "Asia/Shanghai"\nlabel = "start"\n'
        '[columns]\npm10 = { pollutant = "pm10", unit = "mg/m3" }\n',
        encoding="utf-8",
    )
    feed = tmp_path / "one.csv"
    feed.write_text("When,pm10\n01/05/2026 08:00,0.07\n01/05/2026 09:00,0.08\n", encoding="utf-8")
    report = ingest_file(feed, cubes, layout=MappingLayout.from_file(mapping), now=NOW)
    assert (report.accepted, report.quarantined) == (2, 0)
    ds = open_station_cube(cubes).load()
    assert str(ds.time.values[0])[:16] == "2026-05-01T01:00"  # 08:00 CST start → 09:00 end
    assert float(ds.pm10.isel(station=2, time=1)) == pytest.approx(80.0)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            '[station]\ncolumn="s"\n[time]\ncolumn="t"\n[columns]\nx={pollutant="pm2_5",unit="mg/l"}',
            'columns."x".unit',
        ),
        (
            '[station]\ncolumn="s"\n[time]\ncolumn="t"\n[columns]\nx={pollutant="pm1",unit="ug/m3"}',
            'columns."x".pollutant',
        ),
        (
            '[station]\ncolumn="s"\n[time]\ncolumn="t"\n[columns]\nx={pollutant="voc",unit="ppb"}',
            'columns."x".unit',
        ),
        (
            '[station]\ncolumn="s"\nid="A"\n[time]\ncolumn="t"\n[columns]\nx={pollutant="co",unit="ppm"}',
            "station",
        ),
        (
            '[station]\ncolumn="s"\n[time]\nyear="y"\nmonth="m"\n[columns]\nx={pollutant="co",unit="ppm"}',
            "time",
        ),
        (
            '[station]\ncolumn="s"\n[time]\ncolumn="t"\nzone="Mars/Olympus"\n[columns]\nx={pollutant="co",unit="ppm"}',
            "time.zone",
        ),
        (
            '[station]\ncolumn="s"\n[time]\ncolumn="t"\n[columns]\nx={pollutant="co",unit="ppm"}\n'
            'y={pollutant="co",unit="ppm"}',
            'columns."y"',
        ),
        (
            '[station]\ncolumn="s"\n[time]\ncolumn="t"\ncolum="u"\n[columns]\nx={pollutant="co",unit="ppm"}',
            "time.colum",
        ),
        (
            '[station]\ncolumn="t"\n[time]\ncolumn="t"\n[columns]\nx={pollutant="co",unit="ppm"}',
            "station.column",
        ),
        ("[station\n", "toml"),
    ],
)
def test_impossible_mappings_are_refused_naming_the_key(tmp_path: Path, text: str, key: str):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as err:
        MappingLayout.from_file(path)
    assert err.value.key == key and str(path) in str(err.value)


def test_a_mapped_column_missing_from_the_file_is_named(tmp_path: Path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[station]\ncolumn="s"\n[time]\ncolumn="t"\n[columns]\nPM10={pollutant="pm10",unit="ug/m3"}',
        encoding="utf-8",
    )
    feed = tmp_path / "f.csv"
    feed.write_text("s,t,PM25\nA,2026-05-01T00:00Z,3\n", encoding="utf-8")
    layout = MappingLayout.from_file(mapping)
    with pytest.raises(Exception) as err:
        ingest_file(feed, tmp_path / "cubes", layout=layout, now=NOW)
    assert "'PM10'" in str(err.value) and "m.toml" in str(err.value)
    assert not (tmp_path / "cubes").exists()
