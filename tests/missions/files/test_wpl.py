import pytest
from pymavlink import mavutil, mavwp

from missions.files import PlanFileError, read_plan_file, write_plan_file
from missions.files.wpl import read_wpl, write_wpl
from tests.missions.files.samples import sample_mission


def test_round_trip_gives_the_same_items(tmp_path):
    mission = sample_mission()
    path = tmp_path / "m.waypoints"
    write_plan_file(mission, path)
    back = read_plan_file(path)
    assert back.items == mission.items  # exact: shortest round-trip decimals
    assert back.home == mission.home


def test_format_is_tab_separated_with_home_row_zero_and_latitude_in_p5():
    text = write_wpl(sample_mission())
    lines = text.splitlines()
    assert lines[0] == "QGC WPL 110"
    home = lines[1].split("\t")
    assert len(home) == 12 and home[:4] == ["0", "1", "0", "16"]
    assert home[8:11] == ["36.6425", "116.9275", "31.2"]
    assert all(len(line.split("\t")) == 12 for line in lines[1:])
    assert "e-" not in text and "e+" not in text


def test_pymavlink_mavwp_loads_it(tmp_path):
    mission = sample_mission()
    path = tmp_path / "m.txt"
    write_plan_file(mission, path)
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) == len(mission.items) + 1
    home = loader.wp(0)
    assert home.x == pytest.approx(36.6425) and home.y == pytest.approx(116.9275)
    for seq, item in enumerate(mission.items, start=1):
        wp = loader.wp(seq)
        assert wp.command == item.command and wp.frame == item.frame
        assert wp.x == pytest.approx(item.latitude_deg) and wp.z == pytest.approx(item.altitude_m)
        assert bool(wp.autocontinue) == item.autocontinue
    assert loader.wp(2).command == mavutil.mavlink.MAV_CMD_DO_CHANGE_SPEED


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("", 1, None, "empty"),
        ("QGC WPL 100\n", 1, None, "header"),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\t116.9\t0\n", 2, None, "12 fields"),
        (
            "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\t116.9\t0\t1\n"
            "2\t0\t3\t16\t0\t0\t0\t0\t36.6\t116.9\t50\t1\n",
            3,
            "INDEX",
            "out of sequence",
        ),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\tabc\t116.9\t0\t1\n", 2, "LATITUDE", "number"),
        ("QGC WPL 110\n0\t1\t0\t16.5\t0\t0\t0\t0\t36.6\t116.9\t0\t1\n", 2, "COMMAND", "integer"),
        ("QGC WPL 110\n# only a comment\n", 2, None, "no home"),
    ],
)
def test_bad_rows_name_line_and_field(text, line, field, words):
    with pytest.raises(PlanFileError) as caught:
        read_wpl(text, "bad.waypoints")
    error = caught.value
    assert error.line == line and error.field == field
    assert words in str(error) and str(error).startswith("bad.waypoints")


def test_comments_and_spaces_are_tolerated_like_mavwp():
    text = (
        "QGC WPL 110\n# comment\n0 1 0 16 0 0 0 0 36.6 116.9 10 1\n\n"
        "1 0 3 16 0 0 0 0 36.61 116.91 50 1\n"
    )
    mission = read_wpl(text)
    assert mission.home.altitude_m == 10 and mission.items[0].latitude_deg == 36.61


def test_unknown_extension_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(PlanFileError, match="unknown mission file extension"):
        write_plan_file(sample_mission(), tmp_path / "m.kml")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PlanFileError, match="cannot read"):
        read_plan_file(tmp_path / "missing.waypoints")
