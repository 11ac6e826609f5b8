"""Where a followed feed file was read to, and its new complete lines since.

The place is the byte offset after the last line ingested, the file's identity (device and
inode) and a digest of its first bytes; it is kept in a small JSON file so a restart carries
on where it stopped. A file replaced (rotation), shorter than the place (truncation) or whose
first bytes changed (rewritten in place) is read again from its start: the station cube's
append rules refuse what it already holds as duplicates. A last line without its newline
waits for it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

PREFIX_BYTES = 4096
"""Bytes at the start of a file whose digest tells the same file from a rewritten one."""
MAX_BLOCK_BYTES = 32 * 1024 * 1024
"""Most bytes one block reads (a long file already there is taken in several blocks)."""


@dataclass(frozen=True)
class Place:
    """How far a file was read: offset (bytes), lines (header included) and its identity."""

    device: int = 0
    inode: int = 0
    offset: int = 0
    lines: int = 0
    prefix_sha256: str = ""
    header: str = ""
    """The file's first line (hex of its bytes), put above each block copied out."""


@dataclass(frozen=True)
class Block:
    """New complete lines: their bytes, the header line's bytes and where they sit."""

    header: bytes
    body: bytes
    lines_before: int
    """File lines before the body's first line (the header counts)."""
    lines: int
    restarted: bool
    """True when the file was read again from its start (rotated, truncated or rewritten)."""
    place: Place
    """The place once this block is ingested."""


class FeedTail:
    """The new complete lines of one growing text file, block by block."""

    def __init__(self, path: Path, state_path: Path | None = None) -> None:
        self.path = Path(path)
        self.state_path = state_path
        self.place = self._load()

    def read(self) -> Block | None:
        """The next block of new complete lines, or None (no file, nothing new, no newline)."""
        try:
            f = self.path.open("rb")
        except FileNotFoundError:
            return None
        with f:
            st = os.fstat(f.fileno())
            place, restarted = self.place, False
            if not self._same_file(place, st, f):
                place, restarted = Place(st.st_dev, st.st_ino), place != Place()
            if st.st_size <= place.offset:
                return self._nothing(place, restarted)
            f.seek(place.offset)
            data = f.read(min(st.st_size - place.offset, MAX_BLOCK_BYTES))
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                return self._nothing(place, restarted)
            data = data[:cut]
            header = bytes.fromhex(place.header)
            body = data
            if place.offset == 0:
                end = data.find(b"\n") + 1
                header, body = data[:end], data[end:]
            offset = place.offset + cut
            lines = data.count(b"\n")
            prefix = place.prefix_sha256
            if place.offset < PREFIX_BYTES:
                f.seek(0)
                prefix = hashlib.sha256(f.read(min(offset, PREFIX_BYTES))).hexdigest()
            new = Place(st.st_dev, st.st_ino, offset, place.lines + lines, prefix, header.hex())
            before = max(place.lines, 1)
            return Block(header, body, before, body.count(b"\n"), restarted, new)

    def advance(self, block: Block) -> None:
        """Mark a block ingested: the next read starts after it (kept on disk when asked)."""
        self.place = block.place
        if self.state_path is None:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self.place)), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def _nothing(self, place: Place, restarted: bool) -> Block | None:
        """No new line; a restart still moves the place back to the start."""
        if restarted:
            self.place = place
        return None

    def _same_file(self, place: Place, st: os.stat_result, f: BinaryIO) -> bool:
        """The file read so far, not a replaced, truncated or rewritten one."""
        if (place.device, place.inode) != (st.st_dev, st.st_ino) or st.st_size < place.offset:
            return False
        if not place.offset:
            return True
        f.seek(0)
        head = f.read(min(place.offset, PREFIX_BYTES))
        return hashlib.sha256(head).hexdigest() == place.prefix_sha256

    def _load(self) -> Place:
        if self.state_path is None or not self.state_path.exists():
            return Place()
        try:
            doc = json.loads(self.state_path.read_text(encoding="utf-8"))
            return Place(**doc)
        except (OSError, ValueError, TypeError):  # unreadable: read the file again, dups refused
            return Place()
