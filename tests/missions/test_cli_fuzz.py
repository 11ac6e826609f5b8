"""Fuzz every `python -m missions` entry point, argument values and file contents: each run ends
with exit 0, 1 or 2 and a message, never a traceback, never the last-resort error, never nan."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missions.cli import main

HOME = "36.6425,116.9275,30"
PARK = {
    "type": "Feature",
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[116.930, 36.645], [116.932, 36.645], [116.932, 36.647], [116.930, 36.647],
             [116.930, 36.645]]
        ],
    },
    "properties": {"name": "park", "kind": "area", "priority": 2, "revisit_minutes": 60},
}  # fmt: skip
SCHOOL = {
    "type": "Feature",
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[116.9285, 36.6430], [116.9295, 36.6430], [116.9295, 36.6440], [116.9285, 36.6440],
             [116.9285, 36.6430]]
        ],
    },
    "properties": {"name": "school", "kind": "no_fly"},
}  # fmt: skip
ZONES = {"type": "FeatureCollection", "features": [PARK, SCHOOL]}
FUZZ = settings(
    max_examples=int(os.environ.get("MISSIONS_FUZZ_EXAMPLES", "60")),  # more for a long hunt
    deadline=None,
    derandomize=os.environ.get("MISSIONS_FUZZ_EXAMPLES") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_NAN = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A zones file and the plan, waypoints of its park zone, written by the CLI itself."""
    root = tmp_path_factory.mktemp("fuzz")
    zones = root / "zones.geojson"
    zones.write_text(json.dumps(ZONES))
    made = {"zones": zones, "root": root}
    for suffix in (".plan", ".waypoints"):
        out = root / f"park{suffix}"
        code, text, _ = run("plan", str(zones), "--zone", "park", "--home", HOME, "--out", str(out))
        assert code == 0, text
        made[suffix] = out
    return made


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out=out)
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (code, out, err)
    assert "Traceback" not in out + err
    assert "cannot process this input" not in out, out
    for line in out.splitlines():
        if line.startswith(("time", "battery", "mission", "length", "finding")):
            assert not _NAN.search(line.split(":", 1)[-1] if "finding" in line else line), line
    if code == 2:
        assert "error" in out + err


odd_values = st.one_of(
    st.sampled_from(
        ["nan", "inf", "-inf", "1e309", "-0", "0", "²", "", "--", "10**30", "1,2", "nan,nan",
         "90,180,1e400", "36.6,116.9", "-1", "1e-320", "0x10", "１２"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**40), 10**40).map(str),
    st.text(max_size=12),
)  # fmt: skip
PLAN_OPTIONS = [
    "--altitude", "--speed", "--sensing-width", "--side-overlap", "--forward-overlap",
    "--wind-from", "--objective", "--home", "--zone",
]  # fmt: skip
LIMIT_OPTIONS = [
    "--ceiling", "--min-altitude", "--max-distance", "--copter", "--battery-mah",
    "--endurance-min", "--calibration", "--battery-pct", "--reserve",
]  # fmt: skip


@FUZZ
@given(option=st.sampled_from(PLAN_OPTIONS + LIMIT_OPTIONS), value=odd_values)
def test_plan_arguments(files, option, value):
    argv = ["plan", str(files["zones"]), "--zone", "park", "--home", HOME]
    argv += ["--out", str(files["root"] / "fuzz.plan"), option, value]
    assert_clean(*run(*argv))


@FUZZ
@given(option=st.sampled_from([*LIMIT_OPTIONS, "--zones"]), value=odd_values)
def test_check_arguments(files, option, value):
    assert_clean(*run("check", str(files[".plan"]), option, value))


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)


def paths_of(node, prefix=()):
    """Every place in a JSON document a value can be put."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, (*prefix, index))


def replaced(document, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


@FUZZ
@given(data=st.data())
def test_plan_file_contents(files, data):
    document = json.loads(files[".plan"].read_text())
    path = data.draw(st.sampled_from(list(paths_of(document))))
    value = data.draw(json_values)
    target = files["root"] / "mutated.plan"
    target.write_text(json.dumps(replaced(document, path, value)))
    assert_clean(*run("check", str(target)))


@FUZZ
@given(data=st.data())
def test_zones_file_contents_for_plan_and_check(files, data):
    path = data.draw(st.sampled_from(list(paths_of(ZONES))))
    value = data.draw(json_values)
    target = files["root"] / "mutated.geojson"
    target.write_text(json.dumps(replaced(ZONES, path, value)))
    out = files["root"] / "mutated-out.plan"
    assert_clean(*run("plan", str(target), "--zone", "park", "--home", HOME, "--out", str(out)))
    assert_clean(*run("check", str(files[".plan"]), "--zones", str(target)))


@FUZZ
@given(data=st.data())
def test_waypoint_file_contents(files, data):
    rows = [line.split("\t") for line in files[".waypoints"].read_text().splitlines()[1:]]
    row = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.integers(0, 11))
    rows[row][field] = data.draw(odd_values.filter(lambda v: "\n" not in v and "\r" not in v))
    target = files["root"] / "mutated.waypoints"
    target.write_text("QGC WPL 110\n" + "\n".join("\t".join(r) for r in rows) + "\n")
    assert_clean(*run("check", str(target)))


@FUZZ
@given(blob=st.binary(max_size=512), suffix=st.sampled_from([".plan", ".waypoints", ".geojson"]))
def test_random_bytes_in_every_file(files, blob, suffix):
    target = files["root"] / f"random{suffix}"
    target.write_bytes(blob)
    if suffix == ".geojson":
        out = files["root"] / "random-out.plan"
        assert_clean(*run("plan", str(target), "--zone", "park", "--home", HOME, "--out", str(out)))
    else:
        assert_clean(*run("check", str(target)))


@FUZZ
@given(
    argv=st.lists(
        st.one_of(
            st.sampled_from(["plan", "check", "--help", "-h", "--zones", "--out"]), odd_values
        ),
        max_size=6,
    )
)
def test_any_argument_list(files, argv):
    code, out, err = run(*argv)
    assert code in (0, 1, 2) and "Traceback" not in out + err
    assert "cannot process this input" not in out
