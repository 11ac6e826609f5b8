import json

import pytest

from missions.files import PlanFileError, read_plan_file, write_plan_file
from missions.files.qgc_plan import read_qgc_plan, write_qgc_plan
from missions.items import Cmd
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


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{\n  "fileType": "Plan",\n  oops\n}', "line 3"),
        (json.dumps({"fileType": "KML"}), "fileType"),
        (json.dumps({"fileType": "Plan", "mission": {"items": []}}), "mission.plannedHomePosition"),
        (
            json.dumps(
                {
                    "fileType": "Plan",
                    "mission": {
                        "plannedHomePosition": [1, 2, 3],
                        "items": [
                            {"type": "SimpleItem", "command": 16, "frame": 3, "params": [0, 0, 0]}
                        ],
                    },
                }
            ),
            "mission.items[0].params: expected 7 values",
        ),
        (
            json.dumps(
                {
                    "fileType": "Plan",
                    "mission": {
                        "plannedHomePosition": [1, 2, 3],
                        "items": [
                            {"type": "SimpleItem", "command": "16", "frame": 3, "params": [0] * 7}
                        ],
                    },
                }
            ),
            "mission.items[0].command",
        ),
        (
            json.dumps(
                {
                    "fileType": "Plan",
                    "mission": {"plannedHomePosition": [1, 2, 3], "items": []},
                    "geoFence": {"circles": [{"circle": {"center": [1, 2], "radius": -5}}]},
                }
            ),
            "geoFence.circles[0].circle.radius",
        ),
    ],
)
def test_bad_plans_name_the_field(text, words):
    with pytest.raises(PlanFileError) as caught:
        read_qgc_plan(text, "bad.plan")
    assert words in str(caught.value) and str(caught.value).startswith("bad.plan")
