"""Block-parallel CSV parsing: the same rows and file lines as one pass, whatever the blocks."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.feeds import IngestError
from sensors.feeds.csv_blocks import BlockError, parse_blocks
from sensors.ingest import ingest_file

NAMES = ["a", "b", "c"]
TEXT = dict.fromkeys(NAMES, "string")

field = st.text(alphabet='xy0 ,"\n', min_size=1, max_size=6).filter(lambda s: s.strip(" ") != "")
record = st.tuples(st.lists(field, min_size=3, max_size=3), st.booleans())


def _write(records: list[tuple[list[str], bool]]) -> tuple[bytes, list[tuple[int, list[str]]]]:
    """CSV bytes and, per record, its first file line and its fields (a 4th when malformed)."""
    out = io.StringIO()
    out.write("a,b,c\n")
    placed = []
    line = 2
    for fields, extra in records:
        row = [*fields, "extra"] if extra else fields
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        text = buf.getvalue()
        out.write(text)
        placed.append((line, row))
        line += text.count("\n")
    return out.getvalue().encode(), placed


@settings(max_examples=120, deadline=None)
@given(records=st.lists(record, min_size=1, max_size=25), block_bytes=st.integers(1, 80))
def test_blocks_give_every_row_once_with_its_line(records, block_bytes: int):
    data, placed = _write(records)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        rows, lines, malformed = [], [], []
        for block in parse_blocks(path, NAMES, TEXT, block_bytes=block_bytes, workers=2):
            rows += block.frame[NAMES].astype(object).values.tolist()
            lines += block.lines.tolist()
            malformed += [line for line, _ in block.malformed]
    assert rows == [r for _, r in placed if len(r) == 3]
    assert lines == [line for line, r in placed if len(r) == 3]
    assert sorted(malformed) == [line for line, r in placed if len(r) == 4]


def test_blank_lines_keep_their_line_numbers(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_text("a,b,c\nx,y,z\n\nu,v,w\n", encoding="utf-8")
    blocks = list(parse_blocks(path, NAMES, TEXT, block_bytes=4))
    frame = pd.concat([b.frame for b in blocks])
    lines = [line for b in blocks for line in b.lines.tolist()]
    assert frame["a"].tolist()[0] == "x" and frame["a"].tolist()[-1] == "u"
    assert lines[0] == 2 and lines[-1] == 4


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path):
    path = tmp_path / "f.csv"
    body = "".join(f"x{i},y,z\n" for i in range(40)).encode()
    path.write_bytes(b"a,b,c\n" + body + b"x,\xff\xfe,z\n" + body)
    with pytest.raises(BlockError) as err:
        for _ in parse_blocks(path, NAMES, TEXT, block_bytes=64):
            pass
    assert err.value.line == 42 and "UTF-8" in err.value.detail


def test_ingest_of_bad_bytes_is_an_error_with_file_and_line(tmp_path: Path):
    path = tmp_path / "feed.csv"
    head = "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc\n"
    row = "2026-05-01T01:00:00Z,S1,x,0,0,1,2,3,4,0.5,6,7\n"
    path.write_bytes((head + row * 3).encode() + b"\xff" + row.encode())
    with pytest.raises(IngestError) as err:
        ingest_file(path, tmp_path / "cubes")
    assert err.value.line == 5 and str(path) in str(err.value)
