"""Fixtures: a simulator world whose clock starts in the past, so live station rows and drone
samples (the simulator's clock runs faster than the wall clock) are never in the future."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.sitl import ROOT


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, datetime]:
    """A copy of the default world starting 2 h ago with 30 s station periods, and its start."""
    doc = json.loads((ROOT / "simulator" / "worlds" / "huaiyin.json").read_text())
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    doc["start_utc"] = start.isoformat().replace("+00:00", "Z")
    doc["station_interval_s"] = 30.0
    path = tmp_path / "world.json"
    path.write_text(json.dumps(doc))
    return path, start
