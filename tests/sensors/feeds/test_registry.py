"""Feed layouts are plug-ins: a new feed is one module and one registration."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sensors.cubes import open_station_cube
from sensors.feeds import ENTRY_POINT_GROUP, LayoutError, layouts, register, sniff, unregister
from sensors.feeds import detect as detect_layout
from sensors.ingest import Reason, ingest_file
from tests.sensors.feeds.bureau_layout import BureauFeed

DATA = Path(__file__).parents[1] / "data"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _bsv(tmp_path: Path) -> Path:
    path = tmp_path / "district.bsv"
    path.write_text("SIM-1001A|2026050109|41|80\nSIM-1002A|2026050109|-|85\n", encoding="utf-8")
    return path


def _check_ingest(tmp_path: Path, path: Path) -> None:
    cubes = tmp_path / "cubes"
    ingest_file(DATA / "stations_meta.csv", cubes, now=NOW)
    report = ingest_file(path, cubes, now=NOW)
    assert report.layout == "bureau"
    assert (report.accepted, report.reasons) == (3, {Reason.NAN_OR_SENTINEL: 1})
    ds = open_station_cube(cubes).load()
    assert str(ds.time.values[0])[:13] == "2026-05-01T01"
    assert float(ds.pm10.isel(station=1, time=0)) == 85


def test_layout_registered_in_code(tmp_path: Path):
    register(BureauFeed())
    try:
        assert detect_layout(sniff(_bsv(tmp_path))).name == "bureau"
        _check_ingest(tmp_path, _bsv(tmp_path))
        with pytest.raises(LayoutError):
            register(BureauFeed())  # one name, one layout
    finally:
        unregister("bureau")
    assert "bureau" not in layouts()


def test_layout_found_through_its_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    dist = tmp_path / "site" / "bureau_feed-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bureau-feed\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nbureau = tests.sensors.feeds.bureau_layout:BureauFeed\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert "bureau" in layouts()
    _check_ingest(tmp_path, _bsv(tmp_path))


def test_builtin_layouts_are_listed_and_detection_refuses_the_unknown(tmp_path: Path):
    assert {"simulator", "long", "openaq", "national"} <= set(layouts())
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="layout not recognised"):
        detect_layout(sniff(odd))
