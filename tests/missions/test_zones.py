import json
import math

import pytest

from missions.zones import ZoneFileError, ZoneKind, load_zones, parse_zones

EXAMPLE = "missions/examples/huaiyin_zones.geojson"


def feature(name="a", kind="area", coords=None, **props):
    coords = coords or [
        [[116.93, 36.65], [116.932, 36.65], [116.932, 36.652], [116.93, 36.652], [116.93, 36.65]]
    ]
    geometry = {"type": "Polygon", "coordinates": coords}
    base = {"name": name, "kind": kind, "priority": 2, "revisit_minutes": 60}
    base.update(props)
    return {"type": "Feature", "properties": base, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_example_file_loads_every_kind():
    zones = load_zones(EXAMPLE)
    assert zones.errors == ()
    kinds = {z.kind for z in zones.zones}
    assert kinds == set(ZoneKind)
    plant = zones.by_name("huaiyin-thermal-plant")
    assert plant.stack_height_m == 80 and plant.priority == 1
    assert plant.properties["permit"].startswith("SO2")  # unknown properties are kept
    river = zones.by_name("xiaoqing-river-reach")
    assert river.width_m == 80


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (
            feature(
                "swapped",
                coords=[[[36.65, 116.93], [36.65, 116.932], [36.652, 116.932], [36.65, 116.93]]],
            ),
            "geometry.coordinates",
            "swapped",
        ),
        (
            feature(
                "bowtie",
                coords=[
                    [
                        [116.93, 36.65],
                        [116.932, 36.652],
                        [116.932, 36.65],
                        [116.93, 36.652],
                        [116.93, 36.65],
                    ]
                ],
            ),
            "geometry",
            "Self-intersection",
        ),
        (
            feature(
                "nan",
                coords=[[[116.93, math.nan], [116.932, 36.65], [116.932, 36.652], [116.93, 36.65]]],
            ),
            "geometry.coordinates",
            "not finite",
        ),
        (
            {**feature("empty"), "geometry": {"type": "Polygon", "coordinates": []}},
            "geometry.coordinates",
            "empty",
        ),
        ({**feature("nogeom"), "geometry": None}, "geometry", "empty"),
        (feature("kind", kind="lake"), "kind", "unknown kind"),
        (feature("prio", priority=7), "priority", "1 (critical)"),
        (feature("prio-bool", priority=True), "priority", "integer"),
        (feature("alt", altitude_m=math.nan), "altitude_m", "finite"),
        (feature("pattern", pattern="spiral"), "pattern", "unknown pattern"),
        (feature("revisit", revisit_minutes=None), "revisit_minutes", "required"),
        (
            feature(
                "open",
                coords=[[[116.93, 36.65], [116.932, 36.65], [116.932, 36.652], [116.93, 36.652]]],
            ),
            "geometry.coordinates",
            "not closed",
        ),
        (
            feature(
                "huge",
                coords=[
                    [[116.9, 36.6], [117.0, 36.6], [117.0, 36.7], [116.9, 36.7], [116.9, 36.6]]
                ],
            ),
            "geometry",
            "too large",
        ),
        (
            feature("range", coords=[[[196.9, 36.6], [117.0, 36.6], [117.0, 36.7], [196.9, 36.6]]]),
            "geometry.coordinates",
            "out of range",
        ),
    ],
)
def test_bad_feature_is_named_with_field_and_good_ones_still_load(bad, field, words):
    zones = parse_zones(collection(feature("good-before"), bad, feature("good-after")))
    assert [z.name for z in zones.zones] == ["good-before", "good-after"]
    assert len(zones.errors) == 1
    error = zones.errors[0]
    assert error.field == field
    assert "#1" in error.feature
    assert words.lower() in error.message.lower()
    assert words.lower() in str(error).lower()


def test_duplicate_names_rejected_on_the_second():
    zones = parse_zones(collection(feature("same"), feature("same")))
    assert len(zones.zones) == 1
    assert zones.errors[0].field == "name" and "duplicate" in zones.errors[0].message


def test_corridor_needs_width_and_a_line():
    line = {"type": "LineString", "coordinates": [[116.93, 36.65], [116.94, 36.65]]}
    ok = {
        "type": "Feature",
        "geometry": line,
        "properties": {
            "name": "river",
            "kind": "corridor",
            "priority": 3,
            "revisit_minutes": 600,
            "width_m": 60,
        },
    }
    no_width = {**ok, "properties": {**ok["properties"], "name": "river2", "width_m": None}}
    zones = parse_zones(collection(ok, no_width))
    assert [z.name for z in zones.zones] == ["river"]
    assert zones.errors[0].field == "width_m"


def test_no_fly_and_fence_need_no_priority():
    zones = parse_zones(
        collection({**feature("nf", kind="no_fly"), "properties": {"name": "nf", "kind": "no_fly"}})
    )
    assert zones.errors == () and zones.zones[0].priority is None


def test_file_level_errors(tmp_path):
    bad_json = tmp_path / "z.geojson"
    bad_json.write_text("{ not json")
    with pytest.raises(ZoneFileError, match="line 1"):
        load_zones(bad_json)
    not_fc = tmp_path / "y.geojson"
    not_fc.write_text(json.dumps({"type": "Feature"}))
    with pytest.raises(ZoneFileError, match="FeatureCollection"):
        load_zones(not_fc)
    with pytest.raises(ZoneFileError, match="cannot read"):
        load_zones(tmp_path / "missing.geojson")


def test_by_name_lists_known_zones():
    zones = parse_zones(collection(feature("a")))
    with pytest.raises(KeyError, match="zones: a"):
        zones.by_name("b")
