"""`python app.py`: the whole command centre in one command — the simulator (demo, no config)
or the configured drones, the CommandCentre in process, and the console on a port. Also the app
a WSGI server's workers build with `create_app()` (config path from ECOPATROL_CONFIG), which
reach the command daemon through its control interface instead of running a centre.

A config file is the centre's TOML (command/centre/config.py) plus a `[console]` table; a bad
file is refused with the key named (exit 2). Ctrl-C / SIGTERM stops the console, the centre and
the simulator, in that order.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from limits import parse as parse_limit
from pydantic import Field, field_validator
from werkzeug.serving import make_server

from command.centre import CommandCentre, ConfigError
from command.centre.config import CentreConfig, _Section, load_config
from command.centre.demo import DRONES, WORLD, demo_config, station_feed
from command.centre.stopsignals import StopSignals
from web import ROOT, WebSettings, create_app
from web.users import UserStore

log = logging.getLogger("web.runtime")
CONFIG_ENV = "ECOPATROL_CONFIG"
SIM_START_S = 30.0


class ConsoleConfig(_Section):
    """The `[console]` table: where it listens, the base map, cookies, login limit, language,
    the reverse proxies trusted for the client's address."""

    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    base_map: str = Field(default="none", pattern="^(none|osm|tianditu)$")
    tile_url: str | None = None
    tianditu_key: str | None = None
    secure_cookies: bool = False
    login_limit: str = "10 per minute"
    language: str = Field(default="zh_CN", pattern="^(zh_CN|en)$")
    trusted_proxies: int = Field(default=0, ge=0, le=4)

    @field_validator("login_limit")
    @classmethod
    def _login_limit(cls, value: str) -> str:
        try:
            parse_limit(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as '10 per minute'") from None
        return value


class AppConfig(CentreConfig):
    """The centre's configuration and the console's."""

    console: ConsoleConfig = ConsoleConfig()


def secret_key(var_dir: Path) -> bytes:
    """The session secret kept in var/ (made once, readable by the owner only)."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_bytes()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def web_settings(config: AppConfig) -> WebSettings:
    """The console's settings from the config."""
    c = config.console
    tiles: tuple[str, ...] = ()
    if c.base_map == "osm":
        tiles = ("https://tile.openstreetmap.org", "https://*.tile.openstreetmap.org")
    elif c.base_map == "tianditu":
        tiles = ("https://*.tianditu.gov.cn",)
    return WebSettings(
        secret_key=secret_key(config.var_dir),
        secure_cookies=c.secure_cookies,
        login_limit=c.login_limit,
        default_language=c.language,
        tile_hosts=tiles,
        base_map=c.base_map,
        tile_url=c.tile_url,
        tianditu_key=c.tianditu_key,
        trusted_proxies=c.trusted_proxies,
    )


def free_base_port(drones: int) -> int:
    """A base port whose vehicles' serial ports (base + 10·i + 0/2/3) are all free."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + 10 * drones > 65000:
            continue
        try:
            for port in (base + 10 * i + off for i in range(drones) for off in (0, 2, 3)):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range for the simulator")


def free_video_port(drones: int, preferred: int = 5600) -> int:
    """The first UDP port of `drones` consecutive free ones for the cameras (vehicle i on
    port + i): QGroundControl's 5600 when free, else one the system picks."""

    def free(port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    if all(free(preferred + i) for i in range(drones)):
        return preferred
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + drones < 65000 and all(free(base + i) for i in range(drones)):
            return base
    raise RuntimeError("no free UDP port range for the cameras")


@dataclass(frozen=True)
class DemoPorts:
    """Where the demo simulator serves: MAVLink base port, and the cameras' first UDP port
    (None: cameras off)."""

    base: int
    video: int | None


@contextmanager
def simulator(var_dir: Path, speedup: float = 1.0, video: bool = True) -> Iterator[DemoPorts]:
    """The demo simulator as a subprocess (3 drones, the Huaiyin world, cameras streaming to the
    centre's relay unless `video` is off); yields its ports."""
    base = free_base_port(DRONES)
    video_port = free_video_port(DRONES) if video else None
    feed = station_feed(var_dir)
    feed.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "simulator", "--drones", str(DRONES), "--speedup", str(speedup),
        "--world", str(WORLD), "--base-port", str(base), "--station-feed", str(feed),
        "--params-dir", str(var_dir / "sim" / "params"),
    ]  # fmt: skip
    if video_port is not None:
        cmd += ["--video", "--video-port", str(video_port)]
    errors = (var_dir / "sim" / "simulator.log").open("ab")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True,
        start_new_session=True,  # Ctrl-C reaches it through us, in order
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "connect to" not in line:
            raise RuntimeError(f"the simulator did not start ({line.strip()}): see {errors.name}")
        threading.Thread(target=proc.stdout.read, name="sim-out", daemon=True).start()
        yield DemoPorts(base, video_port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errors.close()


def announce_admin(centre: CommandCentre, url: str) -> None:
    """Print the URL and, on the first start, the generated admin password."""
    users = UserStore(centre.db)
    password = users.first_admin(datetime.now(UTC))
    print(f"EcoPatrol console: {url}", flush=True)
    if password is not None:
        print(f"admin password (shown once, stored hashed): {password}", flush=True)
    else:
        print(
            "accounts exist; a forgotten admin password is reset with: "
            "python app.py --reset-admin (same --config / --var)",
            flush=True,
        )


def parser() -> argparse.ArgumentParser:
    """The command line of app.py."""
    p = argparse.ArgumentParser(prog="python app.py", description=__doc__.split("\n")[0])
    p.add_argument("--config", type=Path, help="TOML config (default: the embedded demo)")
    p.add_argument("--var", type=Path, help="data folder for the demo (default: ./var)")
    p.add_argument("--port", type=int, help="console port (default 5000, or the config's)")
    p.add_argument("--speedup", type=float, default=1.0, help="demo simulator speed-up")
    p.add_argument("--no-video", action="store_true", help="demo drones without cameras")
    p.add_argument("--reset-admin", action="store_true", help="give admin a new password, exit")
    p.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return p


@dataclass
class Running:
    """What main() stops."""

    centre: CommandCentre
    app: Flask


def _config(args: argparse.Namespace, ports: DemoPorts | None) -> AppConfig:
    if args.config is not None:
        return load_config(args.config, AppConfig)
    var = (args.var or Path("var")).resolve()
    base, video = (ports.base, ports.video) if ports else (5760, None)
    demo = demo_config(var, base, speedup=args.speedup, video_port=video)
    return AppConfig.model_validate(demo.model_dump())


def main(argv: list[str] | None = None) -> int:
    """Run everything until Ctrl-C or SIGTERM."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        checked = _config(args, None)  # refuse a bad file before anything starts
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.reset_admin:
        from command.storage import open_database

        db = open_database(checked.database)
        try:
            password = UserStore(db).reset_password("admin", datetime.now(UTC))
        finally:
            db.close()
        print(f"new admin password (shown once, stored hashed): {password}")
        return 0
    if args.config is None:
        with simulator(checked.var_dir, args.speedup, video=not args.no_video) as ports:
            return _serve(_config(args, ports), args)
    return _serve(checked, args)


def _serve(config: AppConfig, args: argparse.Namespace) -> int:
    """Run the centre and the console until a stop signal; the centre is the deployment's one
    active command centre (the same election as `python -m command daemon`): refused, exit 3,
    while another is active on the database; fenced and stopped, exit 4, if it loses that."""
    from command.centre.leadership import Leadership, LeadershipError
    from command.dispatch.owner import this_process

    lost_signal = signal.SIGUSR1
    stops = (signal.SIGINT, signal.SIGTERM)
    config.var_dir.mkdir(parents=True, exist_ok=True)
    try:
        leadership = Leadership.for_database(config.database, this_process())
        if not leadership.try_acquire():
            holder = leadership.holder() or "holder unknown"
            print(
                f"error: a command centre is already active on {leadership.where} ({holder}): "
                "this console is not started",
                file=sys.stderr,
            )
            return 3
    except LeadershipError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        centre = CommandCentre(config)
    except ConfigError as exc:
        leadership.release()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with StopSignals(*stops, lost_signal) as signals:
        lost = leadership.fence_on_loss(centre.fence, lost_signal)
        try:
            centre.start()
            app = create_app(web_settings(config), centre=centre)
            port = args.port or config.console.port
            server = make_server(config.console.host, port, app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
            thread.start()
            announce_admin(centre, f"http://{config.console.host}:{server.server_port}")
            received = signals.next()
            if received == lost_signal:
                print(f"leadership lost ({lost[0] if lost else 'unknown'}): fenced, stopping")
            else:
                print(f"{received.name}: stopping", flush=True)
            server.shutdown()
            thread.join(10)
        finally:
            centre.close()
            leadership.release()
    return 4 if lost else 0


def app_from_environment() -> Flask:
    """The app a WSGI server's worker loads (`granian --interface wsgi --factory
    web:create_app`, any number of workers): the console of $ECOPATROL_CONFIG over the active
    command daemon, which it reaches through the control interface (command.control); the
    worker holds no vehicle link, runs no scheduler and no relay. Accounts and sessions are in
    the config's database."""
    from command.control.client import RemoteCentre
    from command.control.interface import SecretError, shared_secret
    from command.storage import open_database

    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise RuntimeError(f"set {CONFIG_ENV} to the centre's TOML config file")
    config: AppConfig = load_config(path, AppConfig)
    if config.database_url is None and os.environ.get("DATABASE_URL", "").strip():
        config = config.model_copy(update={"database_url": os.environ["DATABASE_URL"].strip()})
    try:
        secret = shared_secret(config.control_secret_path, create=True)
    except SecretError as exc:
        raise RuntimeError(f"{path}: control: {exc}") from None
    db = open_database(config.database)
    centre = RemoteCentre(config, db, secret)
    centre.start()
    atexit.register(centre.close)
    atexit.register(db.close)
    return create_app(web_settings(config), centre=centre)  # type: ignore[arg-type]
