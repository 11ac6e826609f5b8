"""Parse a large CSV as blocks of whole records on worker threads, handed back in file order.

pandas' C parser releases the GIL while it tokenises and converts, so blocks parse side by
side. A block ends at a newline outside quotes; each keeps its file line numbers, and rows
with too many fields are reported as malformed (line, detail) rather than silently shifted.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensors.feeds.csv_cut import Block, BlockError, bad_byte, blocks, last_record_end

BLOCK_BYTES = 4 << 20
"""Bytes per parsed block (~40 k station rows): small enough to spread over the threads."""

VERIFY_BYTES = 16 << 20
"""Bytes read at a time when checking the rest of a file before a first commit."""

WORKERS = 2
"""Parse threads: one block parses while another is converted; pandas holds the GIL for part
of each block, so more threads were measured no faster."""

_BAD_LINE = re.compile(r"[Ll]ine (\d+): expected (\d+) fields, saw (\d+)")
_ROW = re.compile(r"starting at row (\d+)")
_ERROR_LINE = re.compile(r"Expected \d+ fields in line \d+")


@dataclass(frozen=True)
class ParsedBlock:
    """A block's rows, the file line of each, and its malformed rows as (line, detail)."""

    frame: pd.DataFrame
    lines: np.ndarray
    malformed: list[tuple[int, str]]
    converted: Any = None


def verify_rest(
    path: Path, offset: int, first_line: int, names: list[str], cr_only: bool = False
) -> None:
    """Raise BlockError if the file from offset on holds bytes that are not UTF-8, or a quote
    that never closes (pandas would stop there); reads each byte once, records are not parsed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, quotes, tail_start, tail_line = first_line, 0, offset, first_line
    with path.open("rb") as f:
        f.seek(offset)
        pos = offset
        while piece := f.read(VERIFY_BYTES):
            if cr_only:
                piece = piece.replace(b"\r", b"\n")
            if not piece.isascii():
                try:
                    decoder.decode(piece)
                except UnicodeDecodeError as exc:
                    where = line + piece.count(b"\n", 0, exc.start)
                    raise BlockError(where, bad_byte(piece, exc.start)) from None
            end = last_record_end(piece, 0, quotes % 2)
            if end:
                tail_start, tail_line = pos + end, line + piece.count(b"\n", 0, end)
            quotes += piece.count(b'"')
            line += piece.count(b"\n")
            pos += len(piece)
    if quotes % 2 == 0:
        return
    with path.open("rb") as f:  # odd: a literal quote inside a field, or one that never closes
        f.seek(tail_start)
        tail = f.read()
    if cr_only:
        tail = tail.replace(b"\r", b"\n")
    try:
        _read(tail, names, dict.fromkeys(names, "string"), "skip")
    except pd.errors.ParserError as exc:
        raise _parser_error(exc, tail, tail_line) from exc


def parse_blocks(
    path: Path,
    names: list[str],
    dtype: Mapping[str, str],
    block_bytes: int | None = None,
    workers: int | None = None,
    cr_only: bool = False,
    verify_after_rows: int | None = None,
    convert: Callable[[ParsedBlock], Any] | None = None,
) -> Iterator[ParsedBlock]:
    """Parsed blocks of a CSV (header line given as names) in file order.

    Raises BlockError for a block that cannot be read. With verify_after_rows, once that many
    rows were handed out and more follow, the rest of the file is checked (verify_rest) before
    the next block is handed out: a caller committing per batch then commits all or nothing.
    convert, if given, runs on each parsed block on its worker thread; its result is the
    block's ``converted``.
    """
    names = _unique(names)
    workers = workers or min(WORKERS, os.cpu_count() or 1)
    block_bytes = block_bytes or BLOCK_BYTES
    handed = 0
    with ThreadPoolExecutor(workers, thread_name_prefix="csv-block") as pool:
        pending: deque[tuple[Block, Future[ParsedBlock | None]]] = deque()
        source = blocks(path, block_bytes, cr_only)
        try:
            for block in source:
                pending.append((block, pool.submit(_work, block, names, dtype, convert)))
                if len(pending) > workers:
                    done = pending.popleft()
                    parsed = _result(*done, names, dtype, convert)
                    handed = _verify_once(
                        path, names, cr_only, verify_after_rows, handed, parsed, done[0]
                    )
                    yield parsed
            while pending:
                done = pending.popleft()
                parsed = _result(*done, names, dtype, convert)
                handed = _verify_once(
                    path, names, cr_only, verify_after_rows, handed, parsed, done[0]
                )
                yield parsed
        finally:
            for _, future in pending:
                future.cancel()


def _verify_once(
    path: Path,
    names: list[str],
    cr_only: bool,
    after_rows: int | None,
    handed: int,
    parsed: ParsedBlock,
    block: Block,
) -> int:
    """Rows handed out so far; checks the rest of the file when they first reach after_rows."""
    total = handed + len(parsed.frame)
    if after_rows is not None and handed < after_rows <= total:
        end_line = block.first_line + block.newline_count()
        verify_rest(path, block.offset + len(block.data), end_line, names, cr_only)
    return total


def _work(
    block: Block,
    names: list[str],
    dtype: Mapping[str, str],
    convert: Callable[[ParsedBlock], Any] | None,
) -> ParsedBlock | None:
    """A worker's share: parse and convert a block; None if it has malformed rows."""
    parsed = _parse_fast(block, names, dtype)
    if parsed is not None and convert is not None:
        parsed = replace(parsed, converted=convert(parsed))
    return parsed


def _result(
    block: Block,
    future: Future[ParsedBlock | None],
    names: list[str],
    dtype: Mapping[str, str],
    convert: Callable[[ParsedBlock], Any] | None,
) -> ParsedBlock:
    """A block's parse; one with malformed rows is parsed again here, on the calling thread,
    because the careful parse reads pandas' warnings and warning capture is process-wide."""
    parsed = future.result()
    if parsed is None:
        parsed = _parse_careful(block, names, dtype)
        if convert is not None:
            parsed = replace(parsed, converted=convert(parsed))
    return parsed


def _read(data: bytes, names: list[str], dtype: Mapping[str, str], on_bad: str) -> pd.DataFrame:
    dtype = {n: t for n, t in list(dtype.items()) if n in names}
    return pd.read_csv(
        io.BytesIO(data),
        header=None,
        names=names,
        dtype=dtype,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        on_bad_lines=on_bad,
        encoding="utf-8",
    )


def _parse_fast(block: Block, names: list[str], dtype: Mapping[str, str]) -> ParsedBlock | None:
    """Parse a block with no malformed rows; None when it has some (the careful parse follows)."""
    if _first_row_fields(block.data) > len(names):
        return None
    try:
        frame = _read(block.data, names, dtype, "error")
    except pd.errors.ParserError as exc:
        if _ERROR_LINE.search(str(exc)):
            return None
        raise _parser_error(exc, block.data, block.first_line) from exc
    except UnicodeDecodeError:
        raise _not_utf8(block.data, block.first_line) from None
    lines = _record_lines(block.data, block.first_line, len(frame), block.newline_count())
    return ParsedBlock(frame, lines, [])


def _parse_careful(block: Block, names: list[str], dtype: Mapping[str, str]) -> ParsedBlock:
    """Parse a block that has rows with too many fields: skip and report each one."""
    data, first_line = block.data, block.first_line
    malformed: list[tuple[int, str]] = []
    # pandas would take a first record's extra field as the index and shift the rest
    while data and (fields := _first_row_fields(data)) > len(names):
        malformed.append((first_line, f"expected {len(names)} fields, saw {fields}"))
        first = _first_record(data)
        data, first_line = data[len(first) :], first_line + first.count(b"\n")
    if not data:
        frame = pd.DataFrame({n: pd.Series([], dtype=dtype.get(n, "string")) for n in names})
        return ParsedBlock(frame, np.empty(0, np.int64), malformed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = _read(data, names, dtype, "warn")
        except UnicodeDecodeError:
            raise _not_utf8(data, first_line) from None
        except pd.errors.ParserError as exc:
            raise _parser_error(exc, data, first_line) from exc
    bad = {}  # record number (1-based, as pandas counts) → fields seen
    for w in caught:
        for m in _BAD_LINE.finditer(str(w.message)):
            bad[int(m.group(1))] = m.group(3)
    starts = _record_lines(data, first_line, len(frame) + len(bad))
    malformed += [
        (int(starts[r - 1]), f"expected {len(names)} fields, saw {n}") for r, n in bad.items()
    ]
    keep = np.ones(starts.size, dtype=bool)
    keep[[r - 1 for r in bad]] = False
    return ParsedBlock(frame, starts[keep], malformed)


def _record_lines(
    data: bytes, first_line: int, records: int, newlines: int | None = None
) -> np.ndarray:
    """File line on which each of a block's records starts (a quoted newline stays inside);
    newlines, if known, is the number of newlines in data."""
    if newlines is None:
        newlines = data.count(b"\n")
    if newlines + (not data.endswith(b"\n")) == records:  # one line per record
        return np.arange(first_line, first_line + records, dtype=np.int64)
    starts, inside = [], False
    for i, physical in enumerate(data.split(b"\n")):
        if not inside and len(starts) < records:
            starts.append(first_line + i)
        if physical.count(b'"') % 2:
            inside = not inside
    return np.array(starts, dtype=np.int64)


def _parser_error(exc: Exception, data: bytes, first_line: int) -> BlockError:
    """pandas' error for a block, at the file line of the record it names."""
    text = str(exc).strip()
    m = _ROW.search(text)
    if m:
        row = int(m.group(1))
        starts = _record_lines(data, first_line, row + 1)
        if starts.size > row:
            return BlockError(int(starts[row]), text)
    return BlockError(first_line, text)


def _not_utf8(data: bytes, first_line: int) -> BlockError:
    """The error for a block with bytes that are not UTF-8, naming the line they are on."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        return BlockError(line, bad_byte(data, exc.start))
    return BlockError(first_line, "not UTF-8 text")


def _first_record(data: bytes) -> bytes:
    """A block's first record, with its newline (quoted newlines stay inside it)."""
    end = data.find(b"\n") + 1
    quotes = data.count(b'"', 0, end)
    while end and quotes % 2:
        nxt = data.find(b"\n", end) + 1
        if not nxt:
            return data
        quotes += data.count(b'"', end, nxt)
        end = nxt
    return data[:end] if end else data


def _first_row_fields(data: bytes) -> int:
    """Number of fields of a block's first record."""
    first = _first_record(data)
    if b'"' not in first:
        return first.count(b",") + 1 if first.strip() else 0
    try:
        return len(next(csv.reader(io.StringIO(first.decode("utf-8", "replace"))), []))
    except csv.Error:
        return 0


def _unique(names: list[str]) -> list[str]:
    """Header names made unique as pandas does (a repeated "x" becomes "x.1")."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}.{n}")
    return out
