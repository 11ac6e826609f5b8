"""Typed errors of the storage layer: each one means nothing was changed."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error the storage layer raises on bad input; the transaction rolled back."""


class InvalidValueError(StorageError, ValueError):
    """A field is outside what the schema allows (e.g. zone priority 7, an unknown outcome)."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}={value!r}: {reason}")
        self.field = field
        self.value = value
        self.reason = reason


class DuplicateNameError(StorageError):
    """A row with this unique name already exists."""

    def __init__(self, table: str, name: str) -> None:
        super().__init__(f"{table}: name {name!r} is already taken")
        self.table = table
        self.name = name


class NotFoundError(StorageError, LookupError):
    """A referenced row (vehicle, mission, sortie) does not exist."""

    def __init__(self, table: str, key: object) -> None:
        super().__init__(f"{table}: no row {key!r}")
        self.table = table
        self.key = key


class SortieStateError(StorageError):
    """A sortie cannot move to the requested outcome from the one it has (e.g. already closed)."""

    def __init__(self, sortie_id: int, current: str, requested: str) -> None:
        super().__init__(f"sortie {sortie_id}: cannot go from {current!r} to {requested!r}")
        self.sortie_id = sortie_id
        self.current = current
        self.requested = requested


class ConstraintError(StorageError):
    """The database refused the change for an integrity reason not caught earlier."""


class DatabaseUrlError(StorageError, ValueError):
    """The database URL is not one EcoPatrol can open (malformed, or an unsupported database)."""


class DatabaseUnavailable(StorageError):
    """The database could not be reached or read (no such file, server down, not a database)."""
