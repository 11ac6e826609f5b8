"""Fixtures of the centre tests: the example config and rule files (examples/), and a config
for a simulator started by the test."""

from __future__ import annotations

from pathlib import Path

from command.centre import CentreConfig, load_config
from command.centre.config import FeedConfig, VehicleConfig
from command.sensing import SensingConfig
from tests.helpers.sitl import ROOT, Sitl

EXAMPLES = ROOT / "examples"
EXAMPLE_CENTRE = EXAMPLES / "centre.toml"
EXAMPLE_RULES = EXAMPLES / "rules.toml"


def centre_config(
    tmp_path: Path, sim: Sitl, speedup: float, names: list[str], **changes: object
) -> CentreConfig:
    """The example centre's config pointed at a test's simulator and folder: its drones, its
    station feed, the heartbeat and telemetry rates of the sped-up clock."""
    example = load_config(EXAMPLE_CENTRE)
    vehicles = tuple(VehicleConfig(name=n, connect=sim.url(i)) for i, n in enumerate(names))
    feed = FeedConfig(
        name="sim",
        path=tmp_path / "stations.csv",
        metadata=tmp_path / "stations_meta.csv",
    )
    update: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "vehicles": vehicles,
        "feeds": (feed,),
        "heartbeat_hz": float(speedup),
        "telemetry_hz": 5.0 * speedup,
        "sensing": SensingConfig(batch_s=1.0, map_refresh_s=60.0, feed_check_s=1.0),
    }
    update.update(changes)
    return example.model_copy(update=update)
