"""Vectorised AQI over numpy arrays and xarray objects (lazy with dask), equal to sensors.aqi.

Float64 arithmetic here is exact: inputs are quantised to integer micro units (< 2**53) and
the one division of two exact integers is correctly rounded, so ceil/half-up never slips.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import xarray as xr

from sensors import units
from sensors.aqi.categories import categories, category_index_array
from sensors.aqi.scalar import (
    COLUMNS,
    LABELS,
    MODE_COLUMNS,
    REQUIRED_2026,
    SUBSTITUTES,
    check,
    pollutant_of,
)
from sensors.aqi.tables import MICRO, Table, table_for

_PRIMARY_BITS = {key: 1 << i for i, key in enumerate(LABELS)}


def _quantised(table: Table, values: np.ndarray, unit: str | None, column: str) -> np.ndarray:
    """Micro-unit concentrations (float64, integer valued); NaN where missing or negative."""
    pollutant = pollutant_of(column)
    f = units.factor(pollutant, unit or units.INFO[pollutant].units, table.unit)
    v = np.asarray(values, dtype=np.float64)
    if f != 1.0:
        v = v * f
    m = v * MICRO
    np.rint(m, out=m)
    m[(v < 0) | ~np.isfinite(v)] = np.nan  # as the scalar form: no index for ±inf
    q = float(table.quantum_micro)
    if table.quantize == "half_even":
        m /= q
        np.rint(m, out=m)
        m *= q
    elif table.quantize == "truncate":
        m /= q
        np.floor(m, out=m)
        m *= q
    return m


@cache
def _segments(table: Table) -> tuple[np.ndarray, ...]:
    """Segment arrays of a table: C_lo, C_hi, I_lo, I_hi − I_lo, C_hi − C_lo."""
    los, his, ilos, dis = table.arrays()
    return los, his, ilos, dis, his - los


def _index(table: Table, m: np.ndarray) -> np.ndarray:
    """Index of quantised micro concentrations (NaN below the table or missing)."""
    los, his, ilos, dis, widths = _segments(table)
    seg = np.zeros(m.shape, dtype=np.intp)
    for h in his[:-1]:  # at most 7 segments: counting beats a binary search
        seg += m > h
    lo = los.take(seg)
    q = m - lo
    q *= dis.take(seg)
    q /= widths.take(seg)
    if table.index_rounding == "ceil":
        np.ceil(q, out=q)
    else:
        q += 0.5
        np.floor(q, out=q)
    q += ilos.take(seg)
    q[m < lo] = np.nan
    q[m > table.top_micro] = table.above
    return q


CHUNK = 1 << 16
"""Elements per inner block: keeps temporaries in cache instead of page-faulting fresh memory."""


def iaqi_array(
    column: str, values: np.ndarray, standard: str = "hj633-2026", unit: str | None = None
) -> np.ndarray:
    """IAQI (float64, NaN = undefined) of a concentration array; see sensors.aqi.iaqi."""
    check(standard)
    table = table_for(standard, column)
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    if table is None:
        return out
    flat_in, flat_out = v.reshape(-1), out.reshape(-1)
    for i in range(0, flat_in.size, CHUNK):
        block = flat_in[i : i + CHUNK]
        flat_out[i : i + CHUNK] = _index(table, _quantised(table, block, unit, column))
    return out


@dataclass(frozen=True)
class AqiArrays:
    """IAQI per column, AQI (NaN = "NA"), primary-pollutant bit mask, category index (−1 = NA)."""

    standard: str
    iaqi: Mapping[str, np.ndarray]
    aqi: np.ndarray
    primary_mask: np.ndarray
    category: np.ndarray

    def primary_labels(self) -> np.ndarray:
        """Primary pollutant labels joined by ';' (empty string when none), as an object array."""
        flat = self.primary_mask.ravel()
        out = np.empty(flat.shape, dtype=object)
        for mask in np.unique(flat):
            out[flat == mask] = ";".join(
                label for key, label in LABELS.items() if int(mask) & _PRIMARY_BITS[key]
            )
        return out.reshape(self.primary_mask.shape)

    def category_labels(self, lang: str = "zh") -> np.ndarray:
        """Category names (``zh`` or ``en``) as an object array; empty string where NA."""
        names = [getattr(c, lang) for c in categories(self.standard)] + [""]
        return np.asarray(names, dtype=object)[self.category]


def aqi_arrays(
    values: Mapping[str, np.ndarray],
    standard: str = "hj633-2026",
    mode: str = "hourly",
    units_by_column: Mapping[str, str] | None = None,
) -> AqiArrays:
    """AQI of whole arrays of concentration columns (broadcast together); equals sensors.aqi.aqi."""
    check(standard, mode)
    arrays = {c: np.asarray(v, dtype=np.float64) for c, v in values.items() if c in COLUMNS}
    if not arrays:
        raise ValueError(f"no concentration column among {sorted(values)}")
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    flat = {c: np.broadcast_to(a, shape).reshape(-1) for c, a in arrays.items()}
    n = int(np.prod(shape))
    idx = {c: np.empty(n) for c in flat}
    value, mask = np.empty(n), np.empty(n, dtype=np.uint8)
    unit_of = units_by_column or {}
    for i in range(0, n, CHUNK):
        block = {c: a[i : i + CHUNK] for c, a in flat.items()}
        b_idx, b_value, b_mask = _aqi_block(block, standard, mode, unit_of)
        for c, x in b_idx.items():
            idx[c][i : i + CHUNK] = x
        value[i : i + CHUNK], mask[i : i + CHUNK] = b_value, b_mask
    value, mask = value.reshape(shape), mask.reshape(shape)
    return AqiArrays(
        standard,
        {c: x.reshape(shape) for c, x in idx.items()},
        value,
        mask,
        category_index_array(value),
    )


def _aqi_block(
    arrays: Mapping[str, np.ndarray], standard: str, mode: str, unit_of: Mapping[str, str | None]
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """IAQIs, AQI and primary mask of one 1-D block (the rules of sensors.aqi.aqi)."""
    n = next(iter(arrays.values())).shape[0]
    nan = np.full(n, np.nan)
    micro: dict[str, np.ndarray] = {}
    idx: dict[str, np.ndarray] = {}
    for column, v in arrays.items():
        table = table_for(standard, column)
        if table is None:
            idx[column] = nan
            continue
        micro[column] = _quantised(table, v, unit_of.get(column), column)
        idx[column] = _index(table, micro[column])

    def above(column: str) -> np.ndarray:
        table = table_for(standard, column)
        if table is None or column not in micro:
            return np.zeros(n, dtype=bool)
        return micro[column] > table.top_micro

    if standard == "hj633-2012":
        if "so2_1h" in idx:
            idx["so2_1h"] = np.where(above("so2_1h"), idx.get("so2_24h", nan), idx["so2_1h"])
        if "o3_8h" in idx:
            idx["o3_8h"] = np.where(above("o3_8h"), idx.get("o3_1h", nan), idx["o3_8h"])
    elif standard == "epa" and "so2_1h" in idx:
        s24 = idx.get("so2_24h", nan)
        idx["so2_1h"] = np.where(
            above("so2_1h"), np.where(np.isnan(s24), 200.0, s24), idx["so2_1h"]
        )

    unresolved = np.zeros(n, dtype=bool)
    for c, alt in SUBSTITUTES.items():
        if c in idx and c in MODE_COLUMNS[standard, mode]:
            unresolved |= above(c) & np.isnan(idx[c]) & np.isnan(idx.get(alt, nan))
    used = [c for c in MODE_COLUMNS[standard, mode] if c in idx]
    top = nan.copy()
    for c in used:
        np.fmax(top, idx[c], out=top)
    value = np.minimum(top, 500.0)
    if standard == "hj633-2026":
        np.maximum(value, 1.0, out=value)
        missing = np.zeros(n, dtype=bool)
        for c in REQUIRED_2026[mode]:
            missing |= np.isnan(idx[c]) if c in idx else True
        value[missing & (value <= 100)] = np.nan
    value[unresolved] = np.nan
    mask = np.zeros(n, dtype=np.uint8)
    show = value > 50
    for c in used:
        mask[show & (idx[c] == top)] |= np.uint8(_PRIMARY_BITS[pollutant_of(c)])
    return idx, value, mask


def aqi_dataset(ds: xr.Dataset, standard: str = "hj633-2026", mode: str = "hourly") -> xr.Dataset:
    """Dataset of ``iaqi_<column>``, ``aqi`` and ``category`` for the column variables of ds.

    Works lazily: on dask-backed variables the computation runs chunk by chunk.
    """
    check(standard, mode)
    columns = [c for c in COLUMNS if c in ds.data_vars]
    if not columns:
        raise ValueError(f"no concentration column among {list(ds.data_vars)}")
    unit_of = {c: ds[c].attrs.get("units") for c in columns}

    def kernel(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
        res = aqi_arrays(dict(zip(columns, arrays, strict=True)), standard, mode, unit_of)
        return (*(res.iaqi[c] for c in columns), res.aqi, res.category, res.primary_mask)

    outs = xr.apply_ufunc(
        kernel,
        *(ds[c] for c in columns),
        output_core_dims=[[]] * (len(columns) + 3),
        dask="parallelized",
        output_dtypes=[np.float64] * (len(columns) + 1) + [np.int8, np.uint8],
    )
    out = xr.Dataset({f"iaqi_{c}": da for c, da in zip(columns, outs, strict=False)})
    out["aqi"] = outs[len(columns)]
    out["category"] = outs[len(columns) + 1]
    out["primary_pollutant"] = outs[len(columns) + 2]
    return with_attrs(out, columns, standard, mode)


def with_attrs(out: xr.Dataset, columns: list[str], standard: str, mode: str) -> xr.Dataset:
    """CF-style attributes on an AQI result's variables (iaqi_*, aqi, category, primary)."""
    for c in columns:
        out[f"iaqi_{c}"].attrs.update(
            long_name=f"individual air quality index of {c}", units="1", ecopatrol_standard=standard
        )
    out["aqi"].attrs.update(
        long_name="air quality index",
        units="1",
        ecopatrol_standard=standard,
        ecopatrol_mode=mode,
        comment="NaN where the standard publishes NA",
    )
    out["category"].attrs.update(
        long_name="AQI category index",
        flag_values=np.arange(-1, 6, dtype=np.int8),
        flag_meanings="not_available "
        + " ".join(c.en.replace(" ", "_") for c in categories(standard)),
    )
    out["primary_pollutant"].attrs.update(
        long_name="primary pollutant bit mask",
        flag_masks=np.asarray(list(_PRIMARY_BITS.values()), dtype=np.uint8),
        flag_meanings=" ".join(LABELS.values()),
    )
    return out
