"""The centre built from the example files, and refusing bad input by name: a rule file that is
not TOML, rules naming an unknown zone or pollutant (the other rules in force), a drone nobody
answers for (named with its connection string; the centre runs on)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from command.centre import CommandCentre, ConfigError, load_config
from command.centre.config import AlertsConfig, FeedConfig, VehicleConfig
from tests.command.centre.conftest import EXAMPLE_CENTRE, EXAMPLE_RULES

STATIONS = ("SIM-1001A", "SIM-1002A", "SIM-1003A")


def example_config(tmp_path: Path, **changes: object):
    """The example centre in a scratch folder, its station list written there."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    meta = tmp_path / "stations_meta.csv"
    meta.write_text(
        "station_id,name,latitude,longitude\n"
        + "".join(f"{s},{s},36.65,116.93\n" for s in STATIONS),
        encoding="utf-8",
    )
    feed = FeedConfig(name="stations", path=tmp_path / "stations.csv", metadata=meta)
    update = {"var_dir": tmp_path / "var", "feeds": (feed,), "vehicles": ()} | changes
    return load_config(EXAMPLE_CENTRE).model_copy(update=update)


def test_the_example_files_build_a_centre_with_every_rule_and_zone(tmp_path: Path) -> None:
    centre = CommandCentre(example_config(tmp_path))
    try:
        assert centre.rules.errors == ()
        names = [r.name for r in centre.rules.rules]
        assert names[0] == "so2-downwind-of-plant" and len(names) == 5
        assert "huaiyin-thermal-plant" in [z.name for z in centre.zones]
        assert centre.config.alerts.rules == EXAMPLE_RULES
    finally:
        centre.close()


BAD_RULES = """
[rules.so2-good]
kind = "aqi"
pollutants = ["so2"]
iaqi_above = 50

[rules.bad-pollutant]
kind = "drone_sample"
pollutants = ["pm25"]
above = 10.0

[rules.bad-zone]
kind = "drone_sample"
pollutants = ["voc"]
above = 300.0
zone = "nowhere-park"
"""


def test_rules_naming_an_unknown_pollutant_or_zone_are_refused_and_the_others_kept(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(BAD_RULES, encoding="utf-8")
    centre = CommandCentre(example_config(tmp_path, alerts=AlertsConfig(rules=rules)))
    try:
        assert [r.name for r in centre.rules.rules] == ["so2-good"]
        assert [r.name for r in centre.alerts.engine.rules] == ["so2-good"]
        errors = [str(e) for e in centre.rules.errors]
        assert len(errors) == 2
        assert f"{rules}:9" in errors[0] and "'bad-pollutant'" in errors[0]
        assert "unknown pollutant 'pm25'" in errors[0]
        assert "'bad-zone'" in errors[1] and "unknown zone 'nowhere-park'" in errors[1]
    finally:
        centre.close()
    strict = AlertsConfig(rules=rules, strict=True)
    with pytest.raises(ConfigError, match=r"alerts\.rules: .*2 rule error"):
        CommandCentre(example_config(tmp_path / "strict", alerts=strict))


def test_a_rule_file_that_is_not_toml_is_refused_naming_it(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[rules.so2\nkind = 'aqi'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        CommandCentre(example_config(tmp_path, alerts=AlertsConfig(rules=rules)))
    assert f"alerts.rules: {rules}: not valid TOML" in str(info.value)


def test_a_drone_nobody_answers_for_is_named_with_its_connection_string(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lost = VehicleConfig(name="copter-9", connect=f"tcp:127.0.0.1:{port}")
    centre = CommandCentre(example_config(tmp_path, vehicles=(lost,)))
    centre.start()
    try:
        silent = centre.unreachable(timeout_s=1.0)
        assert list(silent) == ["copter-9"]
        assert f"tcp:127.0.0.1:{port}" in silent["copter-9"]
        assert "no heartbeat within 1 s" in silent["copter-9"]
        assert centre.started and centre.schedules()  # the centre runs on
    finally:
        centre.close()
