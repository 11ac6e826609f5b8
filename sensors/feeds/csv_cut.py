"""Cut a CSV file into blocks of whole records: newlines outside quotes, each byte looked at a
bounded number of times, a block's bytes read once and its newlines counted once.

The cut is found in a memory map of the file; the block's bytes are read with ``os.pread``
and its newlines counted with numpy, both without holding the GIL, so the parse threads
are not kept waiting while the next block is cut.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np


@dataclass(frozen=True)
class Block:
    """Whole records of a file: their bytes, the file line of the first one, its byte offset
    and the number of newlines in its bytes (-1: not counted yet)."""

    data: bytes
    first_line: int
    offset: int = 0
    newlines: int = -1

    def newline_count(self) -> int:
        """Newlines in the block's bytes (counted once, when cut)."""
        return self.newlines if self.newlines >= 0 else count_newlines(self.data)


class BlockError(ValueError):
    """A block pandas cannot read at all (bad bytes, broken quoting), with the line it starts."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line, self.detail = line, detail


def blocks(path: Path, block_bytes: int, cr_only: bool = False) -> Iterator[Block]:
    """The records after the header line, cut into blocks at newlines outside quotes.

    cr_only: the file ends its lines with a lone CR (old Mac exports); they are read as LF.
    Each byte is looked at a bounded number of times, whatever the quoting; a block's bytes
    are read once (twice if it holds quotes) and its newlines counted once.
    """
    if cr_only:
        yield from _translated_blocks(path, block_bytes)
        return
    with path.open("rb") as f:
        _skip_header(f, False)
        pos, size = f.tell(), os.fstat(f.fileno()).st_size
        if pos >= size:
            return
        fd, count = f.fileno(), NewlineCounter()
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mm:
            line, scan, quotes = 2, pos, 0  # mm[pos:scan] ends no record; holds `quotes` quotes
            while pos < size:
                hi = min(size, scan + block_bytes)
                data = None
                if hi == size:
                    cut = size
                elif quotes % 2 == 0 and (nl := mm.rfind(b"\n", scan, hi)) >= 0:
                    # the last newline ends a record unless a quote comes before it
                    data = _read_at(fd, nl + 1 - pos, pos)
                    cut = nl + 1 if data.find(b'"', scan - pos) < 0 else -1
                else:
                    cut = -1
                if cut < 0:
                    segment = mm[scan:hi]
                    end = last_record_end(segment, 0, quotes)
                    cut = scan + end if end else 0
                    if not cut:
                        quotes += segment.count(b'"')
                if cut <= pos:
                    scan = hi
                    continue
                if data is None or len(data) < cut - pos:
                    data = _read_at(fd, cut - pos, pos)
                elif len(data) > cut - pos:
                    data = data[: cut - pos]
                newlines = count(data)
                yield Block(data, line, pos, newlines)
                line += newlines
                pos = scan = cut
                quotes = 0


def _translated_blocks(path: Path, block_bytes: int) -> Iterator[Block]:
    """blocks() of a CR-only file, its line ends read as LF."""
    with path.open("rb") as f:
        _skip_header(f, True)
        offset = f.tell()
        line, carry, carry_quotes = 2, bytearray(), 0
        while chunk := f.read(block_bytes):
            chunk = chunk.replace(b"\r", b"\n")
            start = len(carry)
            carry += chunk  # amortised: a long quoted stretch is not copied again and again
            cut = last_record_end(carry, start, carry_quotes)
            if cut == 0:
                carry_quotes += chunk.count(b'"')
                continue
            data = bytes(carry[:cut])
            del carry[:cut]
            carry_quotes = carry.count(b'"')
            newlines = count_newlines(data)
            yield Block(data, line, offset, newlines)
            offset += len(data)
            line += newlines
        if carry:
            yield Block(bytes(carry), line, offset)


def _skip_header(f: BinaryIO, cr_only: bool) -> None:
    """Read past the header line (a lone CR ends it in a CR-only file)."""
    if not cr_only:
        f.readline()
        return
    start = f.tell()
    head = f.read(1 << 16)
    end = head.find(b"\r")
    f.seek(start + (end + 1 if end >= 0 else len(head)))


def last_record_end(buf: bytes | bytearray, start: int, quotes_before: int) -> int:
    """End (exclusive) of the last whole record in buf, 0 if none ends after position start.

    quotes_before is the number of quote characters in buf[:start], which holds no record end.
    A record ends at a newline with an even number of quotes before it (in the block).
    """
    nl = buf.rfind(b"\n", start)
    if nl < 0:
        return 0
    parity = (quotes_before + buf.count(b'"', start, nl)) % 2
    while parity:  # inside a quoted field: step back a newline at a time, counting as we go
        prev = buf.rfind(b"\n", start, nl)
        if prev < 0:
            return 0
        parity = (parity + buf.count(b'"', prev, nl)) % 2
        nl = prev
    return nl + 1


def _read_at(fd: int, n: int, offset: int) -> bytes:
    """n bytes of a file from offset (the file is mapped: they are there)."""
    data = os.pread(fd, n, offset)
    while len(data) < n:  # a short read: rare, but allowed of pread
        more = os.pread(fd, n - len(data), offset + len(data))
        if not more:
            raise OSError(f"file shrank while read: {n - len(data)} bytes missing at {offset}")
        data += more
    return data


class NewlineCounter:
    """Counts newlines with numpy (which lets other threads run meanwhile) in a reused
    scratch buffer, so counting a block touches no new memory."""

    def __init__(self) -> None:
        self._scratch = np.empty(0, dtype=bool)

    def __call__(self, data: bytes) -> int:
        if len(data) > self._scratch.size:
            self._scratch = np.empty(len(data), dtype=bool)
        found = self._scratch[: len(data)]
        np.equal(np.frombuffer(data, dtype=np.uint8), 10, out=found)
        return int(np.count_nonzero(found))


def count_newlines(data: bytes) -> int:
    """Newlines in data, counted by numpy (which lets other threads run meanwhile)."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def bad_byte(data: bytes, at: int) -> str:
    return f"not UTF-8 text (byte {data[at]:#04x})"
