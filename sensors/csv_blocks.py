"""Parse a large CSV as blocks of whole records on worker threads, handed back in file order.

pandas' C parser releases the GIL while it tokenises and converts, so blocks parse side by
side. A block ends at a newline outside quotes; each keeps its file line numbers, and rows
with too many fields are reported as malformed (line, detail) rather than silently shifted.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

BLOCK_BYTES = 4 << 20
"""Bytes per parsed block (~40 k station rows): small enough to spread over the threads."""

WORKERS = 2
"""Parse threads: one block parses while another is converted; pandas holds the GIL for part
of each block, so more threads were measured no faster."""

_BAD_LINE = re.compile(r"[Ll]ine (\d+): expected (\d+) fields, saw (\d+)")
_ERROR_LINE = re.compile(r"Expected \d+ fields in line \d+")


@dataclass(frozen=True)
class Block:
    """Whole records of a file: their bytes and the file line of the first one."""

    data: bytes
    first_line: int


@dataclass(frozen=True)
class ParsedBlock:
    """A block's rows, the file line of each, and its malformed rows as (line, detail)."""

    frame: pd.DataFrame
    lines: np.ndarray
    malformed: list[tuple[int, str]]


class BlockError(ValueError):
    """A block pandas cannot read at all (bad bytes, broken quoting), with the line it starts."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line, self.detail = line, detail


def blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """The records after the header line, cut into blocks at newlines outside quotes."""
    with path.open("rb") as f:
        f.readline()
        line, carry = 2, b""
        while chunk := f.read(block_bytes):
            buf = carry + chunk if carry else chunk
            cut = buf.rfind(b"\n") + 1
            while cut and buf.count(b'"', 0, cut) % 2:  # inside a quoted field: cut earlier
                cut = buf.rfind(b"\n", 0, cut - 1) + 1
            if cut == 0:
                carry = buf
                continue
            data, carry = (buf[:cut], buf[cut:]) if cut < len(buf) else (buf, b"")
            yield Block(data, line)
            line += data.count(b"\n")
        if carry:
            yield Block(carry, line)


def parse_blocks(
    path: Path,
    names: list[str],
    dtype: Mapping[str, str],
    block_bytes: int = BLOCK_BYTES,
    workers: int | None = None,
) -> Iterator[ParsedBlock]:
    """Parsed blocks of a CSV (header line given as names) in file order.

    Raises BlockError for a block that cannot be read; blocks before it were handed out.
    """
    names = _unique(names)
    workers = workers or min(WORKERS, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers, thread_name_prefix="csv-block") as pool:
        pending: deque[tuple[Block, Future[ParsedBlock | None]]] = deque()
        source = blocks(path, block_bytes)
        try:
            for block in source:
                pending.append((block, pool.submit(_parse_fast, block, names, dtype)))
                if len(pending) > workers:
                    yield _result(*pending.popleft(), names, dtype)
            while pending:
                yield _result(*pending.popleft(), names, dtype)
        finally:
            for _, future in pending:
                future.cancel()


def _result(
    block: Block, future: Future[ParsedBlock | None], names: list[str], dtype: Mapping[str, str]
) -> ParsedBlock:
    parsed = future.result()
    return parsed if parsed is not None else _parse_careful(block, names, dtype)


def _read(data: bytes, names: list[str], dtype: Mapping[str, str], on_bad: str) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(data),
        header=None,
        names=names,
        dtype=dict(dtype),
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
        raise BlockError(block.first_line, str(exc).strip()) from exc
    except UnicodeDecodeError:
        raise _not_utf8(block.data, block.first_line) from None
    return ParsedBlock(frame, _record_lines(block.data, block.first_line, len(frame)), [])


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
            raise BlockError(first_line, str(exc).strip()) from exc
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


def _record_lines(data: bytes, first_line: int, records: int) -> np.ndarray:
    """File line on which each of a block's records starts (a quoted newline stays inside)."""
    if data.count(b"\n") + (not data.endswith(b"\n")) == records:  # one line per record
        return np.arange(first_line, first_line + records, dtype=np.int64)
    starts, inside = [], False
    for i, physical in enumerate(data.split(b"\n")):
        if not inside and len(starts) < records:
            starts.append(first_line + i)
        if physical.count(b'"') % 2:
            inside = not inside
    return np.array(starts, dtype=np.int64)


def _not_utf8(data: bytes, first_line: int) -> BlockError:
    """The error for a block with bytes that are not UTF-8, naming the line they are on."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        return BlockError(line, f"not UTF-8 text (byte {data[exc.start]:#04x})")
    return BlockError(first_line, "not UTF-8 text")


def _first_record(data: bytes) -> bytes:
    """A block's first record, with its newline (quoted newlines stay inside it)."""
    end = data.find(b"\n") + 1
    while end and data.count(b'"', 0, end) % 2:
        end = data.find(b"\n", end) + 1
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
