"""Console benchmark: `GET /api/fleet` requests/s, p50 and p99 latency under a loopback load of
50 concurrent keep-alive clients, on one worker, logged in as a viewer. The centre is real
(SQLite, its fleet of 3 configured drones, not linked — the route reads the same in-memory
snapshots either way).

The server runs in its own process: gunicorn with one gthread worker (the deployment's WSGI
server: one worker, since the centre runs inside it) and, for comparison, werkzeug's threaded
development server (what `python app.py` serves with). The load generator is `wrk` (Debian
package `wrk`, written in C, one thread), in another process, so the client's cost does not
come out of the server's figure.

Baseline, measured in the same run on the same server: a route that returns a constant JSON
body, through the same app (security checks, session, user load, headers) — so the ratio is
what the fleet view itself costs. Goals: ≥ 500 requests/s and p99 < 50 ms (gunicorn).

Run: .venv/bin/python bench/bench_console.py   (prints figures, asserts nothing; needs `wrk`:
apt-get install wrk). BENCH_THREADS=N sets gunicorn's threads (default 16, as docs/console.md
deploys), BENCH_SERVERS=gunicorn measures one server only.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIENTS = 50
SECONDS = 8
SERVER_THREADS = int(os.environ.get("BENCH_THREADS", "16"))
PASSWORD = "bench password 123"
SERVERS = tuple(os.environ.get("BENCH_SERVERS", "gunicorn,werkzeug").split(","))


def _config(folder: str):
    from command.centre.config import config_from_mapping
    from command.centre.demo import ZONES

    return config_from_mapping(
        {
            "var_dir": folder,
            "zones": str(ZONES),
            "vehicles": [
                {"name": f"hy-0{i}", "connect": f"tcp:127.0.0.1:{9 + i}"} for i in (1, 2, 3)
            ],
            "scheduler": {"enabled": False},
        }
    )


def bench_app():
    """The app the server process serves (gunicorn's app factory, or werkzeug's): the centre
    of the folder in $BENCH_FOLDER and the constant baseline route."""
    import atexit

    from command.centre import CommandCentre
    from web import WebSettings, create_app
    from web.security import access
    from web.users import Role

    centre = CommandCentre(_config(os.environ["BENCH_FOLDER"]))
    atexit.register(centre.close)
    app = create_app(WebSettings(secret_key=b"b" * 32, login_limit="1000/minute"), centre=centre)
    app.add_url_rule(
        "/api/bench/constant", "bench_constant", access(Role.VIEWER)(lambda: {"ok": True})
    )
    return app


def serve_werkzeug(port: int) -> None:
    """werkzeug's threaded development server on `port`, until SIGTERM."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    server = make_server("127.0.0.1", port, bench_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.sigwait({signal.SIGTERM})
    server.shutdown()


def server_command(kind: str, port: int) -> list[str]:
    if kind == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
            "--threads", str(SERVER_THREADS), "--bind", f"127.0.0.1:{port}",
            "--graceful-timeout", "5", "--log-level", "warning",
            "--chdir", str(ROOT / "bench"), "--pythonpath", str(ROOT),
            "bench_console:bench_app()",
        ]  # fmt: skip
    return [sys.executable, __file__, "--werkzeug", str(port)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(base: str, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode})")
        try:
            requests.get(base + "/login", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # listening, app still loading
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer on {base} in {timeout_s:.0f} s")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load(url: str, cookie: str, agent: str) -> tuple[float, float, float, int]:
    """wrk against `url`: requests/s, p50 ms, p99 ms, non-2xx/3xx responses + socket errors."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CLIENTS}", f"-d{SECONDS}s", "--latency", "--timeout", "10s",
         "-H", f"Cookie: session={cookie}", "-H", f"User-Agent: {agent}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    count = int(bad.group(1)) if bad else 0
    count += sum(int(x) for x in errors.groups()) if errors else 0
    return rps, p50, p99, count


def measure(kind: str, folder: str) -> dict[str, tuple[float, float, float, int]]:
    """Start the `kind` server over the centre in `folder`, log in, load both routes."""
    import requests

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(server_command(kind, port), env=os.environ | {"BENCH_FOLDER": folder})
    try:
        wait_up(base, proc)
        s = requests.Session()
        token = re.search(r'csrf-token" content="([^"]+)', s.get(base + "/login").text).group(1)
        s.post(
            base + "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token}
        )
        cookie = s.cookies.get("session")
        fleet = s.get(base + "/api/fleet")
        assert fleet.status_code == 200 and len(fleet.json()["drones"]) == 3, fleet.text
        assert s.get(base + "/api/bench/constant").json() == {"ok": True}
        # the session is bound to address + User-Agent (session protection): the load sends
        # the same User-Agent as the login, else every request would be refused
        agent = s.headers["User-Agent"]
        return {
            "baseline (constant JSON)": load(base + "/api/bench/constant", cookie, agent),
            "fleet API": load(base + "/api/fleet", cookie, agent),
        }
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    from datetime import UTC, datetime

    from command.centre import CommandCentre
    from web.users import Role, UserStore

    if shutil.which("wrk") is None:
        sys.exit("bench_console needs the load generator wrk: apt-get install wrk")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        centre = CommandCentre(_config(folder))
        UserStore(centre.db).create("viewer", PASSWORD, Role.VIEWER, datetime.now(UTC))
        centre.close()
        for kind in SERVERS:
            results[kind] = measure(kind, folder)
    print(
        f"GET /api/fleet, {CLIENTS} concurrent keep-alive loopback clients (wrk, 1 thread, "
        f"separate process), one server process, {SECONDS} s each"
    )
    print(f"{'server / route':38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, rows in results.items():
        label = f"gunicorn gthread x{SERVER_THREADS}" if kind == "gunicorn" else "werkzeug dev"
        for name, (rps, p50, p99, errors) in rows.items():
            print(f"{label + ': ' + name:38} {rps:8.1f} {p50:8.2f} {p99:8.2f} {errors:7d}")
        ratio = rows["fleet API"][0] / rows["baseline (constant JSON)"][0]
        print(f"{label}: fleet / baseline throughput {ratio:.2f}")
    rps, _, p99, _ = results["gunicorn"]["fleet API"]
    print(
        f"goal ≥ 500 req/s: {'met' if rps >= 500 else 'NOT met'} ({rps:.0f}); "
        f"goal p99 < 50 ms: {'met' if p99 < 50 else 'NOT met'} ({p99:.1f} ms)  [gunicorn]"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--werkzeug":
        serve_werkzeug(int(sys.argv[2]))
    else:
        main()
