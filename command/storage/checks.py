"""Input checks shared by the repository: each failure is an InvalidValueError naming the field."""

from __future__ import annotations

import json
import math
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from .columns import to_utc
from .errors import InvalidValueError

E = TypeVar("E", bound=StrEnum)

MAX_LIST = 100_000
"""Most records one list call returns."""


def name(field: str, value: str, max_length: int) -> str:
    """A non-blank name of at most `max_length` characters, surrounding spaces removed."""
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "must be a string")
    stripped = value.strip()
    if not stripped:
        raise InvalidValueError(field, value, "must not be blank")
    if "\x00" in stripped:
        raise InvalidValueError(field, value, "must not hold NUL characters")
    if len(stripped) > max_length:
        raise InvalidValueError(field, value, f"longer than {max_length} characters")
    return stripped


def text(field: str, value: str, max_length: int | None = None) -> str:
    """A string of at most `max_length` characters (any length when None)."""
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "must be a string")
    if "\x00" in value:  # PostgreSQL text cannot hold it; SQLite would cut it short elsewhere
        raise InvalidValueError(field, value, "must not hold NUL characters")
    if max_length is not None and len(value) > max_length:
        raise InvalidValueError(field, value, f"longer than {max_length} characters")
    return value


def utc(field: str, value: datetime) -> datetime:
    """A timezone-aware datetime, in UTC."""
    if not isinstance(value, datetime):
        raise InvalidValueError(field, value, "must be a datetime")
    try:
        return to_utc(value)
    except ValueError as error:
        raise InvalidValueError(field, value, str(error)) from None


def integer(field: str, value: int, low: int | None = None, high: int | None = None) -> int:
    """An int (not a bool) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(field, value, "must be an integer")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{'-inf' if low is None else low}..{'inf' if high is None else high}"
        raise InvalidValueError(field, value, f"outside {bounds}")
    return value


def real(
    field: str,
    value: float,
    low: float | None = None,
    high: float | None = None,
    *,
    allow_nan: bool = False,
) -> float:
    """A finite float within [low, high]; NaN only if `allow_nan` (MAVLink 'unchanged')."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValueError(field, value, "must be a number")
    number = float(value)
    if math.isnan(number):
        if allow_nan:
            return number
        raise InvalidValueError(field, value, "must not be NaN")
    if math.isinf(number):
        raise InvalidValueError(field, value, "must be finite")
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"{'-inf' if low is None else low}..{'inf' if high is None else high}"
        raise InvalidValueError(field, value, f"outside {bounds}")
    return number


def positive(field: str, value: float) -> float:
    """A finite float greater than zero."""
    number = real(field, value)
    if number <= 0:
        raise InvalidValueError(field, value, "must be greater than 0")
    return number


def member(field: str, value: str, vocabulary: type[E]) -> E:
    """`value` as a member of the StrEnum `vocabulary`, by value."""
    try:
        return vocabulary(value)
    except ValueError:
        allowed = ", ".join(m.value for m in vocabulary)
        raise InvalidValueError(field, value, f"must be one of {allowed}") from None


def json_value(field: str, value: Any) -> Any:
    """A value that is strict JSON (no NaN/Infinity), returned as a fresh copy."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise InvalidValueError(field, value, f"not JSON: {error}") from None


def list_limit(limit: int) -> int:
    """How many records a list call returns: 1..MAX_LIST."""
    return integer("limit", limit, 1, MAX_LIST)
