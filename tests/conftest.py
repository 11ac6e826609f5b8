"""Test-wide settings and guards.

EcoPatrol speaks MAVLink 2, so pymavlink's mavutil must load the v2 dialect (it reads MAVLINK20
when first imported). Tests write only into their temporary folders: a test that adds anything
to the checkout's top level or touches its var/ fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MAVLINK20", "1")

ROOT = Path(__file__).resolve().parents[1]


def _var_tree(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def _top_level() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.name not in {".pytest_cache", ".hypothesis"}}


@pytest.fixture(autouse=True)
def checkout_untouched() -> Iterator[None]:
    """Fails a test that created something at the checkout's top level or under its var/."""
    top, var = _top_level(), _var_tree(ROOT / "var")
    yield
    added = sorted(_top_level() - top)
    assert not added, f"a test wrote into the checkout: {added}"
    assert _var_tree(ROOT / "var") == var, "a test wrote into the checkout's var/"
