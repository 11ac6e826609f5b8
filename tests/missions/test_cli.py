import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
import shapely.geometry

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


def write_zones(path, *features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return str(path)


def square(west, south, side=0.002):
    ring = [[west, south], [west + side, south], [west + side, south + side],
            [west, south + side], [west, south]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


PARK = {
    "type": "Feature",
    "geometry": square(116.930, 36.645),
    "properties": {"name": "park", "kind": "area", "priority": 2, "revisit_minutes": 60},
}
BOWTIE = {"type": "Feature",
          "geometry": {"type": "Polygon", "coordinates": [[[116.928, 36.643], [116.929, 36.644],
                                                            [116.929, 36.643], [116.928, 36.644],
                                                            [116.928, 36.643]]]},
          "properties": {"name": "school", "kind": "no_fly"}}  # fmt: skip


def test_a_self_intersecting_no_fly_zone_stops_plan_and_check(tmp_path):
    zones = write_zones(tmp_path / "zones.geojson", PARK, BOWTIE)
    out_file = tmp_path / "park.plan"
    code, text = run("plan", zones, "--zone", "park", "--home", HOME, "--out", str(out_file))
    assert code == 2 and "feature #1 'school'" in text and "Self-intersection" in text
    assert not out_file.exists()
    good = write_zones(tmp_path / "good.geojson", PARK)
    assert run("plan", good, "--zone", "park", "--home", HOME, "--out", str(out_file))[0] == 0
    code, text = run("check", str(out_file), "--zones", zones)
    assert code == 2 and "keep-out/keep-in zone(s) rejected" in text and "may fly" not in text


def test_a_no_fly_zone_with_revisit_zero_and_no_priority_is_flown_around(tmp_path):
    school = {"type": "Feature", "geometry": square(116.9285, 36.6430, 0.001),
              "properties": {"name": "school", "kind": "no_fly", "revisit_minutes": 0}}  # fmt: skip
    zones = write_zones(tmp_path / "zones.geojson", PARK, school)
    out_file = tmp_path / "park.plan"
    home = "36.6425,116.9280,30"
    code, text = run("plan", zones, "--zone", "park", "--home", home, "--out", str(out_file))
    assert code == 0, text
    assert run("check", str(out_file), "--zones", zones)[0] == 0
    mission = read_plan_file(out_file)
    assert any(not p.inclusion for p in mission.fence.polygons)  # the keep-out goes to the vehicle
    # flown straight, home to the zone crosses the school: the route above went around it
    straight = shapely.LineString([(116.9280, 36.6425), (116.931, 36.646)])
    assert straight.intersects(shapely.geometry.shape(school["geometry"]))


def test_cruise_speed_nan_is_refused_never_nan_minutes(tmp_path):
    good = tmp_path / "good.plan"
    run("plan", write_zones(tmp_path / "z.geojson", PARK), "--zone", "park", "--home", HOME,
        "--out", str(good))  # fmt: skip
    doc = json.loads(good.read_text())
    doc["mission"]["cruiseSpeed"] = float("nan")
    bad = tmp_path / "bad.plan"
    bad.write_text(json.dumps(doc))  # Python writes the NaN token QGroundControl files can hold
    code, text = run("check", str(bad))
    assert code == 2 and "mission.cruiseSpeed" in text and "nan min" not in text.lower()


def test_an_endless_mission_is_not_flyable_on_one_battery(tmp_path):
    path = tmp_path / "loop.waypoints"
    path.write_text(
        "QGC WPL 110\n"
        "0\t1\t0\t16\t0\t0\t0\t0\t36.6425\t116.9275\t30\t1\n"
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t40\t1\n"
        "2\t0\t3\t16\t0\t0\t0\t0\t36.6440\t116.9275\t40\t1\n"
        "3\t0\t3\t16\t0\t0\t0\t0\t36.6440\t116.9290\t40\t1\n"
        "4\t0\t0\t177\t2\t-1\t0\t0\t0\t0\t0\t1\n"
        "5\t0\t0\t20\t0\t0\t0\t0\t0\t0\t0\t1\n"
    )
    code, text = run("check", str(path))
    assert code == 1 and "not flyable on one battery" in text and "repeats forever" in text
    assert " nan" not in text.lower() and " inf" not in text.lower()


def test_gap_in_a_waypoint_file_is_a_warning(tmp_path):
    path = tmp_path / "gap.waypoints"
    path.write_text(
        "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6425\t116.9275\t30\t1\n"
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t40\t1\n3\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1\n"
    )
    code, text = run("check", str(path))
    assert code == 0 and "warning   " in text and "renumbered" in text


def test_battery_options_judge_the_pack_there_is(tmp_path):
    out_file = tmp_path / "park.plan"
    zones = write_zones(tmp_path / "z.geojson", PARK)
    assert run("plan", zones, "--zone", "park", "--home", HOME, "--out", str(out_file))[0] == 0

    def needed_pct(text):
        return int(text.split("battery   ")[1].split("%")[0])

    code, text = run("check", str(out_file))
    survey_quad = needed_pct(text)
    code, text = run("check", str(out_file), "--copter", "arducopter-sitl")
    assert "ArduCopter SITL quad" in text and needed_pct(text) > 2.5 * survey_quad
    code, text = run("check", str(out_file), "--battery-pct", "30")
    assert code == 1 and "ENDURANCE" in text and "30% at take-off" in text
    code, text = run("check", str(out_file), "--calibration", "2")
    assert abs(needed_pct(text) - 2 * survey_quad) <= 1


@pytest.mark.parametrize(
    "option",
    [["--endurance-min", "0"], ["--altitude", "nan"], ["--battery-pct", "150"],
     ["--reserve", "inf"], ["--ceiling", "-1"], ["--home", "36.6,116.9,nan"]],
)  # fmt: skip
def test_bad_option_values_exit_2_with_a_message(tmp_path, capsys, option):
    argv = ["plan", ZONES, "--zone", "wetland-park", "--home", HOME, "--out",
            str(tmp_path / "x.plan"), *option]  # fmt: skip
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 2 and "error:" in err and "Traceback" not in err
    assert not (tmp_path / "x.plan").exists()


def test_objective_option_names_what_the_survey_minimised(tmp_path):
    zones = write_zones(tmp_path / "z.geojson", PARK)
    out_file = tmp_path / "p.plan"
    code, text = run("plan", zones, "--zone", "park", "--home", HOME, "--out", str(out_file),
                     "--objective", "turns")  # fmt: skip
    assert code == 0 and "(turn count)" in text
