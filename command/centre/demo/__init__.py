"""The embedded demo: the Huaiyin district world of the simulator (3 drones), its station
feed, the example zones and alert rules, patrols on, flying at night allowed (in real UTC it may
be night in Jinan). `demo_config()` gives the CentreConfig for a running simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from command.centre.config import CentreConfig, config_from_mapping

ROOT = Path(__file__).resolve().parents[3]
ZONES = ROOT / "missions" / "examples" / "huaiyin_zones.geojson"
RULES = ROOT / "command" / "alerts" / "examples" / "rules.toml"
WORLD = ROOT / "simulator" / "worlds" / "huaiyin.json"
DRONES = 3
VEHICLE_NAMES = ("hy-01", "hy-02", "hy-03")
SERIAL_STRIDE = 10
"""Vehicle i's SERIAL0 is at base port + 10·i (the simulator's layout)."""


def station_feed(var_dir: Path) -> Path:
    """Where the simulator appends the demo stations' readings."""
    return var_dir / "sim" / "stations.csv"


def demo_mapping(
    var_dir: Path,
    base_port: int,
    *,
    speedup: float = 1.0,
    scheduler: bool = True,
    host: str = "127.0.0.1",
) -> dict[str, Any]:
    """The demo's configuration as the TOML file would hold it."""
    rate = max(1.0, min(speedup, 10.0))
    return {
        "var_dir": str(var_dir),
        "zones": str(ZONES),
        "actor": "centre",
        "heartbeat_hz": rate,
        "telemetry_hz": min(5.0 * rate, 50.0),
        "vehicles": [
            {"name": name, "connect": f"tcp:{host}:{base_port + SERIAL_STRIDE * i}"}
            for i, name in enumerate(VEHICLE_NAMES)
        ],
        "feeds": [{"name": "sim", "path": str(station_feed(var_dir))}],
        "limits": {"fly_at_night": True},
        "scheduler": {"enabled": scheduler},
        "alerts": {"rules": str(RULES), "strict": False},
        "sensing": {"batch_s": 2.0, "map_refresh_s": 10.0, "map_centre": [36.6475, 116.935]},
    }


def demo_config(var_dir: Path, base_port: int, **options: Any) -> CentreConfig:
    """The demo's CentreConfig (checked like a file would be)."""
    return config_from_mapping(demo_mapping(var_dir, base_port, **options), source="demo")
