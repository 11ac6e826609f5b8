"""Write a region of a zarr v3 array on a local store as whole encoded chunks, on threads.

zarr-python's own region write spends as much time in its per-chunk machinery (asyncio tasks,
buffer wrappers, a thread hop per codec) as in zstd itself. For the cube arrays, whose codecs
are the plain ``bytes`` (little endian) + optional ``zstd`` pipeline, this writes the same
bytes zarr would: each chunk is assembled once (the region's values, the committed values of
a chunk the region covers only in part, the fill value beyond the array's edge), encoded with
numcodecs' Zstd (which releases the GIL, so chunks encode side by side) and written to a
temporary file renamed into place. A chunk left holding only the fill value is removed, as
zarr does unless ``array.write_empty_chunks`` is set. Arrays with other codecs or stores
are left to zarr (``write_region`` returns False).
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import zarr
from numcodecs import Zstd
from zarr.codecs import BytesCodec, ZstdCodec
from zarr.storage import LocalStore

WORKERS = min(4, os.cpu_count() or 1)
"""Threads encoding and writing chunks (zstd and file writes release the GIL)."""


Region = tuple[zarr.Array, tuple[slice, ...], np.ndarray]


def write_region(arr: zarr.Array, region: tuple[slice, ...], values: np.ndarray) -> bool:
    """Write values into arr[region] chunk by chunk; False (nothing written) if arr's codecs or
    store are not the plain local bytes + zstd kind, so the caller writes through zarr."""
    return not write_regions([(arr, region, values)])


def write_regions(items: list[Region]) -> list[int]:
    """Write several regions' chunks on one pool of threads; returns the positions of the
    items left unwritten (codecs or store of another kind) for the caller to give to zarr.

    An error writing any chunk is raised once every chunk job has ended; chunks already
    written stay (the cube's commit has not made them visible)."""
    jobs: list[Callable[[], None]] = []
    left = []
    for k, (arr, region, values) in enumerate(items):
        found = _chunk_jobs(arr, region, values)
        if found is None:
            left.append(k)
        else:
            jobs += found
    if len(jobs) == 1 or WORKERS == 1:
        for job in jobs:
            job()
    elif jobs:
        pool = _pool()
        futures = [pool.submit(job) for job in jobs]
        wait(futures)  # every job ended (not only up to the first failure) before raising
        for future in futures:
            future.result()
    return left


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The chunk threads, started once per process (and again after a fork)."""
    with _pools_lock:
        pool = _pools.get(os.getpid())
        if pool is None:
            pool = _pools[os.getpid()] = ThreadPoolExecutor(
                WORKERS, thread_name_prefix="cube-chunk"
            )
        return pool


def _chunk_jobs(
    arr: zarr.Array, region: tuple[slice, ...], values: np.ndarray
) -> list[Callable[[], None]] | None:
    """One job per chunk the region touches; None if arr is not of the kind written here."""
    encode = _encoder(arr)
    if encode is None or not isinstance(arr.store, LocalStore):
        return None
    shape, chunks = arr.shape, arr.chunks
    bounds = [_bounds(sl, n) for sl, n in zip(region, shape, strict=True)]
    values = np.broadcast_to(np.asarray(values, dtype=arr.dtype), tuple(b - a for a, b in bounds))
    if values.size == 0:
        return []
    root = Path(str(arr.store.root)) / arr.path
    fill = arr.metadata.fill_value
    keep_empty = bool(zarr.config.get("array.write_empty_chunks"))
    ranges = [range(a // c, (b - 1) // c + 1) for (a, b), c in zip(bounds, chunks, strict=True)]
    made: set[Path] = set()  # chunk folders known to exist

    def one(coords: tuple[int, ...]) -> None:
        box = [
            slice(k * c, min((k + 1) * c, n)) for k, c, n in zip(coords, chunks, shape, strict=True)
        ]
        inside = [
            slice(max(b.start, a), min(b.stop, z)) for b, (a, z) in zip(box, bounds, strict=True)
        ]
        whole = all(i == b for i, b in zip(inside, box, strict=True))
        src = tuple(
            slice(i.start - a, i.stop - a) for i, (a, _) in zip(inside, bounds, strict=True)
        )
        if whole and all(b.stop - b.start == c for b, c in zip(box, chunks, strict=True)):
            chunk = values[src]  # an inner chunk wholly written: encoded from the values
        else:
            chunk = np.full(chunks, fill, dtype=arr.dtype)
            if not whole:  # the region covers part of it: keep the rest as committed
                chunk[tuple(slice(0, b.stop - b.start) for b in box)] = arr[tuple(box)]
            dst = tuple(
                slice(i.start - b.start, i.stop - b.start) for i, b in zip(inside, box, strict=True)
            )
            chunk[dst] = values[src]
        path = root.joinpath(arr.metadata.encode_chunk_key(coords))
        if not keep_empty and _all_fill(chunk, fill):
            path.unlink(missing_ok=True)
            return
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        _put(path, encode(chunk))

    return [functools.partial(one, coords) for coords in itertools.product(*ranges)]


def _encoder(arr: zarr.Array):
    """A function chunk → bytes equal to arr's codec pipeline, or None if not bytes(+zstd)."""
    codecs = tuple(arr.metadata.codecs) if arr.metadata.zarr_format == 3 else ()
    if not codecs or not isinstance(codecs[0], BytesCodec) or arr.dtype.kind not in "fiub":
        return None
    order = "<" if codecs[0].endian is None or codecs[0].endian.value == "little" else ">"
    dtype = arr.dtype.newbyteorder(order)
    if len(codecs) == 1:
        return lambda chunk: np.ascontiguousarray(chunk, dtype=dtype).tobytes()
    if len(codecs) == 2 and isinstance(codecs[1], ZstdCodec):
        zstd = Zstd(level=codecs[1].level, checksum=codecs[1].checksum)
        return lambda chunk: zstd.encode(np.ascontiguousarray(chunk, dtype=dtype))
    return None


def _bounds(sl: slice, n: int) -> tuple[int, int]:
    start, stop, step = sl.indices(n)
    if step != 1:
        raise ValueError("region slices must have step 1")
    return start, max(start, stop)


def _all_fill(chunk: np.ndarray, fill: object) -> bool:
    """Whether every value of chunk is the fill value (its corners are looked at first)."""
    nan = isinstance(fill, float | np.floating) and np.isnan(fill)
    for corner in (chunk[(0,) * chunk.ndim], chunk[(-1,) * chunk.ndim]):
        if not (np.isnan(corner) if nan else corner == fill):
            return False
    if nan:
        return bool(np.isnan(chunk).all())
    return bool((chunk == fill).all())


def _put(path: Path, data: bytes) -> None:
    """Write a chunk file atomically (a temporary file renamed over it); its folder exists."""
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.partial")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
