"""The sorties page links each sortie in its history to its snapshots and recordings
(`/video?sortie=N`), over a real CommandCentre with a stored sortie (temp SQLite, no drones)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from command.centre.demo import ZONES
from command.storage import close_sortie, open_sortie, save_mission, upsert_vehicle
from tests.web.conftest import log_in
from tests.web.live import add_role_accounts
from web import WebSettings, create_app

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandCentre]:
    var = tmp_path_factory.mktemp("sortielinks")
    config = config_from_mapping(
        {"var_dir": str(var), "zones": str(ZONES), "vehicles": []}, source="test"
    )
    c = CommandCentre(config)
    c.start()
    add_role_accounts(c)
    yield c
    c.close()


def test_each_sortie_in_history_links_to_its_video(centre: CommandCentre) -> None:
    upsert_vehicle(
        centre.db, name="hy-01", connection="udpin:127.0.0.1:14550", system_id=1,
        airframe="quad",
    )  # fmt: skip
    mission = save_mission(
        centre.db, name="wetland-park 1", home_latitude_deg=36.65, home_longitude_deg=116.94,
        home_altitude_m=30, cruise_speed_mps=8, items=[], now=NOW,
    )  # fmt: skip
    sortie = open_sortie(centre.db, mission_id=mission.id, vehicle_name="hy-01", now=NOW)
    close_sortie(centre.db, sortie.id, "completed", "", NOW + timedelta(minutes=9))
    app: Flask = create_app(
        WebSettings(secret_key=b"k" * 32, login_limit="1000 per minute"), centre=centre
    )
    viewer = app.test_client()
    log_in(viewer, "viewer")
    page = viewer.get("/sorties").get_data(as_text=True)
    assert f'href="/video?sortie={sortie.id}"' in page
    assert "快照与录像" in page  # zh-CN by default
    video = viewer.get(f"/video?sortie={sortie.id}")
    assert video.status_code == 200
