"""Zarr v3 groups that grow in committed batches and open lazily as xarray datasets.

Every array carries ``dimension_names``; the group attribute ``ecopatrol_sizes`` holds the
committed size of each dimension and is written last, in one atomic file write, so a crash
mid-batch leaves the store readable and complete up to the last committed batch: readers
slice every array to the committed sizes and writers cut uncommitted tails before writing.
A batch that rewrites committed chunks (a fill, or times inserted into the axis) first copies
them to ``<cube>.journal/``; a crash before the commit is undone from there on the next open.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from sensors.cubes.chunks import write_regions

SIZES_ATTR = "ecopatrol_sizes"
COMMIT_ATTR = "ecopatrol_commit"
"""Number of the last commit; a journal protects the commit numbered one more."""
JOURNAL = ".journal"
"""Suffix of the file beside a cube holding copies of the chunks a batch rewrites."""
LOCK = ".lock"
"""Suffix of the writer lock file beside a cube."""
LEASE = ".lease"
"""Suffix of the writer lease file beside a cube: JSON with the owner and since when."""
NEW = ".new"
"""Suffix of the folder a new cube is built in before it is renamed into place."""


def dims_of(arr: zarr.Array) -> tuple[str, ...]:
    """Dimension names of an array (empty for a scalar)."""
    return tuple(arr.metadata.dimension_names or ())


class CubeError(ValueError):
    """A cube that does not exist, has another layout, or a write that does not fit it."""


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def local_path(where: str | os.PathLike[str]) -> Path:
    """The local path of a cube (or cubes folder) given as a path or a ``file://`` URL."""
    if isinstance(where, os.PathLike):
        return Path(where)
    if not isinstance(where, str):
        raise CubeError(f"{where!r}: a cube path must be a path or a file:// URL")
    if not _URL.match(where):
        return Path(where)
    url = urlsplit(where)
    scheme = url.scheme.lower()
    if scheme != "file":
        raise CubeError(
            f"{where}: {scheme}:// is not supported: cubes live on local or shared file "
            "systems only today (a path or a file:// URL)"
        )
    if url.netloc not in ("", "localhost"):
        raise CubeError(
            f"{where}: file:// URLs name this machine's file system (file:///path); "
            f"mount {url.netloc}'s share and give its local path"
        )
    if url.query or url.fragment:
        raise CubeError(f"{where}: a file:// URL of a cube takes no query or fragment")
    path = unquote(url.path)
    if not path.startswith("/"):
        raise CubeError(f"{where}: a file:// URL needs an absolute path (file:///path)")
    return Path(path)


@dataclass(frozen=True)
class ArraySpec:
    """One array of a cube: dims, dtype, chunk shape (−1 = the dim's chunk), fill and attrs."""

    name: str
    dims: tuple[str, ...]
    dtype: str
    chunks: tuple[int, ...]
    fill: Any = np.nan
    attrs: Mapping[str, Any] = field(default_factory=dict)
    compressors: Any = "auto"
    """zarr compressors of a new array ("auto" = zarr's default, zstd); an existing array
    keeps the codecs in its own metadata, so stores written earlier open and grow as before."""


class CubeStore:
    """A zarr group whose arrays grow along their dims in committed batches."""

    def __init__(self, path: str | Path) -> None:
        self.path = local_path(path)
        if not (self.path / "zarr.json").exists():
            raise CubeError(f"{self.path}: no cube here")
        recover(self.path)
        self.group = zarr.open_group(str(self.path), mode="r+")
        self._arrays: dict[str, zarr.Array] | None = None

    @classmethod
    def create(
        cls,
        path: str | Path,
        specs: list[ArraySpec],
        attrs: Mapping[str, Any],
        sizes: Mapping[str, int],
    ) -> CubeStore:
        """Create an empty cube (all dims at the given sizes) and return it.

        The cube is built beside its place and renamed into it whole, so a reader never finds
        a group without its arrays and attributes.
        """
        path = local_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise CubeError(f"{path}: a cube is already there")
        building = _beside(path, NEW)
        shutil.rmtree(building, ignore_errors=True)
        group = zarr.open_group(str(building), mode="w-")
        for spec in specs:
            shape = tuple(sizes[d] for d in spec.dims)
            group.create_array(
                spec.name,
                shape=shape,
                chunks=spec.chunks,
                dtype=spec.dtype,
                fill_value=spec.fill,
                dimension_names=spec.dims,
                attributes=dict(spec.attrs),
                compressors=spec.compressors,
            )
        group.update_attributes({**attrs, SIZES_ATTR: dict(sizes)})
        try:
            os.rename(building, path)
        except OSError as exc:  # made meanwhile by another writer
            shutil.rmtree(building, ignore_errors=True)
            raise CubeError(f"{path}: a cube is already there") from exc
        return cls(path)

    @property
    def sizes(self) -> dict[str, int]:
        """Committed size of each dimension."""
        return dict(self.group.attrs[SIZES_ATTR])

    @property
    def attrs(self) -> dict[str, Any]:
        """Group attributes (including the committed sizes)."""
        return dict(self.group.attrs)

    def arrays(self) -> dict[str, zarr.Array]:
        """The group's arrays by name (listed once: this store is their one writer)."""
        if self._arrays is None:
            self._arrays = {name: arr for name, arr in self.group.arrays()}
        return dict(self._arrays)

    def cut_uncommitted(self) -> None:
        """Shrink arrays left longer than the committed sizes by an interrupted batch."""
        sizes = self.sizes
        for arr in self.arrays().values():
            shape = tuple(sizes[d] for d in dims_of(arr))
            if arr.shape != shape:
                arr.resize(shape)

    def commit(
        self,
        sizes: Mapping[str, int],
        regions: Mapping[str, tuple[tuple[slice, ...], np.ndarray]] | None = None,
        points: Mapping[str, tuple[tuple[np.ndarray, ...], np.ndarray]] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        """Grow to sizes, write regions (they must cover the grown part of their array) and
        scattered points; grown parts of other arrays get their fill value; then commit.

        Committed chunks the writes touch are journaled first, so the batch is all or nothing.
        """
        check_lease(self.path)
        with _locked(self.path):
            self.cut_uncommitted()
            regions, points = regions or {}, points or {}
            old = self.sizes
            new = {**old, **sizes}
            number = int(self.group.attrs.get(COMMIT_ATTR, 0)) + 1
            touched = self._committed_chunks(old, regions, points)
            if touched:
                _journal(self.path, touched, number)
            for name, arr in self.arrays().items():
                dims = dims_of(arr)
                shape = tuple(new[d] for d in dims)
                if shape == arr.shape:
                    continue
                arr.resize(shape)
                if name in regions or 0 in shape:  # written next, or holding no cells
                    continue
                for axis, d in enumerate(dims):
                    if new[d] > old[d]:
                        region = [slice(None)] * len(dims)
                        region[axis] = slice(old[d], new[d])
                        arr[tuple(region)] = arr.metadata.fill_value
            arrays = self.arrays()
            items = [(arrays[name], region, values) for name, (region, values) in regions.items()]
            for k in write_regions(items):  # arrays of other codecs: through zarr
                arr, region, values = items[k]
                arr[region] = values
            for name, (coords, values) in points.items():
                self.group[name].set_coordinate_selection(coords, values)
            self._commit({**(attrs or {}), SIZES_ATTR: new, COMMIT_ATTR: number})
            if touched:
                _beside(self.path, JOURNAL).unlink(missing_ok=True)

    def _commit(self, attrs: Mapping[str, Any]) -> None:
        """The one atomic write that makes a batch visible (the group's zarr.json, once)."""
        self.group.update_attributes(dict(attrs))

    def _committed_chunks(
        self,
        old: Mapping[str, int],
        regions: Mapping[str, tuple[tuple[slice, ...], np.ndarray]],
        points: Mapping[str, tuple[tuple[np.ndarray, ...], np.ndarray]],
    ) -> dict[str, list[tuple[int, ...]]]:
        """Chunk coordinates per array that hold committed values and will be rewritten."""
        arrays = self.arrays()
        out: dict[str, set[tuple[int, ...]]] = {}
        for name, (region, _) in regions.items():
            arr = arrays[name]
            ranges = []
            for sl, d, c in zip(region, dims_of(arr), arr.chunks, strict=True):
                start, stop = sl.start or 0, min(sl.stop if sl.stop is not None else old[d], old[d])
                if stop <= start:
                    break
                ranges.append(range(start // c, (stop - 1) // c + 1))
            else:
                grid = np.stack(np.meshgrid(*ranges, indexing="ij"), -1).reshape(-1, len(ranges))
                out.setdefault(name, set()).update(map(tuple, grid.tolist()))
        for name, (coords, _) in points.items():
            arr = arrays[name]
            idx = np.stack(
                [np.asarray(c) // k for c, k in zip(coords, arr.chunks, strict=True)], -1
            )
            out.setdefault(name, set()).update(map(tuple, np.unique(idx, axis=0).tolist()))
        return {k: sorted(v) for k, v in out.items() if v}


_held: dict[str, str] = {}
"""Leases this process holds: lease file → owner."""


def check_lease(path: str | Path) -> None:
    """Refuse to write a cube whose lease another writer holds (naming it and since when)."""
    path = local_path(path)
    lease = _beside(path, LEASE)
    if not lease.exists() or str(lease) in _held:
        return
    raise _refused(path, lease)


def _refused(path: Path, lease: Path) -> CubeError:
    doc = _lease_doc(lease)
    return CubeError(
        f"{path}: another writer holds the cube: {doc.get('owner', '?')} since "
        f"{doc.get('since', '?')} ({lease}; if that writer is gone: "
        f"python -m sensors cube break-lease {path})"
    )


def _lease_doc(lease: Path) -> dict[str, str]:
    """What a lease file says ({} if it vanished or is being written)."""
    try:
        doc = json.loads(lease.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


@contextmanager
def writer_lease(path: str | Path, owner: str | None = None) -> Iterator[None]:
    """Be the cube's one writer while inside; a second writer (in this process or another)
    is refused with CubeError naming the holder and since when."""
    path = local_path(path)
    lease = _beside(path, LEASE)
    who = owner or f"{socket.gethostname()}:{os.getpid()}"
    since = datetime.now(UTC).isoformat(timespec="seconds")
    lease.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(lease, "x", encoding="utf-8") as f:
            json.dump({"owner": who, "since": since}, f)
    except FileExistsError:
        raise _refused(path, lease) from None
    _held[str(lease)] = who
    try:
        yield
    finally:
        _held.pop(str(lease), None)
        lease.unlink(missing_ok=True)


def break_lease(path: str | Path) -> dict[str, str] | None:
    """Remove a stale lease (its writer crashed); returns what it said, or None if none."""
    lease = _beside(local_path(path), LEASE)
    if not lease.exists():
        return None
    doc = _lease_doc(lease)
    lease.unlink(missing_ok=True)
    _held.pop(str(lease), None)
    return doc


@contextmanager
def _locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold the cube's writer lock (an flock on a file in the cube); yields whether it was got."""
    with open(_beside(path, LOCK), "a+b") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _chunk_file(root: Path, name: str, coords: tuple[int, ...]) -> Path:
    return root.joinpath(name, "c", *map(str, coords))


def _journal(path: Path, touched: Mapping[str, list[tuple[int, ...]]], number: int) -> None:
    """Copy the chunks a batch will rewrite into one file beside the cube (fsynced, renamed)."""
    entries, blobs, offset = [], [], 0
    for name, coords in touched.items():
        for c in coords:
            src = _chunk_file(path, name, c)
            blob = src.read_bytes() if src.exists() else None
            entries.append([name, list(c), None if blob is None else [offset, len(blob)]])
            if blob is not None:
                blobs.append(blob)
                offset += len(blob)
    head = json.dumps({"commit": number, "chunks": entries}).encode() + b"\n"
    target = _beside(path, JOURNAL)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(head)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def recover(path: Path) -> None:
    """Undo a batch that rewrote committed chunks and did not commit (a crash mid-write)."""
    journal = _beside(path, JOURNAL)
    if not journal.exists():
        return
    with _locked(path, blocking=True):
        if not journal.exists():
            return
        data = journal.read_bytes()
        end = data.find(b"\n")
        doc = json.loads(data[:end])
        body = data[end + 1 :]
        meta = json.loads((path / "zarr.json").read_text(encoding="utf-8"))
        committed = int(meta.get("attributes", {}).get(COMMIT_ATTR, 0))
        if committed < int(doc["commit"]):
            for name, coords, where in doc["chunks"]:
                target = _chunk_file(path, name, tuple(coords))
                if where is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(body[where[0] : where[0] + where[1]])
        journal.unlink()


def open_lazy(path: str | Path) -> xr.Dataset:
    """Open a cube as an xarray Dataset of dask arrays cut to the committed sizes, CF-decoded."""
    path = local_path(path)
    if not (path / "zarr.json").exists():
        raise CubeError(f"{path}: no cube here")
    recover(path)
    group = zarr.open_group(str(path), mode="r")
    sizes = dict(group.attrs[SIZES_ATTR])
    variables = {}
    with warnings.catch_warnings():  # a writer's half-written file (*.partial) is no member
        warnings.simplefilter("ignore")
        members = list(group.arrays())
    for name, arr in members:
        dims = dims_of(arr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = da.from_zarr(arr)
        data = data[tuple(slice(0, sizes[d]) for d in dims)]
        variables[name] = xr.Variable(dims, data, attrs=dict(arr.attrs))
    coords = {n: v for n, v in variables.items() if v.dims == (n,)}
    ds = xr.Dataset(
        {n: v for n, v in variables.items() if n not in coords},
        coords={n: v.compute() for n, v in coords.items()},
        attrs={k: v for k, v in group.attrs.items() if k not in (SIZES_ATTR, COMMIT_ATTR)},
    )
    return xr.decode_cf(ds, decode_coords="all")
