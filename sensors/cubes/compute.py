"""Where cube computations run: a dask.distributed cluster when one is named, else threads.

The scheduler is named by ``DASK_SCHEDULER_ADDRESS`` (``tcp://host:8786``), by the centre
config key ``[cubes] dask_scheduler`` (passed to ``use_scheduler``), or by a Client given to
``use_scheduler`` (tests, benchmarks). Every cube function computes through ``compute``, so
the same code runs on the local threaded scheduler and on a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import dask

ENV = "DASK_SCHEDULER_ADDRESS"

_current: list[list[Any]] = []
"""Clients or addresses set by use_scheduler, innermost last."""
_clients: dict[str, Any] = {}


def scheduler_address() -> str | None:
    """The cluster address in force (use_scheduler, then DASK_SCHEDULER_ADDRESS), or None."""
    if _current and isinstance(_current[-1][0], str):
        return _current[-1][0] or None
    return os.environ.get(ENV) or None


def client() -> Any | None:
    """The dask.distributed Client of the scheduler in force, or None for local threads."""
    if _current and not isinstance(_current[-1][0], str):
        return _current[-1][0]
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
    entry = [target]  # a box of its own: popped by identity, whatever was pushed since
    _current.append(entry)
    try:
        yield
    finally:
        for i in range(len(_current) - 1, -1, -1):
            if _current[i] is entry:
                del _current[i]
                break


def applied(address: str | None) -> Any:
    """What the centre config key ``[cubes] dask_scheduler`` puts in force: None (the key is
    absent) leaves ``DASK_SCHEDULER_ADDRESS`` or threads; "" means local threads whatever the
    environment says; an address names the cluster (it wins over the environment)."""
    return nullcontext() if address is None else use_scheduler(address)


def release(address: str | None) -> None:
    """Close the Client this process opened to address (nothing if none was opened)."""
    if not address:
        return
    c = _clients.pop(address, None)
    if c is not None:
        c.close()


def compute(*objs: Any) -> tuple[Any, ...]:
    """dask.compute on the cluster in force, or on the local threaded scheduler."""
    c = client()
    if c is None:
        return dask.compute(*objs, scheduler="threads")
    return dask.compute(*objs, scheduler=c.get)
