"""Run the console's web workers as docs/deploying.md does: `granian --interface wsgi --factory
web:create_app` on a free loopback port, its output in a log file beside the config."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.helpers.daemon import ROOT
from tests.helpers.http import free_port


def worker_pids(master: int) -> list[int]:
    """The worker processes granian forked (its direct children)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(c) for c in children]


@contextmanager
def granian(
    config: Path, *, workers: int = 1, threads: int = 1, name: str = "granian", reachable: bool
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`workers` granian workers of `threads` blocking threads each over $ECOPATROL_CONFIG,
    yielded once every worker answers `/api/health` (and, with `reachable`, follows the
    command daemon). Stopped with SIGTERM, as a supervisor stops it; the log is `<name>.log`."""
    port = free_port()
    log = (config.parent / f"{name}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
         "--workers", str(workers), "--blocking-threads", str(threads),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         # a test pins a connection to a worker: keep an idle one 60 s (granian's most)
         "--http1-header-read-timeout", "60000",
         # open streams do not hold up the stop (as docs/deploying.md runs it)
         "--workers-kill-timeout", "5",
         "web:create_app"],
        cwd=ROOT,
        env={**os.environ, "ECOPATROL_CONFIG": str(config)},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        ready: set[int] = set()
        deadline = time.monotonic() + 60
        while len(ready) < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} not ready: {log.name}")
            try:
                health = requests.get(f"{base}/api/health", timeout=5).json()
            except requests.ConnectionError:
                time.sleep(0.2)
                continue
            if health["centre"] == "reachable" or not reachable:
                ready.add(health["worker"])
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
