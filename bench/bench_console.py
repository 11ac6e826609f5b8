"""Console benchmark: `GET /api/fleet` requests/s, p50 and p99 latency under a loopback load of
50 concurrent keep-alive clients, logged in as a viewer — the web workers as docs/deploying.md
runs them (granian, WSGI), over the same running command daemon (`python -m command daemon`,
SQLite, 3 configured drones not linked: the route reads the same fleet status either way), which
the workers reach through its control API as a deployment's do.

Three layouts: one request worker (one blocking thread: what serves every request behind
examples/nginx.conf, which sends the live streams to stream workers), two request workers, and
one worker with 16 threads serving the streams too (the single-pool layout of a small site).

The load generator is `wrk` (Debian package `wrk`, written in C, one thread), in another
process. Baseline, measured in the same run on the same server: a route that returns a constant
JSON body through the same app (security checks, session, user load, headers), so the ratio is
what the fleet view itself costs. Also printed: the CPU the server and wrk used (cores busy),
since all of it shares the machine's cores with the daemon. Goals: one worker ≥ 500 requests/s
with p99 < 50 ms; two workers ≥ 1.7× one worker's requests/s.

Run: .venv/bin/python bench/bench_console.py   (prints figures, asserts nothing; needs `wrk`:
apt-get install wrk). BENCH_LAYOUTS picks layouts by name (default all): requests-1,
requests-2, single-pool.
"""

from __future__ import annotations

import os
import re
import resource
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
PASSWORD = "bench password 123"
LAYOUTS = {  # name: (workers, blocking threads per worker)
    "requests-1": (1, 1),
    "requests-2": (2, 1),
    "single-pool": (1, 16),
}
CHOSEN = [n for n in os.environ.get("BENCH_LAYOUTS", ",".join(LAYOUTS)).split(",") if n]


def write_config(folder: Path) -> Path:
    """The daemon's and the workers' config: SQLite under `folder`, the demo zones, three
    drones configured but not linked, no patrols."""
    from command.centre.demo import ZONES

    lines = [f"var_dir = {str(folder / 'var')!r}", f"zones = {str(ZONES)!r}", "link_wait_s = 1"]
    for i in (1, 2, 3):
        lines += ["[[vehicles]]", f'name = "hy-0{i}"', f'connect = "tcp:127.0.0.1:{9 + i}"']
    lines += ["[scheduler]", "enabled = false"]
    path = folder / "centre.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def worker_app():
    """What each web worker serves: the console of $ECOPATROL_CONFIG over the daemon (as
    `web:create_app`), plus the constant baseline route."""
    from web import create_app
    from web.security import access
    from web.users import Role

    app = create_app()
    app.add_url_rule(
        "/api/bench/constant", "bench_constant", access(Role.VIEWER)(lambda: {"ok": True})
    )
    return app


def server_command(workers: int, threads: int, port: int) -> list[str]:
    """granian as docs/deploying.md runs it, with the bench's app in place of web:create_app."""
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
        "--workers", str(workers), "--blocking-threads", str(threads),
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--working-dir", str(ROOT / "bench"), "bench_console:worker_app",
    ]  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` and its children still running (from /proc)."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    ticks = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


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


Figures = tuple[float, float, float, int, float, float]
"""requests/s, p50 ms, p99 ms, errors, server cores busy, wrk cores busy."""


def load(url: str, cookie: str, agent: str, server: int, seconds: int = SECONDS) -> Figures:
    """wrk against `url`: requests/s, p50 ms, p99 ms, non-2xx/3xx responses + socket errors,
    and the CPU the server (pid `server`) and wrk used per second of the run."""
    server_before = cpu_seconds(server)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Cookie: session={cookie}", "-H", f"User-Agent: {agent}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    wall = time.monotonic() - started
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_busy = (cpu_seconds(server) - server_before) / wall
    wrk_busy = (
        wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime
    ) / wall
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    count = int(bad.group(1)) if bad else 0
    count += sum(int(x) for x in errors.groups()) if errors else 0
    return rps, p50, p99, count, server_busy, wrk_busy


def measure(workers: int, threads: int, config: Path) -> dict[str, Figures]:
    """Start granian with `workers` workers over the daemon, log in, load both routes."""
    import requests

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        server_command(workers, threads, port), env=os.environ | {"ECOPATROL_CONFIG": str(config)}
    )
    try:
        wait_up(base, proc)
        s = requests.Session()
        token = re.search(r'csrf-token" content="([^"]+)', s.get(base + "/login").text).group(1)
        s.post(
            base + "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token}
        )
        cookie = s.cookies.get("session")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # every worker following the daemon
            states = {requests.get(base + "/api/health").json()["centre"] for _ in range(8)}
            if states == {"reachable"}:
                break
            time.sleep(0.2)
        fleet = s.get(base + "/api/fleet")
        assert fleet.status_code == 200 and len(fleet.json()["drones"]) == 3, fleet.text
        assert s.get(base + "/api/bench/constant").json() == {"ok": True}
        # the session is bound to address + User-Agent (session protection): the load sends
        # the same User-Agent as the login, else every request would be refused
        agent = s.headers["User-Agent"]
        load(base + "/api/bench/constant", cookie, agent, proc.pid, seconds=3)  # warm-up
        return {
            "baseline (constant JSON)": load(base + "/api/bench/constant", cookie, agent, proc.pid),
            "fleet API": load(base + "/api/fleet", cookie, agent, proc.pid),
        }
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    from datetime import UTC, datetime

    from command.storage import open_database
    from web.users import Role, UserStore

    if shutil.which("wrk") is None:
        sys.exit("bench_console needs the load generator wrk: apt-get install wrk")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder))
        daemon = subprocess.Popen(
            [sys.executable, "-m", "command", "daemon", "--config", str(config),
             "--log-level", "WARNING"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            for line in daemon.stdout:
                if "command centre running" in line:
                    break
            else:
                sys.exit("the command daemon did not start")
            threading.Thread(target=daemon.stdout.read, daemon=True).start()
            db = open_database(f"sqlite+pysqlite:///{folder}/var/ecopatrol.sqlite")
            UserStore(db).create("viewer", PASSWORD, Role.VIEWER, datetime.now(UTC))
            db.close()
            for name in CHOSEN:
                results[name] = measure(*LAYOUTS[name], config)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
    report(results)


def report(results: dict[str, dict[str, Figures]]) -> None:
    print(
        f"GET /api/fleet, {CLIENTS} concurrent keep-alive loopback clients (wrk, 1 thread, "
        f"separate process), granian (WSGI) over the command daemon, {SECONDS} s each, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'layout (workers x threads) / route':46} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'server':>6} {'wrk':>5}"
    )
    for name, rows in results.items():
        workers, threads = LAYOUTS[name]
        label = f"{name} ({workers}x{threads})"
        for route, (rps, p50, p99, errors, busy, wrk) in rows.items():
            print(
                f"{label + ': ' + route:46} {rps:8.1f} {p50:7.2f} {p99:7.2f} {errors:6d} "
                f"{busy:6.2f} {wrk:5.2f}"
            )
        ratio = rows["fleet API"][0] / rows["baseline (constant JSON)"][0]
        print(f"{label}: fleet / baseline throughput {ratio:.2f}")
    print("(server, wrk: CPU cores busy during the run)")
    if "requests-1" in results:
        rps, _, p99, *_ = results["requests-1"]["fleet API"]
        print(
            f"goal ≥ 500 req/s: {'met' if rps >= 500 else 'NOT met'} ({rps:.0f}); "
            f"goal p99 < 50 ms: {'met' if p99 < 50 else 'NOT met'} ({p99:.1f} ms)  "
            "[1 request worker]"
        )
    if "requests-1" in results and "requests-2" in results:
        one, two = results["requests-1"], results["requests-2"]
        scale = two["fleet API"][0] / one["fleet API"][0]
        base_scale = two["baseline (constant JSON)"][0] / one["baseline (constant JSON)"][0]
        print(
            f"2 request workers / 1: fleet API {scale:.2f}x, baseline {base_scale:.2f}x; "
            f"goal ≥ 1.7x: {'met' if scale >= 1.7 else 'NOT met'}"
        )
        # One worker already keeps more than a core busy (granian's HTTP threads beside the
        # Python one), and wrk and the daemon share the same cores: the most two workers
        # could reach here is the cores left to the server over what one worker used.
        _, _, _, _, busy_1, _ = one["fleet API"]
        _, _, _, _, busy_2, wrk_2 = two["fleet API"]
        ceiling = (os.cpu_count() - wrk_2) / busy_1
        per_core = (two["fleet API"][0] / busy_2) / (one["fleet API"][0] / busy_1)
        print(
            f"on these {os.cpu_count()} cores 2 workers could reach at most {ceiling:.2f}x "
            f"(cores not used by wrk / cores one worker used); requests per busy core, "
            f"2 workers / 1: {per_core:.2f}"
        )


if __name__ == "__main__":
    main()
