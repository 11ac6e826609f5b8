"""Cut a CSV file into blocks of whole records: newlines outside quotes, each byte looked at a
bounded number of times, a block's bytes copied once out of a memory map."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Block:
    """Whole records of a file: their bytes, the file line of the first one, its byte offset."""

    data: bytes
    first_line: int
    offset: int = 0


class BlockError(ValueError):
    """A block pandas cannot read at all (bad bytes, broken quoting), with the line it starts."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line, self.detail = line, detail


def blocks(path: Path, block_bytes: int, cr_only: bool = False) -> Iterator[Block]:
    """The records after the header line, cut into blocks at newlines outside quotes.

    cr_only: the file ends its lines with a lone CR (old Mac exports); they are read as LF.
    Each byte is looked at a bounded number of times, whatever the quoting; a block's bytes
    are copied once, out of a memory map of the file.
    """
    if cr_only:
        yield from _translated_blocks(path, block_bytes)
        return
    with path.open("rb") as f:
        _skip_header(f, False)
        pos, size = f.tell(), os.fstat(f.fileno()).st_size
        if pos >= size:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            line, scan, quotes = 2, pos, 0  # mm[pos:scan] ends no record; holds `quotes` quotes
            while pos < size:
                hi = min(size, scan + block_bytes)
                if hi == size:
                    cut = size
                elif quotes % 2 == 0 and mm.find(b'"', scan, hi) < 0:
                    cut = mm.rfind(b"\n", scan, hi) + 1
                else:
                    segment = mm[scan:hi]
                    end = last_record_end(segment, 0, quotes)
                    cut = scan + end if end else 0
                    if not cut:
                        quotes += segment.count(b'"')
                if cut <= pos:
                    scan = hi
                    continue
                data = mm[pos:cut]
                yield Block(data, line, pos)
                line += data.count(b"\n")
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
            yield Block(data, line, offset)
            offset += len(data)
            line += data.count(b"\n")
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


def bad_byte(data: bytes, at: int) -> str:
    return f"not UTF-8 text (byte {data[at]:#04x})"
