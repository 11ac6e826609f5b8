"""CSV files as feeds see them: the header, the line ending, and rows in batches with lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensors.feeds.csv_blocks import BlockError, ParsedBlock, parse_blocks
from sensors.feeds.protocol import IngestError

_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class CsvHeader:
    """A CSV's field names (quotes and byte-order mark removed) and its line ending."""

    names: tuple[str, ...]
    cr_only: bool
    """Lines end with a lone CR (old Mac exports): read as if they ended with LF."""


def read_header(path: Path) -> CsvHeader:
    """The header of a CSV; IngestError if it cannot be read as UTF-8 text."""
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise IngestError(path, 0, "file", exc.strerror or str(exc)) from exc
    lf, cr = head.find(b"\n"), head.find(b"\r")
    cr_only = cr >= 0 and (lf < 0 or cr < lf) and head[cr + 1 : cr + 2] != b"\n"
    end = cr if cr_only else lf
    first = head if end < 0 else head[:end]
    if b"\0" in first:
        raise IngestError(path, 1, "header", "binary data, not a CSV text file")
    try:
        text = first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise IngestError(path, 1, "header", "not UTF-8 text") from exc
    try:
        fields = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise IngestError(path, 1, "header", str(exc)) from exc
    return CsvHeader(tuple(h.strip() for h in fields), cr_only)


def header_of(path: Path) -> list[str]:
    """Field names of a CSV's first line."""
    return list(read_header(path).names)


def read_csv_batches(
    path: Path,
    batch_rows: int,
    dtype: dict[str, str],
    convert: Callable[[pd.DataFrame, np.ndarray, list[tuple[int, str]]], Any] | None = None,
) -> Iterator[Any]:
    """Frames of at most batch_rows rows with the file line of each row and malformed (line,
    text) — or what convert makes of them, computed on the parse threads.

    dtype gives the pandas dtype of some columns ("category": each distinct text read once);
    a reader may change it between frames (blocks parsed later follow). Blocks of the file are
    parsed side by side on worker threads. Before rows past the first batch_rows are handed
    out, the rest of the file is checked for bytes that are not UTF-8 and quotes that never
    close, so a caller committing batch by batch commits a file whole or not at all.
    """
    header = read_header(path)

    def pieces(block: ParsedBlock) -> list[Any]:
        out, malformed = [], block.malformed
        for start in range(0, max(len(block.frame), 1), batch_rows):
            stop = start + batch_rows
            frame = block.frame if len(block.frame) <= batch_rows else block.frame[start:stop]
            part = (frame, block.lines[start:stop], malformed)
            out.append(convert(*part) if convert is not None else part)
            malformed = []
        return out

    try:
        for block in parse_blocks(
            path,
            list(header.names),
            dtype,
            cr_only=header.cr_only,
            verify_after_rows=batch_rows,
            convert=pieces,
        ):
            yield from block.converted
    except BlockError as exc:
        raise IngestError(path, exc.line, "row", exc.detail) from exc
