"""The console over real HTTP, as a browser meets it: a free loopback port, the login form."""

from __future__ import annotations

import re
import socket

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_in(session: requests.Session, base: str, username: str, password: str) -> None:
    """Log in through the form at `base` (the session keeps the cookie)."""
    reply = session.get(f"{base}/login", timeout=10)
    found = re.search(r'name="csrf-token" content="([^"]+)"', reply.text)
    assert found, f"the login page of {base}: {reply.status_code} {reply.text[:300]}"
    reply = session.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": found.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 302, reply.text
