"""Every CLI test runs in its own temporary folder; the checkout's var/ must not change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.sitl import ROOT


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


@pytest.fixture(autouse=True)
def checkout_var_untouched() -> Iterator[None]:
    """Fails a test that created, grew or touched anything under the checkout's var/."""
    before = _tree(ROOT / "var")
    yield
    assert _tree(ROOT / "var") == before, "a test wrote into the checkout's var/"
