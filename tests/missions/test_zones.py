import json
import math

import pytest

from missions.zones import AirspaceZoneError, ZoneFileError, ZoneKind, load_zones, parse_zones

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


def bowtie_ring():
    return [
        [116.93, 36.65],
        [116.932, 36.652],
        [116.932, 36.65],
        [116.93, 36.652],
        [116.93, 36.65],
    ]


def keep_zone(name, kind="no_fly", coords=None, **props):
    geometry = {"type": "Polygon", "coordinates": coords or feature()["geometry"]["coordinates"]}
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"name": name, "kind": kind, **props},
    }


@pytest.mark.parametrize(
    "bad",
    [
        keep_zone("school", coords=[bowtie_ring()]),
        keep_zone("boundary", kind="fence", coords=[bowtie_ring()]),
        feature("lake", kind="nofly"),  # cannot tell: it may be a keep-out zone
        keep_zone("school", altitude_m=-5),
    ],
)
def test_a_rejected_keep_zone_stops_loading(tmp_path, bad):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(collection(feature("park"), bad)))
    with pytest.raises(AirspaceZoneError) as caught:
        load_zones(path)
    assert isinstance(caught.value, ZoneFileError)
    assert "feature #1" in str(caught.value) and "nothing is planned or checked" in str(
        caught.value
    )
    zones = load_zones(path, allow_airspace_errors=True)
    assert [z.name for z in zones.zones] == ["park"] and len(zones.airspace_errors) == 1


def test_a_rejected_task_zone_does_not_stop_loading(tmp_path):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(collection(feature("park", priority=9), keep_zone("school"))))
    zones = load_zones(path)
    assert [z.name for z in zones.zones] == ["school"] and zones.airspace_errors == ()


def test_keep_zones_need_no_priority_or_revisit_and_zero_means_not_patrolled():
    doc = collection(
        keep_zone("school", revisit_minutes=0),
        keep_zone("airport", priority="high", revisit_minutes=-3),  # not used by keep zones
        feature("park", revisit_minutes=0),
    )
    zones = parse_zones(doc)
    assert zones.errors == ()
    assert zones.by_name("school").revisit_minutes is None
    assert zones.by_name("airport").priority is None
    assert zones.by_name("park").revisit_minutes is None and zones.by_name("park").priority == 2


def test_hostile_zone_files_get_a_clear_error(tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ZoneFileError, match="nested too deep"):
        load_zones(deep)
    binary = tmp_path / "binary.geojson"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(ZoneFileError, match="not UTF-8"):
        load_zones(binary)


def test_odd_values_are_shown_short_and_huge_numbers_refused():
    nested = [[[[[[[["deep"]]]]]]]] * 50
    zones = parse_zones(
        collection(
            feature("a", altitude_m=10**400),
            {**feature("b"), "properties": {**feature("b")["properties"], "kind": nested}},
            feature("c", coords=[[[10**400, 36.65], [116.932, 36.65], [116.93, 36.65]]]),
        )
    )
    assert [e.field for e in zones.errors] == ["altitude_m", "kind", "geometry.coordinates"]
    assert all(len(str(e)) < 300 for e in zones.errors)
