"""Where cube computations run: a dask.distributed cluster when one is named, else threads.

The scheduler is named by ``DASK_SCHEDULER_ADDRESS`` (``tcp://host:8786``), by the centre
config key ``[cubes] dask_scheduler`` (passed to ``use_scheduler``), or by a Client given to
``use_scheduler`` (tests, benchmarks). Every cube function computes through ``compute``, so
the same code runs on the local threaded scheduler and on a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dask

ENV = "DASK_SCHEDULER_ADDRESS"

_current: list[Any] = []
"""Clients or addresses set by use_scheduler, innermost last."""
_clients: dict[str, Any] = {}


def scheduler_address() -> str | None:
    """The cluster address in force (use_scheduler, then DASK_SCHEDULER_ADDRESS), or None."""
    if _current and isinstance(_current[-1], str):
        return _current[-1] or None
    return os.environ.get(ENV) or None


def client() -> Any | None:
    """The dask.distributed Client of the scheduler in force, or None for local threads."""
    if _current and not isinstance(_current[-1], str):
        return _current[-1]
    address = scheduler_address()
    if address is None:
        return None
    if address not in _clients:
        from distributed import Client

        _clients[address] = Client(address, set_as_default=False)
    return _clients[address]


@contextmanager
def use_scheduler(target: Any) -> Iterator[None]:
    """Run cube computations inside on target: a Client, an address, or "" for threads."""
    _current.append(target)
    try:
        yield
    finally:
        _current.pop()


def compute(*objs: Any) -> tuple[Any, ...]:
    """dask.compute on the cluster in force, or on the local threaded scheduler."""
    c = client()
    if c is None:
        return dask.compute(*objs, scheduler="threads")
    return dask.compute(*objs, scheduler=c.get)
