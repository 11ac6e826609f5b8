import json
from dataclasses import replace

import pytest

from missions.files import PlanFileError, read_plan_file, write_plan_file
from missions.files.qgc_plan import read_qgc_plan, write_qgc_plan
from missions.items import Cmd, Frame, MissionItem
from tests.missions.files.samples import sample_mission


def test_round_trip_items_fence_rally_and_speeds(tmp_path):
    mission = sample_mission()
    path = tmp_path / "m.plan"
    write_plan_file(mission, path)
    back = read_plan_file(path)
    assert back == mission


def test_document_shape_for_qgroundcontrol():
    doc = json.loads(write_qgc_plan(sample_mission()))
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    assert doc["mission"]["firmwareType"] == 3 and doc["mission"]["vehicleType"] == 2
    assert doc["mission"]["plannedHomePosition"] == [36.6425, 116.9275, 31.2]
    first = doc["mission"]["items"][0]
    assert first["type"] == "SimpleItem" and first["command"] == 22 and len(first["params"]) == 7
    assert first["doJumpId"] == 1 and first["frame"] == 3
    assert doc["geoFence"]["polygons"][1]["inclusion"] is False
    assert doc["geoFence"]["circles"][0]["circle"]["radius"] == 150.0
    assert doc["rallyPoints"]["points"] == [[36.644, 116.928, 40.0]]


def survey_plan(generated):
    simple = {
        "type": "SimpleItem",
        "command": 22,
        "frame": 3,
        "params": [0, 0, 0, None, 36.6, 116.9, 50],
        "autoContinue": True,
        "doJumpId": 1,
    }
    complex_item = {
        "type": "ComplexItem",
        "complexItemType": "survey",
        "version": 5,
        "polygon": [[36.6, 116.9], [36.61, 116.9], [36.61, 116.91]],
        "TransectStyleComplexItem": {"Items": generated, "CameraCalc": {}},
    }
    return json.dumps(
        {
            "fileType": "Plan",
            "version": 1,
            "groundStation": "QGroundControl",
            "mission": {
                "version": 2,
                "firmwareType": 3,
                "plannedHomePosition": [36.6, 116.9, 20],
                "items": [simple, complex_item],
            },
        }
    )


def test_complex_survey_reads_through_its_generated_items():
    generated = [
        {
            "type": "SimpleItem",
            "command": 16,
            "frame": 3,
            "params": [0, 0, 0, None, 36.601 + k * 1e-3, 116.9, 50],
            "autoContinue": True,
        }
        for k in range(3)
    ]
    mission = read_qgc_plan(survey_plan(generated), "s.plan")
    assert [i.command for i in mission.items] == [Cmd.NAV_TAKEOFF] + [Cmd.NAV_WAYPOINT] * 3
    assert mission.items[1].latitude_deg == pytest.approx(36.601)
    import math

    assert math.isnan(mission.items[0].param4)


def test_complex_item_without_generated_items_is_a_clear_error():
    with pytest.raises(PlanFileError) as caught:
        read_qgc_plan(survey_plan([]), "s.plan")
    assert caught.value.field == "mission.items[1]"
    assert "'survey' carries no generated items" in str(caught.value)


def plan_doc(**mission_fields):
    """A minimal valid .plan document (as QGroundControl writes it) to break one field of."""
    mission = {
        "version": 2,
        "firmwareType": 3,
        "vehicleType": 2,
        "cruiseSpeed": 8,
        "hoverSpeed": 4,
        "plannedHomePosition": [36.6, 116.9, 30],
        "items": [
            {
                "type": "SimpleItem",
                "command": 22,
                "frame": 3,
                "params": [0, 0, 0, None, 36.6, 116.9, 50],
                "autoContinue": True,
                "doJumpId": 1,
                "Altitude": 50,
                "AltitudeMode": 1,
                "AMSLAltAboveTerrain": None,
            },
            {
                "type": "SimpleItem",
                "command": 20,
                "frame": 2,
                "params": [0, 0, 0, 0, 0, 0, 0],
                "autoContinue": True,
                "doJumpId": 2,
            },
        ],
    }
    mission.update(mission_fields)
    return {
        "fileType": "Plan",
        "version": 1,
        "groundStation": "QGroundControl",
        "mission": mission,
        "geoFence": {"version": 2, "polygons": [], "circles": []},
        "rallyPoints": {"version": 2, "points": []},
    }


def test_minimal_plan_reads():
    mission = read_qgc_plan(json.dumps(plan_doc()), "ok.plan")
    assert [i.command for i in mission.items] == [Cmd.NAV_TAKEOFF, Cmd.NAV_RETURN_TO_LAUNCH]


def broken(change):
    doc = plan_doc()
    change(doc)
    return json.dumps(doc)


def _item(doc, k=0):
    return doc["mission"]["items"][k]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{\n  "fileType": "Plan",\n  oops\n}', "line 3"),
        (json.dumps({"fileType": "KML"}), "fileType"),
        (broken(lambda d: d["mission"].pop("plannedHomePosition")), "mission.plannedHomePosition"),
        (
            broken(lambda d: _item(d).update(params=[0, 0, 0])),
            "mission.items[0].params: expected 7",
        ),
        (broken(lambda d: _item(d).update(command="16")), "mission.items[0].command"),
        (broken(lambda d: _item(d).update(command=10**30)), "mission.items[0].command: 1000"),
        (broken(lambda d: _item(d).update(command=16.5)), "mission.items[0].command"),
        (broken(lambda d: _item(d).update(frame=256)), "mission.items[0].frame"),
        (broken(lambda d: d.update(version=2)), "version: version 2 is not supported"),
        (broken(lambda d: d["mission"].update(version=1)), "mission.version"),
        (broken(lambda d: d["mission"].pop("firmwareType")), "mission.firmwareType: missing"),
        (broken(lambda d: d["geoFence"].update(version=1)), "geoFence.version"),
        (broken(lambda d: d["rallyPoints"].update(version=3)), "rallyPoints.version"),
        (
            broken(
                lambda d: d["geoFence"].update(
                    circles=[
                        {
                            "circle": {"center": [36.6, 116.9], "radius": -5},
                            "version": 1,
                            "inclusion": True,
                        }
                    ]
                )
            ),
            "geoFence.circles[0].circle.radius",
        ),
        (
            broken(
                lambda d: d["geoFence"].update(
                    circles=[{"circle": {"center": [36.6, 116.9], "radius": 50}, "inclusion": True}]
                )
            ),
            "geoFence.circles[0].version: missing",
        ),
        (
            broken(lambda d: _item(d).update(AltitudeMode=2)),
            "mission.items[0].AltitudeMode: AltitudeMode 2 disagrees with frame 3",
        ),
        (
            broken(lambda d: _item(d).update(Altitude=80)),
            "mission.items[0].Altitude: Altitude 80 m disagrees",
        ),
    ],
)
def test_bad_plans_name_the_field(text, words):
    with pytest.raises(PlanFileError) as caught:
        read_qgc_plan(text, "bad.plan")
    assert words in str(caught.value) and str(caught.value).startswith("bad.plan")


def test_hostile_plan_values_are_refused_at_read():
    """Values that passed reading before and then crashed the upload or printed 'nan min'."""
    bowtie = [[36.60, 116.90], [36.61, 116.91], [36.60, 116.91], [36.61, 116.90]]
    cases = {
        "geoFence.polygons[0].polygon: not a valid polygon: Self-intersection": lambda d: d[
            "geoFence"
        ].update(polygons=[{"inclusion": False, "polygon": bowtie, "version": 1}]),
        "rallyPoints.points[0][2]: expected a finite number": lambda d: d["rallyPoints"].update(
            points=[[36.6, 116.9, float("nan")]]
        ),
        "mission.cruiseSpeed: expected a finite number": lambda d: d["mission"].update(
            cruiseSpeed=float("nan")
        ),
        "mission.hoverSpeed: must be a positive speed": lambda d: d["mission"].update(hoverSpeed=0),
        "mission.items[0].params[4]: expected a finite number": lambda d: _item(d)[
            "params"
        ].__setitem__(4, float("inf")),
    }
    for words, change in cases.items():
        text = broken(change)  # json.dumps writes NaN/Infinity tokens as Python's reader takes
        with pytest.raises(PlanFileError) as caught:
            read_qgc_plan(text, "hostile.plan")
        assert words in str(caught.value), (words, str(caught.value))


def test_deeply_nested_and_binary_plans_are_refused(tmp_path):
    deep = tmp_path / "deep.plan"
    deep.write_text('{"fileType": "Plan", "mission": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PlanFileError, match="nested too deep"):
        read_plan_file(deep)
    binary = tmp_path / "binary.plan"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(PlanFileError, match="not UTF-8"):
        read_plan_file(binary)


@pytest.mark.parametrize(
    ("kind", "version", "words"),
    [("survey", 6, "newer"), ("Spiral", 1, "unknown complex item 'Spiral'")],
)
def test_unsupported_complex_items_are_refused(kind, version, words):
    doc = json.loads(survey_plan([_item(plan_doc())]))
    doc["mission"]["items"][1].update(complexItemType=kind, version=version)
    with pytest.raises(PlanFileError, match=words):
        read_qgc_plan(json.dumps(doc), "c.plan")


def test_do_jump_targets_are_read_as_doJumpIds():
    """QGroundControl numbers items by doJumpId; a complex item's generated items have none, so
    the waypoint after the survey is doJumpId 3 but mission seq 5."""
    doc = json.loads(survey_plan([
        {"type": "SimpleItem", "command": 16, "frame": 3, "autoContinue": True,
         "params": [0, 0, 0, None, 36.601 + k * 1e-3, 116.9, 50]}
        for k in range(3)
    ]))  # fmt: skip
    items = doc["mission"]["items"]
    items.append(
        {"type": "SimpleItem", "command": 16, "frame": 3, "doJumpId": 3, "autoContinue": True,
         "params": [0, 0, 0, None, 36.605, 116.9, 50]}
    )  # fmt: skip
    items.append(
        {"type": "SimpleItem", "command": 177, "frame": 2, "doJumpId": 4, "autoContinue": True,
         "params": [3, 2, 0, 0, 0, 0, 0]}
    )  # fmt: skip
    mission = read_qgc_plan(json.dumps(doc), "jump.plan")
    assert mission.items[5].command == Cmd.DO_JUMP and mission.items[5].param1 == 5.0
    assert mission.items[4].latitude_deg == pytest.approx(36.605)
    items[-1]["params"][0] = 9
    with pytest.raises(PlanFileError, match="doJumpId 9"):
        read_qgc_plan(json.dumps(doc), "jump.plan")


def test_writer_keeps_each_items_altitude_mode():
    """AMSL and terrain items stay so in QGroundControl (AltitudeMode 2 and 4, not 1)."""
    base = sample_mission()
    amsl = MissionItem(Cmd.NAV_WAYPOINT, Frame.GLOBAL, latitude_deg=36.65, longitude_deg=116.93,
                       altitude_m=95.0)  # fmt: skip
    terrain = MissionItem(Cmd.NAV_WAYPOINT, Frame.GLOBAL_TERRAIN_ALT_INT, latitude_deg=36.651,
                          longitude_deg=116.93, altitude_m=40.0)  # fmt: skip
    mission = replace(base, items=(base.items[0], amsl, terrain, *base.items[1:]))
    doc = json.loads(write_qgc_plan(mission))
    written = doc["mission"]["items"]
    assert [w.get("AltitudeMode") for w in written[:4]] == [1, 2, 4, None]  # None: DO item
    assert written[1]["Altitude"] == 95.0 and written[2]["frame"] == 11
    assert read_qgc_plan(json.dumps(doc)) == mission
