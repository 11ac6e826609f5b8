"""Run `python -m command daemon` as a real subprocess and read what it prints as it runs."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Daemon:
    """A command daemon process; its stdout and stderr lines are collected on a thread."""

    def __init__(self, config: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "command", "daemon", "--config", str(config), *extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "400", **(env or {})},
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)
        self._new.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout_s: float = 30.0) -> float:
        """Block until a line containing `text` is printed; returns the monotonic time then."""
        deadline = time.monotonic() + timeout_s
        if any(text in line for line in self.lines):
            return time.monotonic()
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"daemon exited before {text!r}:\n{self.output}")
            if text in line:
                return time.monotonic()
        raise AssertionError(f"no {text!r} within {timeout_s} s:\n{self.output}")

    def wait(self, timeout_s: float = 30.0) -> int:
        code = self.proc.wait(timeout_s)
        self._reader.join(5)
        return code

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not end."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)
