"""The console's sessions: Flask's signed cookies, with each cookie's signature checked once.

A browser sends the same session cookie with every request until the session changes, and the
pages and the city brain call the API many times a second. The first time a cookie value comes,
it is checked as Flask checks it (HMAC signature, then its age); what it decoded to is kept in
memory under the whole cookie value, signature included, so a value that was never checked
never matches. A kept value is still refused once older than the session lifetime. Sessions
holding anything but plain scalars are decoded every time (a copy of a scalar dict is all a
request can change).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

KEPT = 4096
"""Cookie values kept; beyond it the oldest half is forgotten (and checked again if it comes)."""
_SCALARS = (str, int, float, bool, type(None))


class CheckedOnceSessions(SecureCookieSessionInterface):
    """`app.session_interface = CheckedOnceSessions()`."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._kept: dict[str, tuple[dict[str, Any], float]] = {}
        self._lock = threading.Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        kept = self._kept.get(value)
        if kept is not None:
            data, signed_at = kept
            if self.clock() - signed_at > max_age:
                return self.session_class()  # expired, as the signed value says itself
            return self.session_class(data)  # a copy: the session is a dict of its own
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # a secret key is set
        try:
            data, signed = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _SCALARS) for v in data.values()):
            self._keep(value, dict(data), signed.timestamp())
        return self.session_class(data)

    def _keep(self, value: str, data: dict[str, Any], signed_at: float) -> None:
        with self._lock:
            if len(self._kept) >= KEPT:
                for old in list(self._kept)[: KEPT // 2]:
                    del self._kept[old]
            self._kept[value] = (data, signed_at)
