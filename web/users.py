"""Console users: roles, hashed passwords, lock-out after repeated failures. Stored in the
centre's database (table `users`, created by the migrations in command/migrations).

`UserStore.get` (the console's per-request user load) answers from a short-lived in-process
cache: every write through any `UserStore` over the same `Database` drops that database's cache
at once, and an entry is at most `USER_CACHE_S` old, which bounds how long a change made by
another process (e.g. `python app.py --reset-admin`) takes to be seen.
"""

from __future__ import annotations

import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from sqlalchemy import Boolean, CheckConstraint, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from command.storage import Database
from command.storage.columns import UtcDateTime
from command.storage.models import Base

USERNAME_MAX = 64
PASSWORD_MIN = 12
PASSWORD_MAX = 256
LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
USER_CACHE_S = 2.0
"""Longest time a cached account record is used before it is read from the database again."""
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))  # equal work for unknown names


class Role(IntEnum):
    """What a console user may do; each role may do everything of the roles below it."""

    VIEWER = 1  # look at the map, readings, history
    OFFICER = 2  # zones, alerts, patrol schedules
    PILOT = 3  # moves aircraft: dispatch, RTL, land, abort
    ADMIN = 4  # users

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        """'officer' → Role.OFFICER; ValueError naming the choices otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(r.label for r in cls)
            raise ValueError(f"unknown role {text!r} (one of {choices})") from None


class UserRow(Base):
    """A console account."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'officer', 'pilot', 'admin')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_utc: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_utc: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


@dataclass(frozen=True)
class User:
    """A console user as the web layer sees it (Flask-Login's user object)."""

    id: int
    username: str
    role: Role
    active: bool = True

    # Flask-Login's protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def may(self, role: Role) -> bool:
        """True when this user holds `role` or a higher one."""
        return self.active and self.role >= role


class AccountError(ValueError):
    """A user name, password or role that cannot be accepted; the message says which."""


class LoginRefused(Exception):
    """Wrong name or password, or the account is locked (the message never says which name
    exists)."""


def _user(row: UserRow) -> User:
    return User(row.id, row.username, Role.parse(row.role), row.active)


def check_username(username: str) -> str:
    """A user name: 1–64 letters, digits, '.', '-' or '_'."""
    name = username.strip()
    if not 1 <= len(name) <= USERNAME_MAX or not all(c.isalnum() or c in "._-" for c in name):
        raise AccountError(f"user name must be 1–{USERNAME_MAX} letters, digits, '.', '-' or '_'")
    return name


def check_password(password: str) -> str:
    """A password of 12–256 characters."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise AccountError(f"password must have {PASSWORD_MIN}–{PASSWORD_MAX} characters")
    return password


class _UserCache:
    """Account records of one database by id, each with the monotonic time it was read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[int, tuple[float, User | None]] = {}
        self.generation = 0  # bumped by every clear: a read that raced a write is not stored

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.generation += 1


_CACHES: weakref.WeakKeyDictionary[Database, _UserCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_of(db: Database) -> _UserCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(db)
        if cache is None:
            cache = _CACHES[db] = _UserCache()
        return cache


class UserStore:
    """Accounts in the database; time is passed in. `clock` (monotonic seconds) ages the
    cache of `get`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        self._cache = _cache_of(db)

    def forget_cached(self) -> None:
        """Drop every cached account record of this database (done by every write here)."""
        self._cache.clear()

    def create(self, username: str, password: str, role: Role, now: datetime) -> User:
        """A new account; AccountError if the name is taken or a value is not acceptable."""
        name = check_username(username)
        check_password(password)
        self.forget_cached()
        try:
            return self._create(name, password, role, now)
        finally:
            self.forget_cached()

    def _create(self, name: str, password: str, role: Role, now: datetime) -> User:
        with self.db.transaction() as s:
            if s.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
                raise AccountError(f"user {name!r} exists already")
            row = UserRow(
                username=name,
                password_hash=generate_password_hash(password),
                role=role.label,
                active=True,
                failed_logins=0,
                created_utc=now,
            )
            s.add(row)
            s.flush()
            return _user(row)

    def get(self, user_id: int) -> User | None:
        """The account with that id, or None (from the cache when read under USER_CACHE_S ago
        and nothing was written since)."""
        cache = self._cache
        now = self.clock()
        with cache.lock:
            hit = cache.entries.get(user_id)
            generation = cache.generation
        if hit is not None and 0 <= now - hit[0] < USER_CACHE_S:
            return hit[1]
        with self.db.reading() as s:
            row = s.get(UserRow, user_id)
            user = _user(row) if row is not None else None
        with cache.lock:
            if cache.generation == generation:  # no write since the read began
                cache.entries[user_id] = (now, user)
        return user

    def set_role(self, username: str, role: Role) -> User:
        """Give an account another role (effective on its next request); AccountError when
        there is no such account."""
        return self._update(username, role=role.label)

    def set_active(self, username: str, active: bool) -> User:
        """Enable or disable an account (a disabled one is refused on its next request);
        AccountError when there is no such account."""
        return self._update(username, active=active)

    def _update(self, username: str, **values: object) -> User:
        self.forget_cached()
        try:
            with self.db.transaction() as s:
                row = s.scalar(select(UserRow).where(UserRow.username == username.strip()))
                if row is None:
                    raise AccountError(f"no user {username!r}")
                for key, value in values.items():
                    setattr(row, key, value)
                s.flush()
                return _user(row)
        finally:
            self.forget_cached()

    def count(self) -> int:
        """How many accounts exist."""
        with self.db.reading() as s:
            return len(s.scalars(select(UserRow.id)).all())

    def authenticate(self, username: str, password: str, now: datetime) -> User:
        """The user whose name and password these are; LoginRefused otherwise. Five failures in
        a row lock the account for 15 minutes, whatever password comes next."""
        refusal = "wrong user name or password"
        self.forget_cached()
        with self.db.transaction() as s:  # a failure is counted (committed) before refusing
            row = s.scalar(select(UserRow).where(UserRow.username == username.strip()))
            if row is None:
                check_password_hash(_DUMMY_HASH, password)
            elif row.locked_until is not None and row.locked_until > now:
                refusal = (
                    f"account locked after {LOCK_AFTER_FAILURES} failed logins; "
                    f"try again after {row.locked_until:%H:%M} UTC"
                )
            elif not row.active or not check_password_hash(row.password_hash, password):
                row.failed_logins += 1
                if row.failed_logins >= LOCK_AFTER_FAILURES:
                    row.locked_until = now + LOCK_FOR
                    row.failed_logins = 0
            else:
                row.failed_logins = 0
                row.locked_until = None
                row.last_login_utc = now
                return _user(row)
        raise LoginRefused(refusal)

    def first_admin(self, now: datetime) -> str | None:
        """With no account at all, create `admin` with a random password and return it (to be
        shown once); None when accounts exist. Only the hash is stored."""
        if self.count():
            return None
        password = secrets.token_urlsafe(12)
        self.create("admin", password, Role.ADMIN, now)
        return password

    def reset_password(self, username: str, now: datetime) -> str:
        """A new random password for an account (shown once; only its hash is stored); the
        lock-out is lifted. AccountError when there is no such account."""
        password = secrets.token_urlsafe(12)
        self.forget_cached()
        try:
            with self.db.transaction() as s:
                row = s.scalar(select(UserRow).where(UserRow.username == username.strip()))
                if row is None:
                    raise AccountError(f"no user {username!r}")
                row.password_hash = generate_password_hash(password)
                row.failed_logins = 0
                row.locked_until = None
                row.active = True
        finally:
            self.forget_cached()
        return password
