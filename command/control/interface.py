"""The control interface between the command daemon and the web workers, as both sides know
it: the operations that may be called (the centre's own narrow interface: `CentreOperations`
and each area's `ops_*` mixin), the paths, the frame header of a live video stream, and the
shared secret.

    GET  /v1/health                  {"active": true, "owner": ..., "vehicles": [...]}
    POST /v1/call/<operation>        body {"args": [...], "kwargs": {...}} (typed JSON, codec.py)
                                     200 {"result": ...}; 409 {"refused": why} (nothing changed);
                                     422 {"error": "module:Class", "message": ...}; 400 bad call
    GET  /v1/events?types=A,B        the centre's events, one typed-JSON line each; an empty
                                     line every few seconds keeps the stream alive
    GET  /v1/video/<vehicle>/live    whole H.264 frames, each after FRAME_HEADER

Every request carries `Authorization: Bearer <secret>` (the secret's hex); anything else is 401.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from struct import Struct

SCHEME = "Bearer"
EVENTS_KEEPALIVE_S = 5.0
"""An empty line this often on a quiet event stream (the worker's read timeout is longer)."""
VIDEO_KEEPALIVE_S = 1.0
FRAME_HEADER = Struct(">IIB3x")
"""length u32 (0: keep-alive), RTP timestamp u32 (90 kHz), flags u8 (1 keyframe, 2 damaged)."""
KEYFRAME, DAMAGED = 1, 2
MAX_CALL_BYTES = 32 * 1024 * 1024

NOT_CALLED = frozenset(
    {"start_area", "subscribe", "open_live_feed", "refresh_map_grid", "close_video_operations"}
)
"""Methods of the mixins that are the daemon's own business (or have their own path)."""


def operation_names() -> frozenset[str]:
    """The operations a worker may call: the public methods of the centre's operations."""
    from command.centre.mixins import operation_mixins
    from command.centre.operations import CentreOperations

    names = set()
    for cls in (CentreOperations, *operation_mixins()):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member) and name not in NOT_CALLED:
                names.add(name)
    return frozenset(names)


class SecretError(ValueError):
    """The shared secret's file cannot be read or made."""


def shared_secret(path: Path, *, create: bool) -> str:
    """The control API's secret (hex), from `path`; made there (owner-only) when `create` and
    the file does not exist yet (whichever of the daemons and workers sharing it comes first)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            raise SecretError(f"{path}: no control secret") from None
        text = secrets.token_hex(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return shared_secret(path, create=False)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text + "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"{path}: cannot read the control secret: {exc}") from None
    if len(text) < 32 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise SecretError(f"{path}: the control secret must be at least 32 hex digits")
    return text
