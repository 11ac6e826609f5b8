"""Which command daemon is the active one: exactly one per deployment, elected through its
database. PostgreSQL: a session advisory lock held on a dedicated connection (the server drops
it when that connection dies — a killed, crashed or cut-off daemon — and the standby's next
try gets it); the holder is named by the connection's application_name. SQLite (one machine):
an exclusive flock on `<database file>.leader`, released by the kernel when the process dies;
the holder writes its name into the file.

`watch(on_lost)` checks the hold every `check_s` on a thread of its own and calls `on_lost`
once if it is gone (the connection dropped, the lock file replaced), so the daemon can fence
itself before anything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from command.storage import normalise_url, sqlite_file

log = logging.getLogger("command.centre.leadership")

LOCK_SPACE = 0x45636F50  # "EcoP": the first key of the advisory lock
LOCK_DAEMON = 1  # the second: the active command daemon
APP_PREFIX = "ecopatrol daemon "
CHECK_S = 1.0
"""How often the active daemon checks it still holds the lock (s)."""


class LeadershipError(RuntimeError):
    """Leadership cannot be held on this database (unreachable, unsupported)."""


class Leadership:
    """The right to be the active command daemon of one database; not thread-safe except
    `watch` and `release`."""

    def __init__(self, identity: str, check_s: float = CHECK_S) -> None:
        self.identity = identity
        self.check_s = check_s
        self.held_since: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @staticmethod
    def for_database(url: str | URL, identity: str, check_s: float = CHECK_S) -> Leadership:
        """The leadership of the database at `url`: PostgreSQL or an SQLite file."""
        parsed = normalise_url(url)
        path = sqlite_file(parsed)
        if path is not None:
            return FileLeadership(path, identity, check_s)
        if parsed.get_backend_name() == "sqlite":
            raise LeadershipError("an in-memory SQLite database cannot elect a daemon")
        return AdvisoryLeadership(parsed, identity, check_s)

    @property
    def where(self) -> str:
        """The database, as it may be shown."""
        raise NotImplementedError

    def try_acquire(self) -> bool:
        """Take the leadership if no one holds it; True once held."""
        raise NotImplementedError

    def holder(self) -> str | None:
        """Who holds it now: the holder's identity (on PostgreSQL cut to what an
        application_name holds, 46 characters), None: no one, or cannot be told."""
        raise NotImplementedError

    def still_held(self) -> bool:
        """True while this process holds it."""
        raise NotImplementedError

    def _drop(self) -> None:
        raise NotImplementedError

    def watch(self, on_lost: Callable[[str], None]) -> None:
        """Check the hold every check_s; call `on_lost(reason)` once if it is gone."""

        def serve() -> None:
            while not self._stop.wait(self.check_s):
                try:
                    held = self.still_held()
                    reason = "the leadership is no longer held"
                except Exception as exc:  # a dropped connection: the server released the lock
                    held, reason = False, f"the leadership cannot be checked: {exc}"
                if not held:
                    log.error("%s: %s", self.where, reason)
                    on_lost(reason)
                    return

        self._thread = threading.Thread(target=serve, name="leadership", daemon=True)
        self._thread.start()

    def fence_on_loss(self, fence: Callable[[str], None], wake: int) -> list[str]:
        """Watch the hold for a process whose main thread waits for its stop signals (see
        command.centre.stopsignals): on its loss call
        `fence(reason)` first (nothing more is sent or recorded), then send signal `wake` to
        the main thread. The list returned holds the reason once the hold is lost."""
        main = threading.main_thread().ident
        lost: list[str] = []

        def on_lost(reason: str) -> None:
            lost.append(reason)
            fence(reason)
            if main is not None:
                signal.pthread_kill(main, wake)

        self.watch(on_lost)
        return lost

    def release(self) -> None:
        """Stop watching and give the leadership up (a standby may take it at once)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2 * self.check_s + 1)
        with self._lock:
            self._drop()
            self.held_since = None


class AdvisoryLeadership(Leadership):
    """pg_try_advisory_lock(LOCK_SPACE, LOCK_DAEMON) on a connection of its own."""

    def __init__(self, url: URL, identity: str, check_s: float = CHECK_S) -> None:
        super().__init__(identity, check_s)
        self.url = url
        args: dict[str, Any] = {
            "application_name": (APP_PREFIX + identity)[:63],
            "connect_timeout": 5,
            # A cut network must not leave the lock's holder believing it holds it (TCP only).
            "keepalives": 1,
            "keepalives_idle": 2,
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": 5000,
        }
        self._engine: Engine = create_engine(
            url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=args
        )
        self._connection: Connection | None = None

    @property
    def where(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _connect(self) -> Connection:
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            try:
                self._connection = self._engine.connect()
            except DBAPIError as exc:
                raise LeadershipError(f"database {self.where}: {_first_line(exc)}") from None
        return self._connection

    def try_acquire(self) -> bool:
        with self._lock:
            connection = self._connect()
            try:
                got = connection.execute(
                    text("SELECT pg_try_advisory_lock(:space, :key)"),
                    {"space": LOCK_SPACE, "key": LOCK_DAEMON},
                ).scalar()
            except SQLAlchemyError as exc:
                self._forget()
                raise LeadershipError(f"database {self.where}: {_first_line(exc)}") from None
            if got:
                self.held_since = datetime.now(UTC)
            return bool(got)

    def holder(self) -> str | None:
        query = text(
            "SELECT a.application_name, a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :space "
            "AND l.objid = :key AND l.objsubid = 2"
        )
        with self._lock:
            try:
                row = (
                    self._connect()
                    .execute(query, {"space": LOCK_SPACE, "key": LOCK_DAEMON})
                    .first()
                )
            except SQLAlchemyError:
                self._forget()
                return None
        if row is None:
            return None
        name = str(row[0] or "")
        return name.removeprefix(APP_PREFIX) if name.startswith(APP_PREFIX) else name or "?"

    def still_held(self) -> bool:
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = :space AND objid = :key AND objsubid = 2"
        )
        with self._lock:
            if self._connection is None or self.held_since is None:
                return False
            try:
                held = self._connection.execute(
                    query, {"space": LOCK_SPACE, "key": LOCK_DAEMON}
                ).scalar()
            except SQLAlchemyError as exc:  # the connection, and with it the lock, is gone
                self._forget()
                self.held_since = None
                raise LeadershipError(f"database {self.where}: {_first_line(exc)}") from None
            return bool(held)

    def _drop(self) -> None:
        if self._connection is not None and self.held_since is not None:
            with contextlib.suppress(SQLAlchemyError):  # the connection is gone: so is the lock
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:space, :key)"),
                    {"space": LOCK_SPACE, "key": LOCK_DAEMON},
                )
        self._forget()
        self._engine.dispose()

    def _forget(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._connection.close()
        self._connection = None


class FileLeadership(Leadership):
    """An exclusive flock on `<database file>.leader` (one machine)."""

    def __init__(self, database: Path, identity: str, check_s: float = CHECK_S) -> None:
        super().__init__(identity, check_s)
        self.database = database
        self.path = database.with_name(database.name + ".leader")
        self._fd: int | None = None

    @property
    def where(self) -> str:
        return str(self.database)

    def try_acquire(self) -> bool:
        with self._lock:
            if self._fd is not None:
                return True
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise LeadershipError(f"{self.path}: cannot open: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            since = datetime.now(UTC)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{self.identity}\n{since.isoformat()}\n".encode(), 0)
            os.fsync(fd)
            self._fd, self.held_since = fd, since
            return True

    def holder(self) -> str | None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return None
        if not lines or self._free():
            return None
        return lines[0]

    def _free(self) -> bool:
        """True when no process holds the flock (taken and let go at once to tell)."""
        if self._fd is not None:
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)  # closing lets a lock taken here go
        return True

    def still_held(self) -> bool:
        with self._lock:
            if self._fd is None:
                return False
            try:
                mine, there = os.fstat(self._fd), os.stat(self.path)
            except OSError:
                return False  # the lock file was removed: another daemon could take a new one
            return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)

    def _drop(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _first_line(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else type(cause).__name__
