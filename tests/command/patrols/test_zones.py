"""Task zones from the zones file as the scheduler patrols them, with planned time on task."""

from __future__ import annotations

from pathlib import Path

import pytest

from command.patrols import PatrolZone, PatrolZoneError, estimate_work_s, patrol_zone
from missions.zones import TASK_KINDS, load_zones

ZONES = Path(__file__).resolve().parents[3] / "missions" / "examples" / "huaiyin_zones.geojson"


def test_task_zones_get_a_centre_a_planned_time_on_task_and_their_schedule() -> None:
    zone_set = load_zones(ZONES)
    tasks = [z for z in zone_set.zones if z.kind in TASK_KINDS]
    patrols = {z.name: patrol_zone(z, estimate_work_s(z, zone_set.zones)) for z in tasks}
    plant = patrols["huaiyin-thermal-plant"]
    assert (plant.priority, plant.revisit_minutes) == (1, 60)
    wetland = patrols["wetland-park"]
    assert wetland.work_s > plant.work_s > 60.0  # a survey takes longer than an orbit
    source = zone_set.by_name("wetland-park").geometry
    assert source.contains(source.centroid)
    assert (wetland.latitude_deg, wetland.longitude_deg) == pytest.approx(
        (source.centroid.y, source.centroid.x)
    )


def test_payload_comes_from_the_zone_or_the_caller_and_bad_zones_are_refused() -> None:
    zone_set = load_zones(ZONES)
    plant = zone_set.by_name("huaiyin-thermal-plant")
    assert patrol_zone(plant, 300.0, sensors=["SO2", "NO2", "SO2"]).sensors == ("NO2", "SO2")
    with pytest.raises(PatrolZoneError, match="'west-station-approach' is a no_fly zone"):
        patrol_zone(zone_set.by_name("west-station-approach"), 300.0)
    with pytest.raises(PatrolZoneError, match="field 'sensors' must be a list"):
        patrol_zone(plant, 300.0, sensors="SO2")
    with pytest.raises(PatrolZoneError, match="priority 5 not 1"):
        PatrolZone("x", 5, 60, 36.6, 116.9, 60.0)
    with pytest.raises(PatrolZoneError, match="work_s -1"):
        PatrolZone("x", 1, 60, 36.6, 116.9, -1.0)
