"""Hostile command lines and world files: a clear error and exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.__main__ import UsageError, configure
from tests.helpers.sitl import ROOT, free_base_port


def _run(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """python -m simulator ARGS, for 1 simulated second on free ports unless ARGS say otherwise."""
    extra = [] if "--duration" in args else ["--duration", "1"]
    if "--base-port" not in args:
        extra += ["--base-port", str(free_base_port(1))]
    return subprocess.run(
        [sys.executable, "-m", "simulator", "--station-feed", str(tmp / "s.csv"), *args, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_binary_world_file_is_refused_by_name(tmp_path: Path) -> None:
    world = tmp_path / "w.json"
    world.write_bytes(bytes(range(256)) * 40)
    r = _run("--world", str(world), tmp=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "w.json" in r.stderr and "UTF-8" in r.stderr


def test_world_nested_100000_deep_is_refused(tmp_path: Path) -> None:
    world = tmp_path / "deep.json"
    world.write_text("[" * 100_000 + "]" * 100_000)
    r = _run("--world", str(world), tmp=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "deep.json" in r.stderr and "nested too deeply" in r.stderr


def test_world_with_an_unknown_or_out_of_range_parameter_names_it(tmp_path: Path) -> None:
    world = tmp_path / "w.json"
    doc = {"origin": {"lat": 36.6, "lon": 116.9}, "params": {"RTL_ALT": 1e9}}
    world.write_text(json.dumps(doc))
    r = _run("--world", str(world), tmp=tmp_path)
    assert r.returncode == 2 and "params.RTL_ALT" in r.stderr and "Traceback" not in r.stderr
    doc["params"] = {"NO_SUCH_PARAM": 1}
    world.write_text(json.dumps(doc))
    r = _run("--world", str(world), tmp=tmp_path)
    assert r.returncode == 2 and "params.NO_SUCH_PARAM" in r.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--base-port", "70000"], "--base-port 70000"),
        (["--base-port", "65533"], "--base-port 65533"),  # SERIAL2 would be 65536
        (["--base-port", "0"], "--base-port 0"),
        (["--drones", "3", "--base-port", "65520"], "65543"),
        (["--speedup", "nan"], "--speedup"),
        (["--speedup", "-1"], "--speedup"),
        (["--duration", "inf"], "--duration"),
        (["--udp-out", "127.0.0.1:99999"], "--udp-out"),
        (["--firmware", "3.6"], "--firmware"),
        (["--home", "nan,116"], "--home"),
    ],
)
def test_bad_options_exit_2_naming_the_option(tmp_path: Path, args, named) -> None:
    r = _run(*args, tmp=tmp_path)
    assert r.returncode == 2, r.stderr
    assert named in r.stderr and "Traceback" not in r.stderr


VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-0", "1e309", "²", "0x10", "", " ", "5760", "1,2", "1,2,3,4"]),
)
OPTIONS = [
    "--drones", "--home", "--speedup", "--seed", "--base-port", "--udp-out", "--loss",
    "--signing-key", "--duration", "--firmware", "--world", "--params-dir",
]  # fmt: skip


def test_fuzzed_command_lines_give_a_usage_error_or_a_sound_configuration(
    tmp_path_factory, monkeypatch
):
    root = tmp_path_factory.mktemp("fuzz")
    monkeypatch.chdir(root)  # relative --params-dir values are made here, not in the checkout
    (root / "binary.json").write_bytes(b"\xff\xfe\x00" * 10)
    (root / "a_file").write_text("x")
    paths = st.sampled_from(
        [str(root / "binary.json"), str(root / "missing.json"), str(root), str(root / "a_file"),
         str(root / "new_dir"), str(root / "a_file" / "below")]
    )  # fmt: skip

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.tuples(st.sampled_from(OPTIONS), st.one_of(VALUES, paths)), max_size=5))
    def check(pairs: list[tuple[str, str]]) -> None:
        argv = [x for pair in pairs for x in pair] + ["--station-feed", str(root / "s.csv")]
        try:
            launch = configure(argv)
        except SystemExit as exc:  # argparse's usage error
            assert exc.code == 2
            return
        except UsageError as exc:
            assert str(exc)
            return
        config = launch.config
        assert 1 <= config.drones <= 250 and config.speedup >= 0
        assert config.base_port >= 1 and config.base_port + 10 * (config.drones - 1) + 3 <= 65535

    check()
