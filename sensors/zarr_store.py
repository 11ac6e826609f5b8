"""Zarr v3 groups that grow in committed batches and open lazily as xarray datasets.

Every array carries ``dimension_names``; the group attribute ``ecopatrol_sizes`` holds the
committed size of each dimension and is written last, in one atomic file write, so a crash
mid-batch leaves the store readable and complete up to the last committed batch: readers
slice every array to the committed sizes and writers cut uncommitted tails before writing.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr

SIZES_ATTR = "ecopatrol_sizes"


def dims_of(arr: zarr.Array) -> tuple[str, ...]:
    """Dimension names of an array (empty for a scalar)."""
    return tuple(arr.metadata.dimension_names or ())


class CubeError(ValueError):
    """A cube that does not exist, has another layout, or a write that does not fit it."""


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
        self.path = Path(path)
        if not (self.path / "zarr.json").exists():
            raise CubeError(f"{self.path}: no cube here")
        self.group = zarr.open_group(str(self.path), mode="r+")

    @classmethod
    def create(
        cls,
        path: str | Path,
        specs: list[ArraySpec],
        attrs: Mapping[str, Any],
        sizes: Mapping[str, int],
    ) -> CubeStore:
        """Create an empty cube (all dims at the given sizes) and return it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        group = zarr.open_group(str(path), mode="w-")
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
        group.attrs.update({**attrs, SIZES_ATTR: dict(sizes)})
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
        """The group's arrays by name."""
        return {name: arr for name, arr in self.group.arrays()}

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
        scattered points; grown parts of other arrays get their fill value; then commit."""
        self.cut_uncommitted()
        regions, points = regions or {}, points or {}
        old = self.sizes
        new = {**old, **sizes}
        for name, arr in self.arrays().items():
            dims = dims_of(arr)
            shape = tuple(new[d] for d in dims)
            if shape == arr.shape:
                continue
            arr.resize(shape)
            if name in regions:
                continue
            for axis, d in enumerate(dims):
                if new[d] > old[d]:
                    region = [slice(None)] * len(dims)
                    region[axis] = slice(old[d], new[d])
                    arr[tuple(region)] = arr.metadata.fill_value
        for name, (region, values) in regions.items():
            self.group[name][region] = values
        for name, (coords, values) in points.items():
            self.group[name].set_coordinate_selection(coords, values)
        self._commit({**(attrs or {}), SIZES_ATTR: new})

    def _commit(self, attrs: Mapping[str, Any]) -> None:
        """The one atomic write that makes a batch visible."""
        self.group.attrs.update(dict(attrs))


def open_lazy(path: str | Path) -> xr.Dataset:
    """Open a cube as an xarray Dataset of dask arrays cut to the committed sizes, CF-decoded."""
    path = Path(path)
    if not (path / "zarr.json").exists():
        raise CubeError(f"{path}: no cube here")
    group = zarr.open_group(str(path), mode="r")
    sizes = dict(group.attrs[SIZES_ATTR])
    variables = {}
    for name, arr in group.arrays():
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
        attrs={k: v for k, v in group.attrs.items() if k != SIZES_ATTR},
    )
    return xr.decode_cf(ds, decode_coords="all")
