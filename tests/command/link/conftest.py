"""Fixtures: a real simulator process and a Fleet linked to it."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from command.link import Fleet, LinkState, PayloadSample
from tests.helpers.sitl import Sitl, sitl

READY_TIMEOUT_S = 20.0
SPEEDUP = 10
"""Simulated seconds per real second; our heartbeat keeps 1 Hz in simulated time."""


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sitl]:
    """One simulated copter at 10x."""
    with sitl(tmp_path, drones=1, speedup=SPEEDUP) as s:
        yield s


@pytest.fixture
def samples() -> queue.Queue[PayloadSample]:
    """Where the fleet hands payload samples."""
    return queue.Queue()


@pytest.fixture
def fleet(sim: Sitl, samples: queue.Queue[PayloadSample]) -> Iterator[Fleet]:
    """A fleet linked to vehicle 'd1', waited until it has a position estimate."""
    with Fleet(on_sample=samples.put, heartbeat_period_s=1.0 / SPEEDUP) as f:
        f.connect("d1", sim.url(0))
        snap = f.wait_for(
            "d1", lambda s: s.link is LinkState.OK and s.has_position, READY_TIMEOUT_S
        )
        assert snap is not None, f.snapshot("d1")
        yield f
