"""The console behind nginx as examples/nginx.conf deploys it, all real processes: a granian
request worker (one blocking thread), a granian stream worker, and Debian's nginx in front.
Open live streams go to the stream worker and never hold the request worker; the console sees
each client's address as nginx saw it, whatever X-Forwarded-For the client sends."""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from command.storage import open_database
from tests.helpers.daemon import ROOT
from tests.helpers.granian import granian, worker_pids
from tests.helpers.http import free_port, log_in
from tests.web.live import PASSWORD
from web.users import Role, UserStore

pytestmark = pytest.mark.timeout(180)

NGINX = "/usr/sbin/nginx"
LOGIN_LIMIT = 3
"""Sign-in POSTs a minute from one address (the config's login_limit)."""


def write_config(folder: Path) -> Path:
    """A worker's config: SQLite under `folder`, one proxy trusted, no daemon needed."""
    path = folder / "centre.toml"
    path.write_text(
        f'var_dir = {str(folder / "var")!r}\n[console]\nlanguage = "en"\ntrusted_proxies = 1\n'
        f'login_limit = "{LOGIN_LIMIT} per minute"\n',
        encoding="utf-8",
    )
    db = open_database(f"sqlite+pysqlite:///{folder}/var/ecopatrol.sqlite")
    UserStore(db).create("officer", PASSWORD, Role.OFFICER, datetime.now(UTC))
    db.close()
    return path


def site_config(folder: Path, port: int, requests_port: int, streams_port: int) -> Path:
    """examples/nginx.conf with this run's ports, inside a main config of files in `folder`."""
    site = (ROOT / "examples" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{requests_port};"),
        ("server 127.0.0.1:8001;", f"server 127.0.0.1:{streams_port};"),
    ):
        assert site.count(old) == 1, f"examples/nginx.conf no longer has {old!r} once"
        site = site.replace(old, new)
    (folder / "ecopatrol.conf").write_text(site, encoding="utf-8")
    temps = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\nmaster_process off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'nginx-error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log off;\n{temps}\n    include {folder / 'ecopatrol.conf'};\n}}\n",
        encoding="utf-8",
    )
    return main


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int]]:
    """(nginx URL, the request worker's own URL, the request worker's main pid)."""
    folder = tmp_path_factory.mktemp("proxy")
    config = write_config(folder)
    with (
        granian(config, threads=1, name="requests", reachable=False) as (requests_url, req),
        granian(config, threads=8, name="streams", reachable=False) as (streams_url, _),
    ):
        port = free_port()
        main = site_config(folder, port, int(requests_url.rsplit(":", 1)[1]),
                           int(streams_url.rsplit(":", 1)[1]))  # fmt: skip
        command = [NGINX, "-e", str(folder / "nginx-error.log"), "-c", str(main)]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen(command)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    requests.get(f"{url}/api/health", timeout=5)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, (folder / "nginx-error.log").read_text()
                    time.sleep(0.1)
            yield url, requests_url, req.pid
        finally:
            nginx.terminate()
            nginx.wait(10)


def signed_in(url: str) -> requests.Session:
    session = requests.Session()
    log_in(session, url, "officer", PASSWORD)
    return session


def open_stream(session: requests.Session, url: str) -> requests.Response:
    """An open `/api/events` stream whose first message has arrived."""
    stream = session.get(f"{url}/api/events", stream=True, timeout=5)
    assert stream.status_code == 200
    assert next(stream.iter_lines()) == b"retry: 2000"
    return stream


def test_open_streams_do_not_hold_the_request_worker(deployment: tuple[str, str, int]) -> None:
    url, _, request_master = deployment
    session = signed_in(url)
    streams = [open_stream(session, url) for _ in range(3)]  # three open pages
    try:
        health = session.get(f"{url}/api/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["worker"] in worker_pids(request_master)
        assert session.get(f"{url}/api/openapi.json", timeout=5).json()["openapi"].startswith("3")
    finally:
        for stream in streams:
            stream.close()


def sign_in_status(url: str, source: str, forwarded: str) -> int:
    """A wrong sign-in through nginx from the loopback address `source`, claiming to be
    `forwarded` in X-Forwarded-For."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5, source_address=(source, 0))
    try:
        headers = {"X-Forwarded-For": forwarded}
        conn.request("GET", "/login", headers=headers)
        page = conn.getresponse()
        cookie = "; ".join(c.split(";", 1)[0] for c in page.headers.get_all("Set-Cookie"))
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.read().decode()).group(1)
        body = urlencode(
            {"username": "officer", "password": "not the password", "csrf_token": token}
        )
        conn.request("POST", "/login", body=body, headers={
            **headers, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        })  # fmt: skip
        reply = conn.getresponse()
        reply.read()
        return reply.status
    finally:
        conn.close()


def test_the_console_counts_the_address_nginx_saw_not_a_forged_one(
    deployment: tuple[str, str, int],
) -> None:
    url, requests_url, _ = deployment
    forged = [sign_in_status(url, "127.0.0.2", f"10.0.0.{i}") for i in range(LOGIN_LIMIT + 2)]
    assert forged == [401] * LOGIN_LIMIT + [429, 429]  # one client, whatever it claims
    assert sign_in_status(url, "127.0.0.3", "10.0.0.1") == 401  # another client: its own count

    # Why the streams go elsewhere: the request worker runs one request at a time, so a stream
    # opened on it directly holds it (last in this module: it stays held until its keep-alive).
    session = signed_in(url)
    stream = open_stream(session, requests_url)
    try:
        with pytest.raises(requests.Timeout):
            session.get(f"{requests_url}/api/health", timeout=1.5)
    finally:
        stream.close()
