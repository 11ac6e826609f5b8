import pytest
import shapely

from missions import patterns
from missions.inspection import Leg
from missions.items import Position
from missions.patterns import PatternPlan, PlanError, register_pattern
from missions.planner import PlanSpec, plan_zone
from missions.zones import parse_zones

HOME = Position(36.6480, 116.9290, 30.0)


def zone_doc(kind="enterprise", geometry=None, **props):
    base = {"name": "site", "kind": kind, "priority": 1, "revisit_minutes": 60}
    base.update(props)
    geometry = geometry or {"type": "Point", "coordinates": [116.9300, 36.6500]}
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": geometry, "properties": base}],
    }


def kinds_of(planned):
    """Which legs the route flies: orbit points lie 80 m from the site, transects downwind."""
    centre = shapely.Point(planned.frame.to_xy(116.9300, 36.6500))
    distances = [shapely.Point(p).distance(centre) for p in planned.route_xy[1:-1]]
    return {"orbit" if abs(d - 80.0) < 1.0 else "far" for d in distances}


@pytest.mark.parametrize(
    ("pattern", "name", "flown"),
    [
        (None, "orbit+transects", {"orbit", "far"}),
        ("inspection", "orbit+transects", {"orbit", "far"}),
        ("orbit", "orbit", {"orbit"}),
        ("transects", "transects", {"far"}),
    ],
)
def test_enterprise_pattern_is_honoured(pattern, name, flown):
    props = {"pattern": pattern} if pattern else {}
    zone = parse_zones(zone_doc(**props)).zones[0]
    planned = plan_zone(zone, HOME, (zone,), PlanSpec(wind_from_deg=270.0))
    assert planned.pattern == name
    assert kinds_of(planned) == flown


def test_transects_without_wind_are_refused():
    zone = parse_zones(zone_doc(pattern="transects")).zones[0]
    with pytest.raises(PlanError, match="wind"):
        plan_zone(zone, HOME, (zone,), PlanSpec())


def test_corridor_pattern_survey_sweeps_the_buffered_line():
    line = {"type": "LineString", "coordinates": [[116.925, 36.650], [116.935, 36.650]]}
    lanes = parse_zones(zone_doc("corridor", line, width_m=80)).zones[0]
    swept = parse_zones(zone_doc("corridor", line, width_m=80, pattern="survey")).zones[0]
    spec = PlanSpec(sensing_width_m=20.0)
    assert plan_zone(lanes, HOME, (lanes,), spec).pattern == "corridor"
    assert plan_zone(swept, HOME, (swept,), spec).pattern == "survey"


def test_a_new_pattern_is_one_function_and_a_registration(monkeypatch):
    monkeypatch.setattr(patterns, "_PLANNERS", dict(patterns._PLANNERS))
    monkeypatch.setattr(patterns, "_DEFAULTS", dict(patterns._DEFAULTS))

    def cross(zone, site):
        """Two passes over the site centre, north-south then east-west, 100 m each way."""
        x, y = site.frame.project(zone.geometry).centroid.coords[0]
        points = ((x, y - 100), (x, y + 100), (x - 100, y), (x + 100, y))
        return PatternPlan((Leg(points, site.altitude_m, "cross"),), "cross")

    doc = zone_doc(pattern="cross")
    assert parse_zones(doc).errors[0].field == "pattern"  # unknown until registered
    register_pattern("enterprise", "cross", cross)
    zone = parse_zones(doc).zones[0]
    planned = plan_zone(zone, HOME, (zone,), PlanSpec())
    assert planned.pattern == "cross" and len(planned.route_xy) == 4 + 2
    with pytest.raises(ValueError, match="already registered"):
        register_pattern("enterprise", "cross", lambda zone, site: cross(zone, site))
