"""The feed-layout registry, after xarray's backend entry points.

Built-in layouts are listed here by module; others come from the ``ecopatrol.feed_layouts``
entry-point group (``name = "package.module:LAYOUT"``, an object or a class with no
arguments) or from ``register()``. A bureau adds its own feed with one module and one of
those two registrations; nothing else changes.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path

from sensors.feeds.csv_text import read_header
from sensors.feeds.protocol import FeedFile, FeedLayout, IngestError

ENTRY_POINT_GROUP = "ecopatrol.feed_layouts"

BUILTIN = {
    "simulator": "sensors.feeds.simulator:LAYOUT",
    "long": "sensors.feeds.long:LAYOUT",
    "openaq": "sensors.feeds.openaq:LAYOUT",
    "national": "sensors.feeds.national:LAYOUT",
}
"""Built-in layouts by name, as ``module:attribute``."""

_registered: dict[str, FeedLayout] = {}


class LayoutError(ValueError):
    """A layout that cannot be registered or loaded."""


def register(layout: FeedLayout, *, replace: bool = False) -> FeedLayout:
    """Add a layout (an object with name, priority, can_open and read); returns it."""
    if not isinstance(layout, FeedLayout):
        raise LayoutError(f"{layout!r} lacks name, priority, can_open or read")
    if not replace and layout.name in layouts():
        raise LayoutError(f"a feed layout named {layout.name!r} is already registered")
    _registered[layout.name] = layout
    return layout


def unregister(name: str) -> None:
    """Remove a layout added with register()."""
    _registered.pop(name, None)


def layouts() -> dict[str, FeedLayout]:
    """Every layout by name: built-ins, entry points, then those registered (which win)."""
    found: dict[str, FeedLayout] = {}
    for name, target in BUILTIN.items():
        found[name] = _load(name, target)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in found:
            found[ep.name] = _load(ep.name, ep.value)
    found.update(_registered)
    return found


def get(name: str) -> FeedLayout:
    """The layout of that name; LayoutError listing the known names otherwise."""
    known = layouts()
    if name not in known:
        raise LayoutError(f"no feed layout {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def sniff(path: Path) -> FeedFile:
    """What detection looks at (the header of a text file; none for JSON)."""
    if path.suffix.lower() in (".json", ".ndjson"):
        return FeedFile(path, None)
    return FeedFile(path, read_header(path).names)


def detect(feed: FeedFile) -> FeedLayout:
    """The first layout, by priority, that can open the file; IngestError if none can."""
    for layout in sorted(layouts().values(), key=lambda x: (x.priority, x.name)):
        if layout.can_open(feed):
            return layout
    shown = ",".join(feed.header or ())[:200]
    raise IngestError(feed.path, 1, "header", f"layout not recognised: {shown!r}")


def _load(name: str, target: str) -> FeedLayout:
    module, _, attr = target.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr or "LAYOUT")
    except (ImportError, AttributeError) as exc:
        raise LayoutError(f"feed layout {name!r}: cannot load {target!r}: {exc}") from exc
    layout = obj() if isinstance(obj, type) else obj
    if not isinstance(layout, FeedLayout):
        raise LayoutError(f"feed layout {name!r} ({target}) lacks name, priority, can_open or read")
    return layout
