"""Station feeds followed as they grow: new complete lines only, junk quarantined with the feed's
own file and line, truncation and rotation read again without duplicates, restarts carry on."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from command.events import EventBus, StationReading, StationReadingsStored
from command.sensing import FeedFollower, FeedSource, LiveSensing, SensingConfig
from sensors.cubes import open_station_cube
from sensors.ingest.quarantine import read as read_quarantine

DATA = Path(__file__).resolve().parents[2] / "sensors" / "data"
HEADER = "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc\n"
NOW = datetime(2026, 5, 2, tzinfo=UTC)


def row(hour: int, station: str = "SIM-1001A", pm2_5: str = "38.2") -> str:
    """One simulator-layout row of 2026-05-01 at hour:00 UTC."""
    return f"2026-05-01T{hour:02d}:00:00Z,{station},x,36.65,116.93,{pm2_5},70,9,28,0.6,85,40\n"


def follower(tmp_path: Path, bus: EventBus, feed: Path) -> FeedFollower:
    meta = tmp_path / "stations_meta.csv"
    if not meta.exists():
        shutil.copy(DATA / "stations_meta.csv", meta)
    return FeedFollower(
        FeedSource("city", feed, metadata=meta),
        tmp_path / "cubes",
        bus.publish,
        threading.Lock(),
        lambda: NOW,
        check_s=60.0,
    )


def values_held(tmp_path: Path) -> int:
    ds = open_station_cube(tmp_path / "cubes").load()
    return int(sum(np.isfinite(ds[p].values).sum() for p in ("pm2_5", "pm10", "co", "voc")))


def test_new_complete_lines_are_ingested_and_a_partial_line_waits(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + row(1) + row(1, "SIM-1002A") + row(2)[:30])
    bus = EventBus()
    events = bus.subscribe("test", kinds=[StationReadingsStored, StationReading])
    f = follower(tmp_path, bus, feed)
    assert f.step() is True
    assert f.step() is False  # the partial line waits for its newline
    stored, *readings = events.drain()
    assert isinstance(stored, StationReadingsStored)
    assert stored.rows == 2 and stored.rejected == 0 and stored.feed == "city"
    assert stored.stations == ("SIM-1001A", "SIM-1002A")
    assert stored.last_utc == datetime(2026, 5, 1, 1, tzinfo=UTC)
    assert [r.station_id for r in readings] == ["SIM-1001A", "SIM-1002A"]
    first = readings[0]
    assert first.name == "Huaiyin district station"  # from the metadata, not the row
    assert (first.latitude_deg, first.longitude_deg) == (36.654, 116.935)
    assert dict(first.values)["pm2_5"] == 38.2 and len(first.values) == 7
    assert first.period_end_utc == datetime(2026, 5, 1, 1, tzinfo=UTC)
    with feed.open("a") as out:
        out.write(row(2)[30:])
    assert f.step() is True
    assert values_held(tmp_path) == 3 * 4
    assert f.status().lines == 4 and f.status().error is None


def test_junk_rows_are_quarantined_with_the_feed_file_and_its_lines(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + row(1) + row(2))
    bus = EventBus()
    f = follower(tmp_path, bus, feed)
    f.step()
    with feed.open("a") as out:
        out.write(row(3, pm2_5="lots"))  # line 4
        out.write(row(4, station="SIM-9999A"))  # line 5
        out.write(row(5, pm2_5="-5").rstrip("\n") + ",extra\n")  # line 6
        out.write(row(6, pm2_5="-9999"))  # line 7
    events = bus.subscribe("test", kinds=[StationReadingsStored])
    assert f.step() is True
    (stored,) = events.drain()
    assert stored.rows == 4 and stored.rejected > 0
    rows = []
    for path in (tmp_path / "cubes" / "quarantine").glob("feed.csv-*.csv"):
        rows += read_quarantine(path)
    where = {(r["line"], r["field"], r["reason"]) for r in rows}
    assert ("4", "pm2_5", "not_a_number") in where
    assert ("5", "pm2_5", "unknown_station") in where
    assert any(line == "6" and why == "malformed" for line, _, why in where)
    assert ("7", "pm2_5", "nan_or_sentinel") in where
    assert {r["file"] for r in rows} == {str(feed)}
    assert values_held(tmp_path) == 2 * 4 + 3 + 3  # hour 3 and 6 keep their other values


def test_truncation_and_rotation_read_again_without_duplicates(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + row(1) + row(2) + row(3))
    bus = EventBus()
    f = follower(tmp_path, bus, feed)
    f.step()
    assert values_held(tmp_path) == 12
    with feed.open("r+") as out:  # cut and rewritten in place, longer than before
        out.truncate(0)
        out.write(HEADER + row(3) + row(4) + row(5) + row(6))
    assert f.step() is True
    assert values_held(tmp_path) == 4 * 6  # hours 1-6 once each; hour 3 refused as duplicate
    dups = []
    for path in (tmp_path / "cubes" / "quarantine").glob("feed.csv-*.csv"):
        dups += [r for r in read_quarantine(path) if r["reason"] == "duplicate"]
    assert {r["line"] for r in dups} == {"2"} and len(dups) == 7
    os.replace(feed, tmp_path / "feed.csv.1")  # rotated: a new file under the old name
    feed.write_text(HEADER + row(7))
    assert f.step() is True
    assert values_held(tmp_path) == 4 * 7
    feed.write_text(HEADER)  # truncated to its header: nothing new, nothing lost
    assert f.step() is False
    assert values_held(tmp_path) == 4 * 7


def test_a_restart_carries_on_where_the_feed_was_read_to(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + row(1) + row(2))
    follower(tmp_path, EventBus(), feed).step()
    with feed.open("a") as out:
        out.write(row(3))
    again = follower(tmp_path, EventBus(), feed)
    assert again.step() is True
    assert again.status().values_stored == 7  # only line 4
    assert not list((tmp_path / "cubes" / "quarantine").glob("feed.csv-*.csv"))
    assert values_held(tmp_path) == 12


def test_a_block_the_engine_cannot_read_is_kept_back_with_the_line_named(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + row(1))
    f = follower(tmp_path, EventBus(), feed)
    f.step()
    with feed.open("ab") as out:
        out.write(row(2).encode() + b"2026-05-01T03:00:00Z,SIM-1001A,\xff\xfe,1,2,3,4,5,6,7,8,9\n")
    assert f.step() is False
    error = f.status().error
    assert error is not None and str(feed) in error and ":4:" in error
    assert values_held(tmp_path) == 4  # nothing of the refused block
    feed.write_text(HEADER + row(1) + row(2) + row(3))  # the file put right
    assert f.step() is True and f.status().error is None
    assert values_held(tmp_path) == 12


def test_a_followed_feed_wakes_on_a_change_notice(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER)
    shutil.copy(DATA / "stations_meta.csv", tmp_path / "stations_meta.csv")
    bus = EventBus()
    events = bus.subscribe("test", kinds=[StationReadingsStored])
    source = FeedSource("city", feed, metadata=tmp_path / "stations_meta.csv")
    config = SensingConfig(feed_check_s=3600.0)  # no periodic look: only a notice wakes it
    with LiveSensing(tmp_path / "cubes", bus=bus, feeds=[source], config=config):
        for hour in (1, 2):
            with feed.open("a") as out:
                out.write(row(hour))
            stored = events.get(timeout_s=20)
            assert stored is not None and stored.last_utc == datetime(2026, 5, 1, hour, tzinfo=UTC)
    assert values_held(tmp_path) == 8
