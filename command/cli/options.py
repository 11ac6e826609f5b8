"""Command-line values, checked where they are parsed: a bad one ends in one line and exit 2.

Every numeric option has a finite range (NaN, infinities and absurd values are refused), names
fit their database column, connection strings and signing keys are parsed before any I/O.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn

from command.link import (
    ConnectionStringError,
    Endpoint,
    SigningKey,
    SigningKeyError,
    parse_connection_string,
)
from command.storage import MAX_LIST, NAME_LENGTH, DatabaseUrlError, normalise_url

BAD_INPUT = 2
"""Exit code of a command refused for its input."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line (and where to find the usage)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(BAD_INPUT)


def number(
    what: str, low: float, high: float, *, low_open: bool = False, integer: bool = False
) -> Callable[[str], float]:
    """A parser of a number in [low, high] ((low, high] with low_open), in `what` units."""

    def parse(text: str) -> float:
        try:
            value: float = int(text, 10) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not {kind}") from None
        if not text.isascii():
            raise argparse.ArgumentTypeError(f"{_shown(text)}: write numbers in ASCII digits")
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            bracket = "(" if low_open else "["
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is outside {bracket}{low:g}, {high:g}] {what}".rstrip()
            )
        return value

    return parse


def connection(text: str) -> str:
    """A connection string that parses (the string itself is kept: the link parses it again)."""
    endpoint = _endpoint(text)
    return str(endpoint) if endpoint.scheme != "serial" else text.strip()


def _endpoint(text: str) -> Endpoint:
    if not text.isascii() or not text.isprintable():
        raise argparse.ArgumentTypeError(
            f"bad connection string {_shown(text)}: only printable ASCII "
            "(tcp:HOST:PORT, udp:HOST:PORT, udpout:HOST:PORT, serial:DEVICE:BAUD)"
        )
    try:
        return parse_connection_string(text)
    except (ConnectionStringError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def name(text: str) -> str:
    """A name kept in the records (vehicle, actor): 1..NAME_LENGTH printable characters."""
    stripped = text.strip()
    if not stripped:
        raise argparse.ArgumentTypeError("must not be blank")
    if len(stripped) > NAME_LENGTH:
        raise argparse.ArgumentTypeError(
            f"{_shown(stripped)} is longer than {NAME_LENGTH} characters"
        )
    if not stripped.isprintable():
        raise argparse.ArgumentTypeError(f"{_shown(stripped)} holds control characters")
    return stripped


def signing_key(text: str) -> SigningKey:
    """A MAVLink 2 signing key of 64 hex digits (never shown back)."""
    try:
        return SigningKey.from_config(text)
    except SigningKeyError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def database(text: str) -> str:
    """A database URL EcoPatrol can open (SQLite or PostgreSQL); the password is never shown."""
    try:
        normalise_url(text)
    except DatabaseUrlError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def text_value(limit: int) -> Callable[[str], str]:
    """Free text of at most `limit` characters."""

    def parse(text: str) -> str:
        if len(text) > limit:
            raise argparse.ArgumentTypeError(f"longer than {limit} characters")
        return text

    return parse


HEARTBEAT_HZ = number("Hz", 0.0, 50.0, low_open=True)
WAIT_S = number("s", 0.0, 3600.0, low_open=True)
INTERVAL_S = number("s", 0.05, 3600.0)
CEILING_M = number("m", 0.0, 1000.0, low_open=True)
RESERVE_PCT = number("%", 0.0, 95.0)
LIMIT = number("sorties", 1, MAX_LIST, integer=True)


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else f"{text[:36]!r}… ({len(text)} characters)"
