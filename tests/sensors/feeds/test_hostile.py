"""Files no one here wrote: quoted headers, CR line ends, stray quotes, sentinels, bad bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from sensors.cubes import open_station_cube
from sensors.feeds import IngestError, csv_blocks, csv_cut
from sensors.ingest import Reason, ingest_file, quarantine

DATA = Path(__file__).parents[1] / "data"
HEAD = "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc"
NOW = datetime(2026, 5, 2, tzinfo=UTC)


@pytest.fixture
def cubes(tmp_path: Path) -> Path:
    root = tmp_path / "cubes"
    ingest_file(DATA / "stations_meta.csv", root, now=NOW)
    return root


def _rows(hours: int, station: str = "SIM-1001A", name: str = "Huaiyin") -> list[str]:
    out = []
    for h in range(hours):
        t = (np.datetime64("2026-05-01T00:00") + np.timedelta64(h, "m")).astype(str)
        out.append(f"{t}:00Z,{station},{name},36.6,116.9,{h % 90 + 1}.5,70,9,28,0.6,85,40")
    return out


def _cells(root: Path) -> int:
    return int(open_station_cube(root).load().pm2_5.notnull().sum())


def test_quoted_header_as_r_write_csv_writes_it(cubes: Path, tmp_path: Path):
    feed = tmp_path / "r.csv"
    quoted = ",".join(f'"{h}"' for h in HEAD.split(","))
    body = [
        ",".join(f'"{x}"' if i < 3 else x for i, x in enumerate(r.split(","))) for r in _rows(5)
    ]
    feed.write_text("\n".join([quoted, *body]) + "\n", encoding="utf-8")
    report = ingest_file(feed, cubes, now=NOW)
    assert (report.layout, report.accepted, report.quarantined) == ("simulator", 35, 0)


def test_cr_only_line_endings_are_read_whole(cubes: Path, tmp_path: Path):
    feed = tmp_path / "mac.csv"
    feed.write_bytes(("\r".join([HEAD, *_rows(30)]) + "\r").encode())
    report = ingest_file(feed, cubes, now=NOW, batch_rows=7)
    assert (report.rows_read, report.accepted) == (30, 210)
    assert _cells(cubes) == 30


def test_text_sentinels_are_quarantined_like_numbers_across_blocks(
    cubes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 512)  # NA first appears in a later block
    rows = _rows(60)
    for i, word in ((40, "NA"), (45, "-"), (50, "null"), (55, "n/a")):
        parts = rows[i].split(",")
        parts[5] = word
        rows[i] = ",".join(parts)
    rows[57] = rows[57].replace(",70,", ",lots,")
    feed = tmp_path / "na.csv"
    feed.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    report = ingest_file(feed, cubes, now=NOW)
    assert report.reasons == {Reason.NAN_OR_SENTINEL: 4, Reason.NOT_A_NUMBER: 1}
    got = {(int(r["line"]), r["value"]) for r in quarantine.read(report.quarantine_path)}
    assert got == {(42, "NA"), (47, "-"), (52, "null"), (57, "n/a"), (59, "lots")}
    assert report.accepted == 60 * 7 - 5


def test_a_row_stamped_2099_is_refused_and_poisons_nothing(cubes: Path, tmp_path: Path):
    first = tmp_path / "a.csv"
    rows = _rows(3)
    rows.append(rows[0].replace("2026-05-01T00:00", "2099-01-01T00:00"))
    first.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    report = ingest_file(first, cubes, now=NOW)
    assert report.reasons == {Reason.IN_FUTURE: 7}
    nxt = tmp_path / "b.csv"
    nxt.write_text("\n".join([HEAD, *_rows(10)[3:]]) + "\n", encoding="utf-8")
    assert ingest_file(nxt, cubes, now=NOW).accepted == 7 * 7
    times = open_station_cube(cubes).time.values
    assert times.max() < np.datetime64("2026-05-02")


@pytest.mark.parametrize(
    ("fault", "detail"),
    [(b"\xff\xfe", "UTF-8"), (b'"never closed', "EOF inside string")],
)
def test_a_file_failing_late_changes_nothing(cubes: Path, tmp_path: Path, fault, detail):
    """All or nothing: a fault in the last batch stops the file before any batch is committed."""
    feed = tmp_path / "late.csv"
    body = ("\n".join([HEAD, *_rows(90)]) + "\n").encode()
    bad = _rows(91)[90].encode().replace(b"Huaiyin", fault)
    feed.write_bytes(body + bad + b"\n" + ("\n".join(_rows(95)[91:]) + "\n").encode())
    before = open_station_cube(cubes).load()
    with pytest.raises(IngestError) as err:
        ingest_file(feed, cubes, now=NOW, batch_rows=20)
    assert detail in str(err.value) and err.value.line == 92
    assert open_station_cube(cubes).load().identical(before)
    assert not (cubes / "quarantine").exists()


def test_a_literal_quote_inside_a_field_is_data(cubes: Path, tmp_path: Path):
    feed = tmp_path / "inch.csv"
    rows = _rows(40)
    rows[5] = rows[5].replace("Huaiyin", 'Huaiyin 5" inlet')
    feed.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    report = ingest_file(feed, cubes, now=NOW, batch_rows=10)
    assert (report.accepted, report.quarantined) == (280, 0)


def test_a_stray_quote_keeps_the_block_cutter_linear(tmp_path: Path, monkeypatch):
    """Each byte is looked at a bounded number of times, however long the quoted stretch."""
    path = tmp_path / "stray.csv"
    rows = _rows(20_000)
    rows[3] = rows[3].replace("Huaiyin", '"Huaiyin')
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    scanned = []
    real = csv_cut.last_record_end

    def counting(buf, start, quotes):
        scanned.append(len(buf) - start)
        return real(buf, start, quotes)

    monkeypatch.setattr(csv_cut, "last_record_end", counting)
    blocks = list(csv_cut.blocks(path, block_bytes=4096))
    assert sum(len(b.data) for b in blocks) == path.stat().st_size - len(HEAD) - 1
    assert [b.first_line for b in blocks] == [2, 5]  # no cut after the stray quote on line 5
    assert sum(scanned) <= 2 * path.stat().st_size  # was about size² / block_bytes


def test_co_plausible_only_in_the_other_unit_is_flagged(cubes: Path, tmp_path: Path):
    feed = tmp_path / "national.csv"
    feed.write_text(
        "StationCode,TimePoint,CO,NO2\n"
        "SIM-1001A,2026-05-01T09:00:00,120,30\n"  # 120 "mg/m³": µg/m³ under the wrong unit
        "SIM-1001A,2026-05-01T10:00:00,0.8,31\n",
        encoding="utf-8",
    )
    report = ingest_file(feed, cubes, now=NOW)
    assert report.reasons == {Reason.UNIT_SUSPECT: 1} and report.accepted == 3
