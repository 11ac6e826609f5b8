"""What every CLI command that talks to drones opens: the database, the fleet links, the audit."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from command.dispatch import AuditedFleet
from command.link import ConnectionStringError, Fleet, NoHeartbeat, parse_connection_string
from command.storage import Database, database_url, open_database


class CliError(Exception):
    """A refusal or failure to report in one line; exit_code says how the CLI ends."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Session:
    """An open database, fleet and audited command sender for one CLI invocation."""

    db: Database
    fleet: Fleet
    commands: AuditedFleet
    names: list[str]


def default_actor() -> str:
    """cli:<login name>."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:pilot"


def open_db(url: str | None) -> Database:
    """The database from --db, else DATABASE_URL, else var/ecopatrol.sqlite; migrated."""
    return open_database(url or database_url(os.environ, Path("var")))


@contextmanager
def session(
    connect: list[str],
    *,
    names: list[str] | None,
    db_url: str | None,
    actor: str,
    heartbeat_hz: float,
    signing_key: str | None,
    wait_s: float,
) -> Iterator[Session]:
    """Connect to every vehicle (checking the strings first) and wait until each link is up."""
    names = names or []
    try:
        endpoints = [parse_connection_string(url) for url in connect]
    except ConnectionStringError as exc:
        raise CliError(str(exc), 2) from exc
    if names and len(names) != len(connect):
        raise CliError("give one --name per --connect", 2)
    labels = names or [str(e) for e in endpoints]
    db = open_db(db_url)
    fleet = Fleet(heartbeat_period_s=1.0 / heartbeat_hz)
    try:
        for label, url in zip(labels, connect, strict=True):
            fleet.connect(label, url, signing_key=signing_key)
        for label in labels:
            try:
                fleet.wait_until_up(label, wait_s)
            except NoHeartbeat as exc:
                raise CliError(str(exc)) from exc
        yield Session(db, fleet, AuditedFleet(fleet, db, actor), labels)
    finally:
        fleet.close()
        db.close()


def confirm(prompt: str) -> bool:
    """Ask the pilot on the terminal; no terminal means no."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{prompt} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False
