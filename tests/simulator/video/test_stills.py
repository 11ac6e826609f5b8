"""Stills carry their position and time in EXIF, as photogrammetry tools read them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from simulator.video.scene import SceneRenderer
from simulator.video.state import CameraState
from simulator.video.stills import exif_bytes, read_gps, still_path, write_still
from simulator.world import load_world


def test_exif_holds_the_position_altitude_and_utc_time(tmp_path: Path) -> None:
    world = load_world()
    when = datetime(2026, 11, 30, 3, 4, 5, 250_000, tzinfo=UTC)
    state = CameraState(0, 36.6481234, 116.9451234, 55.0, 270.0, when.timestamp(), 900.0)
    path = still_path(tmp_path, 2, 17)
    assert path == tmp_path / "vehicle-2" / "IMG_00017.jpg"
    image = SceneRenderer(world, 640, 360).render(state, "UAV-2")
    write_still(path, image, exif_bytes(state, 85.0, "UAV-2 camera"))
    assert not list(path.parent.glob("*.part"))
    lat, lon, alt, t = read_gps(path)
    assert abs(lat - 36.6481234) < 1e-8 and abs(lon - 116.9451234) < 1e-8
    assert abs(alt - 85.0) < 1e-3
    assert t == when
    with Image.open(path) as im:
        assert im.format == "JPEG" and im.size == (640, 360)
        exif = im.getexif()
        assert exif[0x010F] == "EcoPatrol"  # Make


def test_southern_and_western_positions_keep_their_sign(tmp_path: Path) -> None:
    state = CameraState(0, -33.8568, -70.6483, 10.0, 0.0, 1.8e9, 0.0)
    path = tmp_path / "x.jpg"
    write_still(path, Image.new("RGB", (64, 36)), exif_bytes(state, -12.5, "cam"))
    lat, lon, alt, _ = read_gps(path)
    assert abs(lat + 33.8568) < 1e-8 and abs(lon + 70.6483) < 1e-8 and abs(alt + 12.5) < 1e-3
