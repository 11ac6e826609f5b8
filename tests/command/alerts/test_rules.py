"""Rule files and run-time rules: each bad key is refused with file, line, rule and key named,
while the good rules of the same file still load."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from command.alerts.loader import RuleFileError, load_rules
from command.alerts.rules import (
    AqiRule,
    DroneSampleRule,
    Pattern,
    Response,
    RuleError,
    SilenceRule,
    build_rule,
)
from tests.command.alerts.conftest import ROOT

EXAMPLE = ROOT / "command" / "alerts" / "examples" / "rules.toml"
ZONE_NAMES = {"yanshan-construction-site", "huaiyin-thermal-plant", "wetland-park"}
STATIONS = {"SIM-1001A", "SIM-1002A", "SIM-1003A"}

GOOD = """
[rules.good-aqi]
kind = "aqi"
pollutants = ["pm2_5"]
category = "中度污染"
level = "orange"
response = "automatic"

[rules.good-drone]
kind = "drone_sample"
pollutants = ["so2"]
above = 500
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_loads_whole() -> None:
    found = load_rules(EXAMPLE, zones=ZONE_NAMES, stations=STATIONS, strict=True)
    assert found.errors == ()
    kinds = {rule.kind for rule in found.rules}
    assert kinds == {"aqi", "rise_rate", "hot_spot", "silence", "drone_sample"}
    pm = found.by_name("pm2_5-moderate")
    assert isinstance(pm, AqiRule)
    assert (pm.category, pm.level, pm.response) == (3, 3, Response.AUTOMATIC)
    assert found.by_name("so2-rising-near-plant").pattern is Pattern.INSPECT_UPWIND


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ('kind = "aqii"', "kind", "unknown kind 'aqii'"),
        ('pollutants = ["pm2_5"]\ncategory = 2', "kind", "required"),
        (
            'kind = "rise_rate"\npollutants = ["pm25"]\nrise_per_hour = 40',
            "pollutants[0]",
            "unknown pollutant 'pm25'",
        ),
        (
            'kind = "drone_sample"\npollutants = ["so2"]\nabove = 200\nzone = "nowhere"',
            "zone",
            "unknown zone 'nowhere'",
        ),
        (
            'kind = "silence"\nsilent_minutes = 60\nstations = ["SIM-1001A", "SIM-9999"]',
            "stations[1]",
            "unknown station 'SIM-9999'",
        ),
        ('kind = "hot_spot"\npollutants = ["so2"]\nradius_km = -1', "radius_km", "greater than 0"),
        ('kind = "hot_spot"\npollutants = ["so2"]\nz_min = "3"', "z_min", "valid number"),
        ('kind = "drone_sample"\npollutants = ["so2"]\nabove = nan', "above", "finite"),
        ('kind = "drone_sample"\npollutants = ["so2"]\nabove = true', "above", "valid number"),
        ('kind = "drone_sample"\npollutants = ["so2"]\nabove = 9\nlevel = 5', "level", "4"),
        ('kind = "drone_sample"\npollutants = ["so2"]\nabove = 9\nlevel = "pink"', "level", "pink"),
        (
            'kind = "drone_sample"\npollutants = ["so2"]\nabove = 9\ncolour = 1',
            "colour",
            "unknown key",
        ),
        (
            'kind = "aqi"\npollutants = ["pm2_5"]\ncategory = 2\niaqi_above = 100',
            "category",
            "one of",
        ),
        ('kind = "aqi"\npollutants = ["pm2_5"]\ncategory = "smoggy"', "category", "smoggy"),
        ('kind = "aqi"\npollutants = ["voc"]\ncategory = 2', "pollutants[0]", "'voc'"),
        ('kind = "aqi"\npollutants = ["pm2_5"]\ncategory = 2\nstandard = "who"', "standard", "epa"),
        ('kind = "aqi"\npollutants = []\ncategory = 2', "pollutants", "at least 1"),
        (
            'kind = "aqi"\npollutants = ["pm2_5"]\ncategory = 2\napplies_to = "drones"',
            "applies_to",
            "stations",
        ),
        (
            'kind = "silence"\nsilent_minutes = 60\nresponse = "automatic"',
            "response",
            "no reading to fly to",
        ),
        ('kind = "rise_rate"\npollutants = ["so2"]', "rise_per_hour", "required"),
        (
            'kind = "drone_sample"\npollutants = ["so2"]\nabove = 9\nstations = ["SIM-1001A"]',
            "stations",
            "drone",
        ),
        (
            'kind = "drone_sample"\npollutants = ["so2"]\nabove = 9\nresponse = "later"',
            "response",
            "automatic",
        ),
        (
            'kind = "drone_sample"\npollutants = ["so2"]\nabove = 9\npattern = "orbit"',
            "pattern",
            "inspect_upwind",
        ),
        ('name = "other"\nkind = "drone_sample"\npollutants = ["so2"]\nabove = 9', "name", "table"),
    ],
)
def test_a_bad_rule_is_refused_by_file_line_rule_and_key_and_the_others_load(
    tmp_path: Path, table: str, key: str, words: str
) -> None:
    path = _file(tmp_path, f"{GOOD}\n[rules.broken]\n{table}\n")
    found = load_rules(path, zones=ZONE_NAMES, stations=STATIONS)
    assert [r.name for r in found.rules] == ["good-aqi", "good-drone"]
    assert len(found.errors) == 1, [str(e) for e in found.errors]
    error = found.errors[0]
    assert (error.rule, error.key) == ("broken", key)
    assert words in error.message
    header = GOOD.count("\n") + 2  # the line of [rules.broken]
    assert error.line is not None and header <= error.line <= header + table.count("\n") + 1
    assert str(error).startswith(f"{path}:{error.line}: rule 'broken', key '{key}': ")


def test_the_line_named_is_the_key_s_own(tmp_path: Path) -> None:
    path = _file(
        tmp_path, GOOD + '\n[rules.x]\nkind = "drone_sample"\npollutants = ["so2"]\nabove = -3\n'
    )
    (error,) = load_rules(path).errors
    assert error.line == GOOD.count("\n") + 5
    assert path.read_text().splitlines()[error.line - 1] == "above = -3"


def test_every_bad_key_of_a_rule_is_listed(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        '[rules.x]\nkind = "hot_spot"\npollutants = ["so2"]\n'
        "radius_km = 0\nz_min = -1\nnoise = 2\n",
    )
    assert {e.key for e in load_rules(path).errors} == {"radius_km", "z_min", "noise"}


def test_strict_loading_refuses_the_whole_file_naming_every_error(tmp_path: Path) -> None:
    path = _file(tmp_path, GOOD + '\n[rules.a]\nkind = "x"\n[rules.b]\nkind = "y"\n')
    with pytest.raises(RuleFileError) as caught:
        load_rules(path, strict=True)
    assert len(caught.value.errors) == 2
    assert "rule 'a'" in str(caught.value) and "rule 'b'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[rules.a\nkind = 1", "not valid TOML"),
        (b"\xff\xfe".decode("latin-1"), "not UTF-8"),
    ],
)
def test_a_file_that_is_not_toml_is_refused_whole(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(RuleFileError, match=words):
        load_rules(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")


def test_top_level_keys_other_than_rules_are_errors_and_rules_still_load(tmp_path: Path) -> None:
    path = _file(tmp_path, "version = 2\n" + GOOD)
    found = load_rules(path)
    assert len(found.rules) == 2
    assert [(e.rule, e.key) for e in found.errors] == [("", "version")]


def test_rules_built_at_run_time_are_checked_the_same_way() -> None:
    rule = build_rule(
        {
            "name": "dust",
            "kind": "drone_sample",
            "pollutants": ["pm10"],
            "above": 300.0,
            "zone": "wetland-park",
            "level": "red",
        },
        zones=ZONE_NAMES,
    )
    assert isinstance(rule, DroneSampleRule) and rule.level == 4 and rule.applies_to == "drones"
    with pytest.raises(RuleError) as caught:
        build_rule(
            {
                "name": "dust",
                "kind": "drone_sample",
                "pollutants": ["pm10"],
                "above": 1,
                "zone": "wetland-park",
            }
        )  # no zones known: refused, never passed
    assert caught.value.key == "zone"
    silence = build_rule({"name": "q", "kind": "silence", "silent_minutes": 30})
    assert isinstance(silence, SilenceRule) and silence.pollutants == ()


@given(st.sampled_from(["blue", "YELLOW", "Orange", "red"]))
def test_levels_are_named_in_any_case(name: str) -> None:
    rule = build_rule(
        {"name": "n", "kind": "drone_sample", "pollutants": ["co"], "above": 9, "level": name}
    )
    assert rule.level == ["blue", "yellow", "orange", "red"].index(name.lower()) + 1


@pytest.mark.parametrize(
    ("standard", "name", "index"),
    [("hj633-2026", "轻度污染", 2), ("hj633-2012", "heavily polluted", 4), ("epa", "Unhealthy", 3)],
)
def test_categories_are_named_as_each_standard_names_them(standard, name, index) -> None:
    rule = build_rule(
        {"name": "n", "kind": "aqi", "pollutants": ["pm10"], "standard": standard, "category": name}
    )
    assert isinstance(rule, AqiRule) and rule.category == index
