"""The hook for each area's operations: every module `command/centre/ops_<area>.py` that
defines `MIXIN` (a class of methods over `self: CommandCentre`, like `CentreOperations`) is
mixed into CommandCentre's bases, in module name order. Adding an area's operations is adding
that module; nothing else is edited."""

from __future__ import annotations

import importlib
import pkgutil

PREFIX = "ops_"


def operation_mixins() -> tuple[type, ...]:
    """The MIXIN class of each command.centre.ops_* module, in name order."""
    import command.centre as package

    mixins = []
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    for name in names:
        if not name.startswith(PREFIX):
            continue
        module = importlib.import_module(f"{package.__name__}.{name}")
        mixin = getattr(module, "MIXIN", None)
        if not isinstance(mixin, type):
            raise TypeError(f"command/centre/{name}.py defines no MIXIN class")
        mixins.append(mixin)
    return tuple(mixins)


def start_areas(centre: object) -> None:
    """Call each mixin's `start_area(centre)` (if it defines one) as the centre starts: an
    area subscribes its bus handlers there; the bus closes them when the centre closes."""
    for mixin in operation_mixins():
        start = mixin.__dict__.get("start_area")
        if start is not None:
            start(centre)
