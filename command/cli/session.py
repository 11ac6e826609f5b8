"""What every CLI command that talks to drones opens: the database, the fleet links, the audit;
and, on opening a vehicle, the reconciliation of sorties a stopped ground station left open."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from command.dispatch import AuditedFleet, Reconciliation, reconcile
from command.events import EventBus
from command.link import (
    Fleet,
    LinkState,
    NoHeartbeat,
    SigningKey,
    VehicleSnapshot,
    parse_connection_string,
)
from command.storage import (
    NAME_LENGTH,
    Database,
    StorageError,
    database_url,
    list_open_sorties,
    open_database,
    sqlite_file,
)

DEFAULT_VAR_DIR = Path("var")
"""Where the CLI keeps its database and tracks unless told otherwise (relative to the cwd)."""


class CliError(Exception):
    """A refusal or failure to report in one line; exit_code says how the CLI ends."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Session:
    """An open database, the event bus, the fleet publishing on it and the audited command
    sender, for one CLI invocation."""

    db: Database
    bus: EventBus
    fleet: Fleet
    commands: AuditedFleet
    names: list[str]
    tracks_dir: Path
    reconciled: list[Reconciliation] = field(default_factory=list)


def default_actor() -> str:
    """cli:<login name> (cut to fit the audit log's column)."""
    try:
        return f"cli:{getpass.getuser()}"[:NAME_LENGTH]
    except (KeyError, OSError):
        return "cli:pilot"


def open_db(url: str | None, *, create: bool = True) -> Database:
    """The database from --db, else DATABASE_URL, else var/ecopatrol.sqlite; migrated.

    Without `create` (read-only commands) a missing SQLite file is an error and nothing is
    created. A bad or unreachable database is bad input (exit 2).
    """
    try:
        return open_database(url or database_url(os.environ, DEFAULT_VAR_DIR), create=create)
    except StorageError as exc:
        raise CliError(str(exc), 2) from exc


def tracks_dir_for(db: Database, given: str | None) -> Path:
    """--tracks-dir, else `tracks/` beside the SQLite file, else var/tracks."""
    if given:
        return Path(given)
    path = sqlite_file(db.url)
    return path.parent / "tracks" if path is not None else DEFAULT_VAR_DIR / "tracks"


def has_telemetry(snap: VehicleSnapshot) -> bool:
    """True once the vehicle has sent more than heartbeats: position and system status."""
    return (
        snap.link is LinkState.OK
        and snap.altitude_relative_m is not None
        and snap.battery_voltage_v is not None
    )


@contextmanager
def session(
    connect: list[str],
    *,
    names: list[str] | None,
    db_url: str | None,
    actor: str,
    heartbeat_hz: float,
    signing_key: SigningKey | None,
    wait_s: float,
    tracks_dir: str | None = None,
    report=print,
) -> Iterator[Session]:
    """Connect to every vehicle and wait until each link is up; then reconcile the vehicles'
    open sorties that no running process follows (results passed to `report`). Telemetry
    events come at five times the heartbeat rate (5 Hz at 1 Hz)."""
    names = names or []
    if names and len(names) != len(connect):
        raise CliError("give one --name per --connect", 2)
    labels = names or [str(parse_connection_string(url)) for url in connect]
    for label in labels:
        if len(label) > NAME_LENGTH:
            raise CliError(
                f"vehicle name {label[:40]!r}… is longer than {NAME_LENGTH} characters: "
                "give a shorter --name",
                2,
            )
    if len(set(labels)) != len(labels):
        raise CliError("each vehicle needs its own name (--name)", 2)
    db = open_db(db_url)
    bus = EventBus()
    fleet = Fleet(
        heartbeat_period_s=1.0 / heartbeat_hz, bus=bus, telemetry_period_s=0.2 / heartbeat_hz
    )
    try:
        for label, url in zip(labels, connect, strict=True):
            fleet.connect(label, url, signing_key=signing_key)
        for label in labels:
            try:
                fleet.wait_until_up(label, wait_s)
            except NoHeartbeat as exc:  # says whether the port may be held by another station
                raise CliError(str(exc)) from exc
        found = []
        for label in labels:
            if list_open_sorties(db, label):
                snap = fleet.wait_for(label, has_telemetry, wait_s) or fleet.snapshot(label)
                for item in reconcile(db, label, snap, datetime.now(UTC)):
                    report(str(item))
                    found.append(item)
        yield Session(
            db,
            bus,
            fleet,
            AuditedFleet(fleet, db, actor),
            labels,
            tracks_dir_for(db, tracks_dir),
            found,
        )
    finally:
        fleet.close()
        bus.close()
        db.close()


def confirm(prompt: str) -> bool:
    """Ask the pilot on the terminal; no terminal means no."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{prompt} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False
