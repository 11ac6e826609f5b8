"""JSON files read defensively (size, encoding, nesting) and values shown short in messages."""

from __future__ import annotations

import json
import reprlib
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Zone and mission files larger than this are refused unread."""

_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlist = 3, 60, 60, 6
_SHOWN.maxlong = 40


def shown(value: Any) -> str:
    """A value as a message shows it: short, whatever its size or depth."""
    return _SHOWN.repr(value)


def read_text(path: Path, what: str) -> str:
    """A file's UTF-8 text; ValueError with the reason (unreadable, too large, binary)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB: not a {what}")
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1]
        raise ValueError(
            f"not UTF-8 text (byte {exc.start} is {bad!r}): a binary file, not a {what}"
        ) from exc


def read_json_text(path: Path, what: str) -> Any:
    """The parsed JSON of a file; ValueError with the reason when it cannot be read as JSON."""
    return parse_json(read_text(path, what))


def parse_json(text: str) -> Any:
    """JSON text parsed; ValueError naming line and column, or the nesting, when it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except RecursionError:
        raise ValueError("arrays or objects nested too deep to read") from None
