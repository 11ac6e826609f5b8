import json

from missions.files import mission_geojson, write_plan_file
from tests.missions.files.samples import sample_mission


def test_route_and_waypoints_longitude_first(tmp_path):
    mission = sample_mission()
    doc = mission_geojson(mission)
    route = doc["features"][0]
    assert route["geometry"]["type"] == "LineString"
    coords = route["geometry"]["coordinates"]
    assert coords[0] == [116.9275, 36.6425] and coords[-1] == coords[0]  # home → … → home (RTL)
    points = [f for f in doc["features"] if f["properties"]["role"] == "waypoint"]
    assert [p["properties"]["item_index"] for p in points] == [0, 2, 4, 5]
    assert points[1]["geometry"]["coordinates"] == [116.94589500903233, 36.64800040986942]
    path = tmp_path / "route.geojson"
    write_plan_file(mission, path)
    assert json.loads(path.read_text()) == doc
