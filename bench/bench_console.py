"""Console benchmark: `GET /api/fleet` requests/s and p99 latency under a loopback load of 50
concurrent clients, on one worker (one werkzeug threaded server, the deployment's single
process), logged in as a viewer. The centre is real (SQLite, its fleet of 3 configured drones,
not linked — the route reads the same in-memory snapshots either way).

Baseline, measured in the same run on the same server: a route that returns a constant JSON
body, through the same app (security checks, session, headers) — so the ratio is what the
fleet view itself costs. Goals: ≥ 500 requests/s and p99 < 50 ms.

Run: .venv/bin/python bench/bench_console.py   (prints figures, asserts nothing)
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIENTS = 50
SECONDS = 8.0
PASSWORD = "bench password 123"


def client_main(url: str, cookie: str, clients: int, seconds: float) -> None:
    """The load (a separate process): `clients` threads, each with a keep-alive session."""
    import requests

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        s = requests.Session()
        s.cookies.set("session", cookie)
        mine = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            r = s.get(url, timeout=10)
            mine.append(time.perf_counter() - t)
            if r.status_code != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    median = statistics.median(latencies)
    print(f"{len(latencies) / elapsed:.1f} {p99 * 1000:.2f} {median * 1000:.2f} {errors[0]}")


def main() -> None:
    import requests
    from werkzeug.serving import make_server

    from command.centre import CommandCentre
    from command.centre.config import config_from_mapping
    from command.centre.demo import ZONES
    from web import WebSettings, create_app
    from web.security import access
    from web.users import Role, UserStore

    with tempfile.TemporaryDirectory() as folder:
        config = config_from_mapping(
            {
                "var_dir": folder,
                "zones": str(ZONES),
                "vehicles": [
                    {"name": f"hy-0{i}", "connect": f"tcp:127.0.0.1:{9 + i}"} for i in (1, 2, 3)
                ],
                "scheduler": {"enabled": False},
            }
        )
        centre = CommandCentre(config)
        from datetime import UTC, datetime

        UserStore(centre.db).create("viewer", PASSWORD, Role.VIEWER, datetime.now(UTC))
        app = create_app(
            WebSettings(secret_key=b"b" * 32, login_limit="1000/minute"), centre=centre
        )
        app.add_url_rule(
            "/api/bench/constant", "bench_constant", access(Role.VIEWER)(lambda: {"ok": True})
        )
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        s = requests.Session()
        token = re.search(r'csrf-token" content="([^"]+)', s.get(base + "/login").text).group(1)
        s.post(
            base + "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token}
        )
        cookie = s.cookies.get("session")
        assert s.get(base + "/api/fleet").status_code == 200
        results = {}
        for name, path in (
            ("baseline (constant JSON)", "/api/bench/constant"),
            ("fleet API", "/api/fleet"),
        ):
            out = subprocess.run(
                [sys.executable, __file__, "--client", base + path, cookie,
                 str(CLIENTS), str(SECONDS)],
                capture_output=True, text=True, check=True,
            ).stdout.split()  # fmt: skip
            results[name] = tuple(float(x) for x in out)
        server.shutdown()
        centre.close()
    print(
        f"GET /api/fleet, {CLIENTS} concurrent loopback clients, one worker, {SECONDS:.0f} s each"
    )
    print(f"{'':26} {'req/s':>8} {'p99 ms':>8} {'median ms':>10} {'errors':>7}")
    for name, (rps, p99, median, errors) in results.items():
        print(f"{name:26} {rps:8.1f} {p99:8.2f} {median:10.2f} {errors:7.0f}")
    base_rps = results["baseline (constant JSON)"][0]
    fleet_rps, fleet_p99 = results["fleet API"][0], results["fleet API"][1]
    print(f"fleet / baseline throughput: {fleet_rps / base_rps:.2f}")
    print(
        f"goal ≥ 500 req/s: {'met' if fleet_rps >= 500 else 'NOT met'} ({fleet_rps:.0f}); "
        f"goal p99 < 50 ms: {'met' if fleet_p99 < 50 else 'NOT met'} ({fleet_p99:.1f} ms)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
