import pytest
from pymavlink import mavutil, mavwp

from missions.files import PlanFileError, read_mission_file, read_plan_file, write_plan_file
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
        ("QGC WPL 100\n", 1, None, "unsupported version"),
        ("MISSION PLANNER\n", 1, None, "header"),
        ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\t116.9\t0\n", 2, None, "12 fields"),
        (
            "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.6\t116.9\t0\t1\n"
            "1\t0\t3\t100000000000000000000000000000\t0\t0\t0\t0\t36.6\t116.9\t50\t1\n",
            3,
            "COMMAND",
            "out of range",
        ),
        ("QGC WPL 110\n0\t1\t300\t16\t0\t0\t0\t0\t36.6\t116.9\t0\t1\n", 2, "COORD_FRAME", "range"),
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


def test_index_gap_is_renumbered_as_pymavlink_reads_it_with_a_warning(tmp_path):
    """A file edited by hand (row 2 deleted) keeps its old index column: 0, 1, 3, 4."""
    text = (
        "QGC WPL 110\n"
        "0\t1\t0\t16\t0\t0\t0\t0\t36.6\t116.9\t30\t1\n"
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t40\t1\n"
        "3\t0\t3\t16\t0\t0\t0\t0\t36.601\t116.9\t40\t1\n"
        "4\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1\n"
    )
    path = tmp_path / "edited.waypoints"
    path.write_text(text)
    warnings: list[str] = []
    mission = read_wpl(text, str(path), warnings)
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) == len(mission.items) + 1 == 4
    for seq, item in enumerate(mission.items, start=1):
        assert loader.wp(seq).seq == seq and loader.wp(seq).command == item.command
        assert loader.wp(seq).x == pytest.approx(item.latitude_deg)
    assert len(warnings) == 1 and "renumbered" in warnings[0]
    assert "line 4: index 3 read as 2" in warnings[0]
    via_file = read_mission_file(path)
    assert via_file.mission == mission and via_file.warnings == tuple(warnings)


def test_cr_only_line_endings_read_every_row():
    text = "QGC WPL 110\r0\t1\t0\t16\t0\t0\t0\t0\t36.6\t116.9\t30\t1\r"
    text += "1\t0\t3\t16\t0\t0\t0\t0\t36.601\t116.9\t40\t1\r"
    mission = read_wpl(text)
    assert len(mission.items) == 1 and mission.items[0].latitude_deg == 36.601


def test_binary_and_oversized_files_are_refused(tmp_path):
    binary = tmp_path / "m.waypoints"
    binary.write_bytes(b"QGC WPL 110\n\xff\xfe\x00\x01")
    with pytest.raises(PlanFileError, match="not UTF-8"):
        read_plan_file(binary)
