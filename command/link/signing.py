"""MAVLink 2 signing keys: 32 secret bytes that never appear in repr, str or logs."""

from __future__ import annotations

from command.link.errors import LinkError


class SigningKeyError(LinkError, ValueError):
    """A signing key that is not 32 bytes / 64 hex digits (the key itself is not shown)."""


class SigningKey:
    """A MAVLink 2 signing secret. Build from bytes or hex; repr shows only that it is set."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if not isinstance(secret, bytes | bytearray) or len(secret) != 32:
            raise SigningKeyError("signing key must be 32 bytes")
        self._secret = bytes(secret)

    @classmethod
    def from_config(cls, value: SigningKey | bytes | str) -> SigningKey:
        """From configuration: a SigningKey, 32 raw bytes, or 64 hexadecimal digits."""
        if isinstance(value, SigningKey):
            return value
        if isinstance(value, str):
            try:
                value = bytes.fromhex(value.strip())
            except ValueError:
                raise SigningKeyError("signing key must be 64 hexadecimal digits") from None
        return cls(value)

    @property
    def secret(self) -> bytes:
        """The raw key, for the codec only."""
        return self._secret

    def __repr__(self) -> str:
        return "SigningKey(<secret>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(("SigningKey", self._secret))
