import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from missions.cli import main
from missions.files import read_plan_file

ZONES = "missions/examples/huaiyin_zones.geojson"
HOME = "36.6425,116.9275,30"
ROOT = Path(__file__).resolve().parents[2]


def run(*argv):
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.mark.parametrize("suffix", [".plan", ".waypoints"])
def test_plan_writes_by_extension_and_summarises(tmp_path, suffix):
    out_file = tmp_path / f"wetland{suffix}"
    code, text = run(
        "plan", ZONES, "--zone", "wetland-park", "--home", HOME, "--out", str(out_file)
    )
    assert code == 0, text
    for word in ("pattern   survey", "length", "time", "battery", "result    may fly"):
        assert word in text
    mission = read_plan_file(out_file)
    assert len(mission.items) > 5


def test_check_exit_codes(tmp_path):
    good = tmp_path / "good.plan"
    assert (
        run(
            "plan",
            ZONES,
            "--zone",
            "huaiyin-thermal-plant",
            "--home",
            HOME,
            "--out",
            str(good),
            "--wind-from",
            "45",
        )[0]
        == 0
    )
    assert run("check", str(good), "--zones", ZONES)[0] == 0
    # the same mission against a lower ceiling fails a check: exit 1
    code, text = run("check", str(good), "--ceiling", "80")
    assert code == 1 and "ABOVE_CEILING" in text and "NOT FLYABLE" in text
    # an unreadable file: exit 2 with the reason
    broken = tmp_path / "broken.waypoints"
    broken.write_text("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\n")
    code, text = run("check", str(broken))
    assert code == 2 and "line 2" in text and "12 fields" in text


def test_plan_bad_input_exits_2_and_writes_nothing(tmp_path):
    out_file = tmp_path / "x.plan"
    code, text = run("plan", ZONES, "--zone", "nowhere", "--home", HOME, "--out", str(out_file))
    assert code == 2 and "no zone named 'nowhere'" in text
    bad_zones = tmp_path / "zones.geojson"
    doc = json.loads(Path(ZONES).read_text())
    doc["features"][2]["properties"]["priority"] = 9  # wetland-park
    bad_zones.write_text(json.dumps(doc))
    code, text = run(
        "plan", str(bad_zones), "--zone", "wetland-park", "--home", HOME, "--out", str(out_file)
    )
    assert code == 2 and "field 'priority'" in text
    code, text = run(
        "plan",
        ZONES,
        "--zone",
        "wetland-park",
        "--home",
        HOME,
        "--out",
        str(out_file),
        "--altitude",
        "150",
    )
    assert code == 2 and "ceiling" in text
    assert not out_file.exists()


def test_python_dash_m_entry_point(tmp_path):
    out_file = tmp_path / "site.waypoints"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "missions",
            "plan",
            ZONES,
            "--zone",
            "yanshan-construction-site",
            "--home",
            HOME,
            "--out",
            str(out_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    check = subprocess.run(
        [sys.executable, "-m", "missions", "check", str(out_file), "--zones", ZONES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0 and "may fly" in check.stdout
