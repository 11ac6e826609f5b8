"""Hostile input to every `python -m command` entry point: one line on stderr, exit 2, no
traceback, nothing created, nothing sent. Argument values and file contents are also fuzzed
(Hypothesis) against the real entry point, `command.cli.main`, in this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command.cli import main
from command.cli.session import open_db
from command.storage import database_url, list_audit, list_sorties, open_database, sqlite_url

pytestmark = pytest.mark.timeout(600)
NOBODY = "tcp:127.0.0.1:9"  # nothing listens there: a command that gets past its checks fails
HOME = (36.6425, 116.9275)


def plan_text(items: list[dict], home: tuple[float, float] = HOME) -> str:
    """A QGC .plan around the simulator's home with these SimpleItems."""
    return json.dumps(
        {
            "fileType": "Plan",
            "version": 1,
            "groundStation": "QGroundControl",
            "geoFence": {"version": 2, "polygons": [], "circles": []},
            "rallyPoints": {"version": 2, "points": []},
            "mission": {
                "version": 2,
                "firmwareType": 3,
                "vehicleType": 2,
                "cruiseSpeed": 8,
                "hoverSpeed": 5,
                "plannedHomePosition": [home[0], home[1], 30],
                "items": [
                    {"type": "SimpleItem", "autoContinue": True, "doJumpId": i + 1, **item}
                    for i, item in enumerate(items)
                ],
            },
        }
    )


def good_items(middle: dict | None = None) -> list[dict]:
    items = [
        {"command": 22, "frame": 3, "params": [0, 0, 0, None, 0, 0, 20]},
        {"command": 16, "frame": 3, "params": [0, 0, 0, None, HOME[0] + 0.0005, HOME[1], 30]},
        {"command": 20, "frame": 2, "params": [0, 0, 0, 0, 0, 0, 0]},
    ]
    if middle is not None:
        items.insert(1, middle)
    return items


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main(argv) as the process would end: its exit code, stdout, stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse ends the process itself
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_refusal(code: int, err: str, expected_code: int = 2) -> None:
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err


HOSTILE = [
    (["fleet", "--connect", "tcp:127.0.0.1:²", "--once"], "only printable ASCII"),
    (["fleet", "--connect", "tcp:127.0.0.1:٣", "--once"], "only printable ASCII"),
    (["fleet", "--connect", "tcp:127.0.0.1:70000", "--once"], "port must be 1..65535"),
    (["fleet", "--connect", "tcp:nowhere", "--once"], "tcp:nowhere"),
    (["fleet", "--connect", NOBODY, "--heartbeat-hz", "0", "--once"], "--heartbeat-hz"),
    (["fleet", "--connect", NOBODY, "--heartbeat-hz", "-3", "--once"], "--heartbeat-hz"),
    (["fleet", "--connect", NOBODY, "--heartbeat-hz", "nan", "--once"], "--heartbeat-hz"),
    (["fleet", "--connect", NOBODY, "--heartbeat-hz", "1e400", "--once"], "--heartbeat-hz"),
    (["fleet", "--connect", NOBODY, "--signing-key", "zz", "--once"], "64 hexadecimal"),
    (["fleet", "--connect", NOBODY, "--signing-key", "ab" * 31, "--once"], "32 bytes"),
    (["fleet", "--connect", NOBODY, "--wait", "nan", "--once"], "--wait"),
    (["fleet", "--connect", NOBODY, "--wait", "-1", "--once"], "--wait"),
    (["fleet", "--connect", NOBODY, "--wait", "1e12", "--once"], "--wait"),
    (["fleet", "--connect", NOBODY, "--interval", "0"], "--interval"),
    (["fleet", "--connect", NOBODY, "--name", "a", "--name", "b", "--once"], "one --name per"),
    (["fleet", "--connect", NOBODY, "--connect", NOBODY, "--once"], "its own name"),
    (["history", "--limit", "0"], "--limit"),
    (["history", "--limit", "-5"], "--limit"),
    (["history", "--limit", str(10**30)], "--limit"),
    (["history", "--limit", "１０"], "ASCII"),
    (["--db", "nonsense", "history"], "not a database URL"),
    (["--db", "mysql://pilot@localhost/eco", "history"], "unsupported database"),
    (["--db", "postgresql+nodriver://u@h/db", "history"], "cannot be opened"),
    (["--db", "postgresql://pilot:secret@127.0.0.1:1/eco", "history"], "127.0.0.1"),
    (["--actor", "x" * 121, "history"], "longer than 120"),
    (["--actor", "pilot\x00", "history"], "control characters"),
    (["rtl", "--connect", NOBODY, "--name", "n" * 121], "longer than 120"),
    (["watch", "--connect", "tcp:" + "h" * 200 + ":5760"], "longer than 120"),
    (["abort", "--connect", NOBODY, "--reason", "r" * 2001], "--reason"),
    (["upload", "--connect", NOBODY, "--mission", "x.plan", "--ceiling", "nan"], "--ceiling"),
    (["fly", "--connect", NOBODY, "--mission", "x.plan", "--reserve", "120"], "--reserve"),
]


@pytest.mark.parametrize(("argv", "says"), HOSTILE, ids=[" ".join(a)[:60] for a, _ in HOSTILE])
def test_hostile_arguments_end_in_one_line_and_exit_2(
    argv: list[str], says: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert_one_line_refusal(code, err)
    assert says in err
    assert "secret" not in err
    assert list(tmp_path.iterdir()) == []  # no database, no folder, no track


def test_the_cli_default_is_var_in_the_working_directory_and_only_opening_creates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert database_url({"DATABASE_URL": "  "}, Path("var")).database == str(
        Path("var") / "ecopatrol.sqlite"
    )
    assert not (tmp_path / "var").exists()
    open_db(None).close()
    assert (tmp_path / "var" / "ecopatrol.sqlite").is_file()


def test_a_read_only_command_creates_no_folder_and_no_database(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nonexistent" / "x.sqlite"
    code, _, err = run(["--db", f"sqlite:///{missing}", "history"], capsys)
    assert_one_line_refusal(code, err)
    assert "no database at" in err and str(missing) in err
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize(
    ("middle", "says"),
    [
        ({"command": 10**30, "frame": 3, "params": [0, 0, 0, 0, 0, 0, 0]}, "command"),
        ({"command": 16, "frame": 300, "params": [0, 0, 0, 0, HOME[0], HOME[1], 30]}, "frame"),
        ({"command": 183, "frame": 2, "params": [1e39, 0, 0, 0, 0, 0, 0]}, "float32"),
    ],
)
def test_a_mission_that_does_not_fit_mavlink_is_refused_before_any_link(
    middle: dict, says: str, tmp_path: Path, capsys
) -> None:
    plan = tmp_path / "hostile.plan"
    plan.write_text(plan_text(good_items(middle)))
    db = tmp_path / "e.sqlite"
    for command in ("upload", "fly"):
        argv = ["--db", str(sqlite_url(db)), command, "--connect", NOBODY, "--mission", str(plan)]
        code, _, err = run([*argv, "--yes"] if command == "fly" else argv, capsys)
        assert "Traceback" not in err
        assert code in (1, 2), err  # refused by the checks or by the MAVLink fit
        assert says in err and "nothing was sent" in err, err
        assert "no heartbeat" not in err  # refused before connecting
    assert not db.exists() or list_audit(open_database(sqlite_url(db))) == []


def test_the_installed_process_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "command", "fleet", "--connect", "tcp:127.0.0.1:²", "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "60"},  # a narrow terminal still gets one line
    )
    assert_one_line_refusal(r.returncode, r.stderr)
    assert list(tmp_path.iterdir()) == []


# --- fuzzing ----------------------------------------------------------------------------------
NUMBERS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["0", "-0", "nan", "NaN", "inf", "-inf", "1e400", "²", "٣", "1_0", " 5 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
OPTIONS = {
    "--heartbeat-hz": NUMBERS,
    "--wait": NUMBERS,
    "--connect": st.one_of(st.text(max_size=40), st.from_regex(r"(tcp|udp|serial):.{0,20}")),
    "--name": st.text(max_size=200),
    "--signing-key": st.text(max_size=80),
}
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    command=st.sampled_from(["fleet", "watch", "rtl", "land", "abort", "reconcile"]),
    option=st.sampled_from(sorted(OPTIONS)),
    data=st.data(),
)
def test_fuzzed_link_options_never_reach_a_traceback(
    command: str, option: str, data, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    value = data.draw(OPTIONS[option])
    argv = ["--db", str(sqlite_url(tmp_path / "e.sqlite")), command]
    argv += ["--connect", NOBODY] if option != "--connect" else []
    argv += ["--wait", "0.2"] if option != "--wait" else []
    argv += [option, value]
    if command == "fleet":
        argv.append("--once")
    if option == "--wait":  # a valid wait must stay short here
        try:
            if float(value) > 1:
                return
        except ValueError:
            pass
    code, _, err = run(argv, capsys)
    assert "Traceback" not in err
    assert code in (1, 2), (argv, err)  # nothing listens: never success, never internal error
    assert len([line for line in err.splitlines() if line.strip()]) <= 2, err


@FUZZ
@given(limit=NUMBERS, vehicle=st.text(max_size=130), db=st.text(max_size=60))
def test_fuzzed_history_arguments_never_reach_a_traceback(
    limit: str, vehicle: str, db: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["--db", db, "history", "--limit", limit, "--vehicle", vehicle], capsys)
    assert "Traceback" not in err
    assert code in (0, 1, 2), err
    assert list(tmp_path.iterdir()) == []  # a read-only command creates nothing


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=7) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=25,
)
ITEM_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "command": JSON_VALUES,
        "frame": JSON_VALUES,
        "params": JSON_VALUES | st.lists(JSON_VALUES, min_size=7, max_size=7),
        "autoContinue": JSON_VALUES,
        "type": st.sampled_from(["SimpleItem", "ComplexItem", "Other"]),
    },
)


@st.composite
def mission_files(draw) -> tuple[str, bytes]:
    """A mission file a pilot might be handed: a hostile .plan, a .waypoints, or junk bytes."""
    kind = draw(st.sampled_from(["plan-items", "plan-json", "waypoints", "bytes", "deep"]))
    if kind == "plan-items":
        middle = draw(ITEM_FIELDS)
        return ".plan", plan_text(good_items(dict(middle))).encode()
    if kind == "plan-json":
        return ".plan", json.dumps(draw(JSON_VALUES)).encode()
    if kind == "waypoints":
        rows = draw(st.lists(st.lists(NUMBERS, min_size=0, max_size=13), max_size=5))
        lines = ["QGC WPL 110", *("\t".join(row) for row in rows)]
        return ".waypoints", "\n".join(lines).encode("utf-8", "surrogatepass")
    if kind == "deep":
        depth = draw(st.integers(min_value=900, max_value=100_000))
        return ".plan", b"[" * depth + b"]" * depth
    return draw(st.sampled_from([".plan", ".waypoints"])), draw(st.binary(max_size=300))


@FUZZ
@given(mission=mission_files(), command=st.sampled_from(["upload", "fly"]))
def test_fuzzed_mission_files_never_reach_a_traceback_nor_a_vehicle(
    mission: tuple[str, bytes], command: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    suffix, content = mission
    path = tmp_path / f"m{suffix}"
    path.write_bytes(content)
    db = tmp_path / "e.sqlite"
    argv = ["--db", str(sqlite_url(db)), command, "--connect", NOBODY, "--wait", "0.2"]
    argv += ["--mission", str(path)] + (["--yes"] if command == "fly" else [])
    code, _, err = run(argv, capsys)
    assert "Traceback" not in err
    assert code in (1, 2), err  # unreadable (2), fails its checks or nobody answers (1)
    if db.exists():
        database = open_database(sqlite_url(db))
        assert list_sorties(database) == [] and list_audit(database) == []
        database.close()


@FUZZ
@given(mission=mission_files())
def test_fuzzed_files_to_check_end_in_an_exit_code_not_a_traceback(
    mission: tuple[str, bytes], tmp_path: Path, capsys
) -> None:
    suffix, content = mission
    path = tmp_path / f"m{suffix}"
    path.write_bytes(content)
    try:
        code = main(["check", str(path)])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    assert isinstance(code, int) and "Traceback" not in out + err
