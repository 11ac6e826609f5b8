"""Typed JSON for the control interface: the centre's operation arguments, results and events
cross between the command daemon and the web workers as JSON that decodes back to the same
objects — frozen dataclasses, enums, times, tuples, paths, shapely geometries, NumPy arrays.

A tagged value is an object with a `$` key naming its kind (`dc` dataclass, `enum`, `dt`
datetime, `date`, `td` timedelta, `tuple`, `map` (a mapping with keys other than text, as
key/value pairs), `path`, `geom` (WKB hex), `nd` (dtype, shape, base64 bytes), `bytes`, `float`
(NaN/±inf)); other mappings are JSON objects, and the rest plain JSON. A class is named
`module:Qualname` and decoded only when its module is one of the project's rooms and it is a
dataclass or an enum: the decoder never calls anything else.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import importlib
import json
import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

ROOMS = ("command.", "missions.", "sensors.", "maps.")
"""Modules whose dataclasses and enums may be decoded."""


class CodecError(ValueError):
    """A value that cannot be encoded, or a document that does not decode."""


def dumps(value: Any) -> bytes:
    """`value` as typed JSON (UTF-8)."""
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes | str) -> Any:
    """The value of a typed JSON document."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise CodecError(f"not JSON: {exc}") from None
    return decode(document)


def class_name(cls: type) -> str:
    """`module:Qualname` of a class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def encode(value: Any) -> Any:
    """`value` as JSON-ready typed values."""
    if isinstance(value, enum.Enum):  # before str and int: a StrEnum is a str
        return {"$": "enum", "c": class_name(type(value)), "v": value.value}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if isinstance(value, datetime):
        return {"$": "dt", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$": "td", "v": value.total_seconds()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$": "dc", "c": class_name(type(value)), "f": fields}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, Mapping):
        if all(type(k) is str for k in value) and "$" not in value:
            return {k: encode(v) for k, v in value.items()}
        return {"$": "map", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, PurePath):
        return {"$": "path", "v": str(value)}
    if isinstance(value, BaseGeometry):
        return {"$": "geom", "v": shapely.to_wkb(value, hex=True)}
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return {
            "$": "nd",
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "v": base64.b64encode(array.tobytes()).decode("ascii"),
        }
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, bytes | bytearray):
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, set | frozenset):
        return {"$": "tuple", "v": [encode(v) for v in sorted(value, key=repr)]}
    raise CodecError(f"cannot encode a {type(value).__name__} for the control interface")


def decode(value: Any) -> Any:
    """The value of JSON-ready typed values (see `encode`)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$" not in value:
        return {k: decode(v) for k, v in value.items()}
    tag = value["$"]
    try:
        return _DECODERS[tag](value)
    except KeyError:
        raise CodecError(f"unknown or incomplete tagged value {str(value)[:80]}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"bad {tag} value: {exc}") from None


def project_class(name: Any) -> type:
    """The class `module:Qualname` names, if it is one of the project's rooms."""
    if not isinstance(name, str) or ":" not in name:
        raise CodecError(f"not a class name: {name!r}")
    module_name, qualname = name.split(":", 1)
    if not module_name.startswith(ROOMS):
        raise CodecError(f"{name}: not a class of the project's rooms")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise CodecError(f"{name}: no such class") from None
    if not isinstance(found, type):
        raise CodecError(f"{name}: not a class")
    return found


def _dataclass(value: dict[str, Any]) -> Any:
    cls = project_class(value["c"])
    if not dataclasses.is_dataclass(cls):
        raise CodecError(f"{value['c']}: not a dataclass")
    given = value["f"]
    if not isinstance(given, dict):
        raise CodecError(f"{value['c']}: fields must be an object")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(given) - set(fields)
    if unknown:
        raise CodecError(f"{value['c']}: no field {sorted(unknown)[0]!r}")
    init = {k: decode(v) for k, v in given.items() if fields[k].init}
    made = cls(**init)
    for k, v in given.items():
        if not fields[k].init:
            object.__setattr__(made, k, decode(v))
    return made


def _enum(value: dict[str, Any]) -> Any:
    cls = project_class(value["c"])
    if not issubclass(cls, enum.Enum):
        raise CodecError(f"{value['c']}: not an enum")
    return cls(value["v"])


def _array(value: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(value["dtype"])
    if dtype.hasobject:
        raise CodecError("nd: object arrays are not sent")
    data = base64.b64decode(value["v"], validate=True)
    return np.frombuffer(data, dtype=dtype).reshape(value["shape"]).copy()


def _float(value: dict[str, Any]) -> float:
    text = value["v"]
    if text not in ("nan", "inf", "-inf"):
        raise CodecError(f"float: {text!r} is not nan or ±inf")
    return float(text)


_DECODERS: dict[Any, Any] = {
    "dc": _dataclass,
    "enum": _enum,
    "dt": lambda v: datetime.fromisoformat(v["v"]),
    "date": lambda v: date.fromisoformat(v["v"]),
    "td": lambda v: timedelta(seconds=float(v["v"])),
    "tuple": lambda v: tuple(decode(x) for x in v["v"]),
    "map": lambda v: {_key(decode(k)): decode(x) for k, x in v["v"]},
    "path": lambda v: Path(v["v"]),
    "geom": lambda v: shapely.from_wkb(v["v"]),
    "nd": _array,
    "float": _float,
    "bytes": lambda v: base64.b64decode(v["v"], validate=True),
}


def _key(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
