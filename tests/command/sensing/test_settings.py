"""Bad settings and feeds that cannot be followed are refused by name before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from command.centre.config import config_from_mapping
from command.sensing import FeedSource, LiveSensing, SensingConfig, SensingError


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("batch_s", float("nan")),
        ("batch_s", 0),
        ("batch_samples", 0),
        ("queue_readings", 3),
        ("map_centre", (95.0, 10.0)),
        ("map_centre", (36.0, float("inf"))),
        ("feed_check_s", -1),
        ("batch_size", 10),
    ],
)
def test_a_bad_setting_is_refused_naming_it(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        SensingConfig(**{key: value})
    assert key in str(err.value)


def test_a_json_feed_is_refused_naming_the_feed(tmp_path: Path) -> None:
    feed = FeedSource("openaq", tmp_path / "latest.json")
    with pytest.raises(SensingError, match=r"feed openaq: .*latest\.json: a JSON file"):
        LiveSensing(tmp_path / "cubes", feeds=[feed])
    assert not (tmp_path / "cubes").exists()  # nothing made


def test_built_from_the_centres_config(tmp_path: Path) -> None:
    config = config_from_mapping(
        {"var_dir": str(tmp_path), "feeds": [{"name": "city", "path": str(tmp_path / "f.csv")}]}
    )
    live = LiveSensing.from_config(config)
    assert live.cubes_dir == tmp_path / "cubes"
    assert [f.feed.name for f in live.followers] == ["city"]
    assert live.config == SensingConfig()
    live.close()
