"""Station ingest: every valid value kept, every bad one quarantined with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sensors.cubes import open_station_cube
from sensors.cubes import store as zarr_store
from sensors.feeds import IngestError
from sensors.ingest import Reason, ingest_file, quarantine

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def cubes(tmp_path: Path) -> Path:
    root = tmp_path / "cubes"
    report = ingest_file(DATA / "stations_meta.csv", root)
    assert report.stations_added == 3 and report.quarantined == 0
    return root


def _value(ds, station: str, time: str, pollutant: str) -> float:
    i = list(ds.station_id.values).index(station)
    return float(ds[pollutant].isel(station=i).sel(time=np.datetime64(time)).values)


def test_junk_rows_quarantined_with_reasons_valid_rows_kept(cubes: Path):
    report = ingest_file(DATA / "junk_feed.csv", cubes)
    rows = quarantine.read(report.quarantine_path)
    by_line: dict[int, set[str]] = {}
    for r in rows:
        by_line.setdefault(int(r["line"]), set()).add(r["reason"])
    assert by_line == {
        3: {"negative", "nan_or_sentinel"},  # pm2_5 -5 and so2 -9999
        4: {"unknown_station"},
        5: {"malformed"},
        7: {"not_a_number", "out_of_range"},  # abc, pm10 12000
        8: {"duplicate"},
        10: {"bad_time"},
    }
    assert {r["field"] for r in rows if r["line"] == "3"} == {"pm2_5", "so2"}
    # 7 (line 2) + 5 (line 3) + 5 (line 7) + 7 (line 9, a day earlier: joins the time axis)
    # + 6 (line 11, voc blank) + 7 (line 12) values kept
    assert report.accepted == 37
    assert report.quarantined == len(rows)
    ds = open_station_cube(cubes).load()
    assert _value(ds, "SIM-1001A", "2026-05-01T00:05", "pm2_5") == 38.2
    assert _value(ds, "SIM-1002A", "2026-05-01T00:05", "pm10") == 70.1
    assert np.isnan(_value(ds, "SIM-1002A", "2026-05-01T00:05", "pm2_5"))
    assert _value(ds, "SIM-1002A", "2026-05-01T00:10", "so2") == 9.0
    assert _value(ds, "SIM-1003A", "2026-05-01T00:15", "co") == 0.7
    assert _value(ds, "SIM-1001A", "2026-05-01T00:15", "o3") == 86.0
    assert _value(ds, "SIM-1001A", "2026-04-30T00:05", "pm10") == 70.1
    assert int(ds.notnull().to_array().sum()) == 37
    assert ds.time.size == 4 and np.all(np.diff(ds.time.values) > np.timedelta64(0))


def test_reingest_is_all_duplicates_and_changes_nothing(cubes: Path):
    ingest_file(DATA / "junk_feed.csv", cubes)
    before = open_station_cube(cubes).load()
    again = ingest_file(DATA / "junk_feed.csv", cubes)
    assert again.accepted == 0 and again.reasons[Reason.DUPLICATE] == 37 + 7  # + line 8
    assert open_station_cube(cubes).load().identical(before)


def test_unknown_layout_raises_and_writes_nothing(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        ingest_file(bad, tmp_path / "cubes")
    assert "bad.csv:1: header" in str(err.value)
    assert not (tmp_path / "cubes").exists()


def _write_feed(path: Path, hours: int, stations: list[str]) -> None:
    lines = ["time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc"]
    for h in range(hours):
        for s in stations:
            t = np.datetime64("2026-05-01T00:00") + np.timedelta64(h + 1, "h")
            lines.append(f"{t}:00Z,{s},x,36.6,116.9,{h % 90 + 1}.5,{h % 50 + 20},5,20,0.5,60,30")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_crash_mid_ingest_leaves_store_complete_to_last_batch(
    cubes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    feed = tmp_path / "feed.csv"
    _write_feed(feed, 30, ["SIM-1001A", "SIM-1002A"])  # 60 rows: batches of 20 rows = 10 h
    real_commit = zarr_store.CubeStore._commit
    calls = {"n": 0}

    def crash_on_second(self, attrs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")  # arrays already grown and written, not committed
        real_commit(self, attrs)

    monkeypatch.setattr(zarr_store.CubeStore, "_commit", crash_on_second)
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_file(feed, cubes, batch_rows=20)
    monkeypatch.setattr(zarr_store.CubeStore, "_commit", real_commit)
    ds = open_station_cube(cubes).load()  # readable, first batch only
    assert ds.time.size == 10
    assert float(ds.pm2_5.isel(station=0, time=9)) == 10.5
    assert int(ds.pm2_5.notnull().sum()) == 20
    report = ingest_file(feed, cubes, batch_rows=20)  # resume: the rest goes in
    assert (report.accepted, report.reasons) == (40 * 7, {Reason.DUPLICATE: 20 * 7})
    ds = open_station_cube(cubes).load()
    assert ds.time.size == 30 and int(ds.pm2_5.notnull().sum()) == 60
    assert np.all(np.diff(ds.time.values) > np.timedelta64(0))


def test_wide_national_layout_local_time_and_sentinels(cubes: Path, tmp_path: Path):
    wide = tmp_path / "national.csv"
    wide.write_text(
        "StationCode,Longitude,Latitude,TimePoint,SO2,NO2,CO,O3,PM10,PM2.5\n"
        "SIM-1001A,116.935,36.654,2026-05-01T09:00:00,8,30,0.7,90,-9999,41\n"
        "SIM-1002A,116.923,36.658,2026-05-01T09:00:00,—,31,0.8,91,80,42\n",
        encoding="utf-8",
    )
    report = ingest_file(wide, cubes)
    assert report.layout == "national" and report.accepted == 10
    assert report.reasons == {Reason.NAN_OR_SENTINEL: 2}
    ds = open_station_cube(cubes).load()
    assert str(ds.time.values[0]).startswith("2026-05-01T01:00")  # 09:00 UTC+8
    assert _value(ds, "SIM-1002A", "2026-05-01T01:00", "pm2_5") == 42


def test_long_layout_converts_units_and_needs_them(cubes: Path, tmp_path: Path):
    long = tmp_path / "long.csv"
    long.write_text(
        "time_utc,station_id,pollutant,value,unit\n"
        "2026-05-01T01:00:00Z,SIM-1001A,no2,100,ppb\n"
        "2026-05-01T01:00:00Z,SIM-1001A,co,1000,ug/m3\n"
        "2026-05-01T01:00:00Z,SIM-1001A,so2,5,\n"
        "2026-05-01T01:00:00Z,SIM-1001A,pm2_5,5,furlongs\n"
        "2026-05-01T01:00:00Z,SIM-1001A,radon,5,ug m-3\n",
        encoding="utf-8",
    )
    report = ingest_file(long, cubes)
    assert report.accepted == 2
    assert report.reasons == {
        Reason.UNIT_MISSING: 1,
        Reason.UNIT_UNKNOWN: 1,
        Reason.UNKNOWN_POLLUTANT: 1,
    }
    ds = open_station_cube(cubes).load()
    assert _value(ds, "SIM-1001A", "2026-05-01T01:00", "no2") == pytest.approx(
        100 * 46.0055 / 24.465
    )
    assert _value(ds, "SIM-1001A", "2026-05-01T01:00", "co") == pytest.approx(1.0)


def test_openaq_json_measurements(cubes: Path, tmp_path: Path):
    doc = {
        "results": [
            {
                "locationId": "SIM-1003A",
                "parameter": "pm25",
                "value": 33.0,
                "unit": "µg/m³",
                "date": {"utc": "2026-05-01T02:00:00Z", "local": "2026-05-01T10:00:00+08:00"},
            },
            {
                "locationId": "SIM-1003A",
                "parameter": "o3",
                "value": 0.05,
                "unit": "ppm",
                "date": {"utc": "2026-05-01T02:00:00Z"},
            },
            {
                "locationId": "SIM-1003A",
                "parameter": "no2",
                "value": None,
                "unit": "µg/m³",
                "date": {"utc": "2026-05-01T02:00:00Z"},
            },
            {
                "locationId": "XX",
                "parameter": "pm10",
                "value": 3,
                "unit": "µg/m³",
                "date": {"utc": "2026-05-01T02:00:00Z"},
            },
        ]
    }
    path = tmp_path / "openaq.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = ingest_file(path, cubes)
    assert report.layout == "openaq" and report.accepted == 2
    assert report.reasons == {Reason.NAN_OR_SENTINEL: 1, Reason.UNKNOWN_STATION: 1}
    ds = open_station_cube(cubes).load()
    assert _value(ds, "SIM-1003A", "2026-05-01T02:00", "o3") == pytest.approx(50 * 47.997 / 24.465)


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 1000])
def test_wide_rows_same_outcome_whatever_the_batches(cubes: Path, tmp_path: Path, batch_rows: int):
    """The append engine: duplicates, fills and times joining the axis, across batches."""
    feed = tmp_path / "feed.csv"
    head = "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc"
    rows = [
        "2026-05-01T01:00:00Z,SIM-1001A,x,0,0,1,2,3,4,0.5,6,7",  # 2 accepted
        "2026-05-01T01:00:00Z,SIM-1001A,x,0,0,9,9,9,9,0.9,9,",  # 3 duplicate x6
        "2026-05-01T04:00:00Z,SIM-1001A,x,0,0,1,,3,4,0.5,6,7",  # 4 accepted (pm10 blank)
        "2026-05-01T01:00:00Z,SIM-1002A,x,0,0,5,,,,,,",  # 5 accepted (fills t=01:00)
        "2026-05-01T02:00:00Z,SIM-1001A,x,0,0,5,5,5,5,0.5,5,5",  # 6 accepted (joins the axis)
        "2026-05-01T04:00:00Z,SIM-1001A,x,0,0,,8,,,,,",  # 7 pm10 fills line 4's gap
        "2026-05-01T04:00:00Z,NOPE,x,0,0,1,-1,abc,,,,",  # 8 unknown_station/negative/nan
    ]
    feed.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    report = ingest_file(feed, cubes, batch_rows=batch_rows)
    got = sorted(
        (int(r["line"]), r["field"], r["reason"]) for r in quarantine.read(report.quarantine_path)
    )
    assert got == sorted(
        [(3, f, "duplicate") for f in ("pm2_5", "pm10", "so2", "no2", "co", "o3")]
        + [(8, "pm2_5", "unknown_station"), (8, "pm10", "negative")]
        + [(8, "so2", "not_a_number")]
    )
    assert report.accepted == 7 + 6 + 1 + 7 + 1
    ds = open_station_cube(cubes).load()
    assert _value(ds, "SIM-1001A", "2026-05-01T01:00", "pm2_5") == 1
    assert _value(ds, "SIM-1002A", "2026-05-01T01:00", "pm2_5") == 5
    assert _value(ds, "SIM-1001A", "2026-05-01T02:00", "so2") == 5
    assert _value(ds, "SIM-1001A", "2026-05-01T04:00", "pm10") == 8
    assert ds.time.size == 3


def test_extra_field_on_first_data_row_is_malformed_not_a_shift(cubes: Path, tmp_path: Path):
    """pandas would take the first column as the index and shift every column."""
    feed = tmp_path / "feed.csv"
    head = "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc"
    feed.write_text(
        f"{head}\n"
        "2026-05-01T01:00:00Z,SIM-1001A,x,0,0,1,2,3,4,0.5,6,7,extra\n"
        "2026-05-01T02:00:00Z,SIM-1001A,x,0,0,11,12,13,14,0.6,16,17\n"
        "2026-05-01T03:00:00Z,SIM-1002A,x,0,0,21,22,23,24,0.7,26,27,more\n"
        "2026-05-01T03:00:00Z,SIM-1003A,x,0,0,31,32,33,34,0.8,36,37\n",
        encoding="utf-8",
    )
    report = ingest_file(feed, cubes)
    rows = quarantine.read(report.quarantine_path)
    assert sorted((int(r["line"]), r["reason"]) for r in rows) == [
        (2, "malformed"),
        (4, "malformed"),
    ]
    assert "expected 12 fields, saw 13" in next(r["detail"] for r in rows if r["line"] == "2")
    assert (report.rows_read, report.accepted) == (4, 14)
    ds = open_station_cube(cubes).load()
    assert _value(ds, "SIM-1001A", "2026-05-01T02:00", "pm2_5") == 11
    assert _value(ds, "SIM-1001A", "2026-05-01T02:00", "voc") == 17
    assert _value(ds, "SIM-1003A", "2026-05-01T03:00", "co") == 0.8
    assert ds.time.size == 2


@pytest.mark.parametrize("layout", ["simulator", "long"])
def test_only_data_row_with_extra_field_is_malformed(cubes: Path, tmp_path: Path, layout: str):
    feed = tmp_path / "feed.csv"
    if layout == "long":
        text = (
            "time_utc,station_id,pollutant,value,unit\n"
            "2026-05-01T01:00:00Z,SIM-1001A,so2,3,ug/m3,x\n"
        )
    else:
        text = (
            "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc\n"
            "2026-05-01T01:00:00Z,SIM-1001A,x,0,0,1,2,3,4,0.5,6,7,extra\n"
        )
    feed.write_text(text, encoding="utf-8")
    report = ingest_file(feed, cubes)
    assert (report.layout, report.rows_read, report.accepted) == (layout, 1, 0)
    assert report.reasons == {Reason.MALFORMED: 1}


def test_cube_written_with_another_codec_still_opens_and_appends(tmp_path: Path):
    """Codecs are stored per array: a cube keeps the codec it was created with."""
    from zarr.codecs import BloscCodec

    from sensors.cubes import station as cube_station

    root = tmp_path / "cubes"
    cube_station.create(
        root / "stations.zarr", compressors=BloscCodec(cname="lz4", shuffle="shuffle")
    )
    ingest_file(DATA / "stations_meta.csv", root)
    feed = tmp_path / "feed.csv"
    _write_feed(feed, 30, ["SIM-1001A", "SIM-1002A"])
    report = ingest_file(feed, root, batch_rows=20)
    assert report.accepted == 60 * 7 and report.quarantined == 0
    arr = cube_station.open_store(root / "stations.zarr").group["pm2_5"]
    assert type(arr.compressors[0]).__name__ == "BloscCodec"
    ds = open_station_cube(root).load()
    assert ds.time.size == 30 and int(ds.pm2_5.notnull().sum()) == 60
    assert ds.pm2_5.attrs["units"] and ds.attrs["featureType"] == "timeSeries"
