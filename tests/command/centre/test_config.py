"""The centre's config file: checked whole, errors name the key, paths from the file's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from command.centre import CentreConfig, ConfigError, load_config

GOOD = """
var_dir = "state"
zones = "zones.geojson"
heartbeat_hz = 2

[[vehicles]]
name = "copter-1"
connect = "tcp:127.0.0.1:5760"

[[vehicles]]
name = "copter-2"
connect = "udpin:0.0.0.0:14551"
payload = ["pm2_5", "so2"]

[[feeds]]
name = "city"
path = "/data/stations.csv"

[limits]
ceiling_m = 100
wind_limit_mps = 8

[alerts]
rules = "rules.toml"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "centre.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_paths_from_its_own_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert isinstance(config, CentreConfig)
    assert config.var_dir == tmp_path / "state"
    assert config.zones == tmp_path / "zones.geojson"
    assert config.alerts.rules == tmp_path / "rules.toml"
    assert config.feeds[0].path == Path("/data/stations.csv")
    assert config.cubes_path == tmp_path / "state" / "cubes"
    assert config.database == f"sqlite+pysqlite:///{tmp_path / 'state' / 'ecopatrol.sqlite'}"
    assert [v.name for v in config.vehicles] == ["copter-1", "copter-2"]
    assert config.vehicles[1].payload == ("pm2_5", "so2")
    assert config.limits.ceiling_m == 100 and config.limits.reserve_pct == 25


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[vehicles]]\nname = "a"\nconnect = "tcp:127.0.0.1:²"\n', "vehicles[0].connect"),
        ('[[vehicles]]\nname = "a"\nconnect = "bogus"\n', "vehicles[0].connect"),
        ('[[vehicles]]\nname = "a"\nconnect = "tcp:h:1"\nsigning_key = "xyz"\n', "signing_key"),
        ("heartbeat_hz = 0\n", "heartbeat_hz"),
        ("heartbeat_hz = nan\n", "heartbeat_hz"),
        ("[limits]\nceiling_m = -5\n", "limits.ceiling_m"),
        ("[limits]\nceilng_m = 100\n", "limits.ceilng_m: unknown key"),
        ("colour = 'red'\n", "colour: unknown key"),
        (
            '[[vehicles]]\nname = "a"\nconnect = "tcp:h:1"\n'
            '[[vehicles]]\nname = "a"\nconnect = "tcp:h:2"\n',
            "used twice",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"\xff\xfe\x00binary", "not UTF-8"), (b"[[[", "not valid TOML")],
)
def test_unreadable_files_are_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "centre.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=expected):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
