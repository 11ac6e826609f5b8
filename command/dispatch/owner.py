"""Who follows a sortie: this process, named so that another process can tell if it still runs.

An owner is "HOST pid PID start TICKS" (TICKS: the process start time from /proc, so a reused
process id is not mistaken for the owner). On the same host the process table answers; for an
owner on another host only the lease (`owner_seen_at`, renewed while it follows) can tell.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

LEASE_RENEW_S = 2.0
"""How often a following process renews its sortie's owner_seen_at."""
LEASE_EXPIRY = timedelta(seconds=30)
"""An owner on another host not seen for this long is taken as gone."""


def process_start_ticks(pid: int) -> int | None:
    """The start time of process `pid` in clock ticks since boot (None: no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    try:
        return int(fields[19])  # field 22 of stat; fields here start at field 3
    except (IndexError, ValueError):
        return None


def this_process() -> str:
    """The owner text of the running process."""
    pid = os.getpid()
    return f"{socket.gethostname()} pid {pid} start {process_start_ticks(pid) or 0}"


def owner_alive(owner: str, seen_at: datetime | None, now: datetime) -> bool:
    """Is the process named by `owner` still following? Same host: its process is running;
    another host: its lease is younger than LEASE_EXPIRY."""
    parts = owner.split()
    if len(parts) == 5 and parts[1] == "pid" and parts[3] == "start":
        host, pid_text, ticks_text = parts[0], parts[2], parts[4]
        if host == socket.gethostname() and pid_text.isdigit() and ticks_text.isdigit():
            pid = int(pid_text)
            ticks = process_start_ticks(pid)
            if ticks is not None:
                return int(ticks_text) in (0, ticks)
            return _pid_exists(pid) if not os.path.isdir("/proc") else False
    return seen_at is not None and now - seen_at < LEASE_EXPIRY


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
