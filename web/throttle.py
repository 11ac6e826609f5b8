"""Sign-in throttling per address, on the auth forms' POSTs only.

The `limits` library (the engine Flask-Limiter runs on) keeps a moving window per address in
memory; every other request — the API calls the pages and the city brain make many times a second —
passes it after one look at its method.
Each web worker keeps its own window (as Flask-Limiter's memory storage does).
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from web.security import error_response

NAMESPACE = "sign-in"


class SignInThrottle:
    """At most `limit` (e.g. ``"10 per minute"``) sign-in POSTs per address; the next get 429
    with Retry-After until the window moves on."""

    def __init__(self, limit: str) -> None:
        self.limit = parse(limit)  # ValueError on a limit string it cannot read
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self.blueprint = ""

    def install(self, app: Flask, blueprint: str) -> None:
        """Throttle the POSTs to `blueprint`'s routes (the auth forms)."""
        self.blueprint = blueprint
        app.before_request(self.check)

    def check(self) -> Response | None:
        if request.method != "POST" or request.blueprint != self.blueprint:
            return None
        address = request.remote_addr or "unknown"
        if self._window.hit(self.limit, NAMESPACE, address):
            return None
        reset_at, _ = self._window.get_window_stats(self.limit, NAMESPACE, address)
        response = error_response(429, f"too many sign-in attempts: at most {self.limit}")
        response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
        return response
