"""``python -m simulator``: a fleet of simulated ArduCopter-like vehicles speaking MAVLink 2."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from simulator.fleet import SERIAL_PORT_OFFSETS, Fleet, FleetConfig, port_numbers
from simulator.params import FIRMWARES
from simulator.video.options import add_video_options, describe_video, video_settings
from simulator.world import World, WorldError, load_world

MAX_DRONES = 250
HOST = "127.0.0.1"


class UsageError(ValueError):
    """A command line that cannot be run; the message names the option."""


def _home(text: str) -> tuple[float, float, float | None]:
    parts = text.split(",")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("expected LAT,LON or LAT,LON,ALT")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        alt = float(parts[2]) if len(parts) == 3 else None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number in {text!r}") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"latitude/longitude out of range in {text!r}")
    if alt is not None and not -500 <= alt <= 9000:
        raise argparse.ArgumentTypeError(f"altitude outside [-500, 9000] m in {text!r}")
    return lat, lon, alt


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError("expected HOST:PORT with a port in 1..65535")
    return host, int(port)


def _key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("signing key must be hexadecimal") from exc
    if len(key) != 32:
        raise argparse.ArgumentTypeError("signing key must be 32 bytes (64 hex digits)")
    return key


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    p.add_argument("--drones", type=int, default=1, help="number of vehicles (default 1)")
    p.add_argument(
        "--home", type=_home, help="LAT,LON[,ALT] of vehicle 1 (default: the world's origin)"
    )
    p.add_argument(
        "--speedup",
        type=float,
        default=1.0,
        help="simulated seconds per real second; 0 = as fast as possible",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (noise, gusts)")
    p.add_argument(
        "--world", type=Path, help="world JSON file (default: simulator/worlds/huaiyin.json)"
    )
    p.add_argument(
        "--base-port",
        type=int,
        default=5760,
        help="SERIAL0 TCP port of vehicle 1; SERIAL1/2 on +2/+3, +10 per vehicle",
    )
    p.add_argument(
        "--shared-ports",
        action="store_true",
        help="let any number of clients share a TCP port (ArduPilot SITL serves one)",
    )
    p.add_argument(
        "--firmware",
        choices=FIRMWARES,
        default=FIRMWARES[0],
        help="ArduCopter version to play (its parameter names and version report)",
    )
    p.add_argument(
        "--udp-out", type=_hostport, help="also send to HOST:PORT (+10 per vehicle) over UDP"
    )
    p.add_argument("--params-dir", type=Path, help="keep each vehicle's parameters in this folder")
    p.add_argument(
        "--station-feed",
        type=Path,
        default=Path("var/sim/stations.csv"),
        help="CSV the ground stations' readings are appended to",
    )
    p.add_argument(
        "--loss",
        type=float,
        default=0.0,
        help="percent of MAVLink frames lost each way (a poor radio link)",
    )
    p.add_argument("--signing-key", type=_key, help="MAVLink 2 signing key, 64 hex digits")
    p.add_argument("--duration", type=float, help="stop after this many simulated seconds")
    p.add_argument("-v", "--verbose", action="store_true", help="log client connections")
    add_video_options(p)
    return p


@dataclass(frozen=True)
class Launch:
    """A checked command line: the world, the fleet's configuration, how long to run."""

    world: World
    config: FleetConfig
    duration_s: float | None
    verbose: bool


def configure(argv: list[str] | None = None) -> Launch:
    """Parse and check the command line (SystemExit 2 from argparse, UsageError otherwise)."""
    args = parser().parse_args(argv)
    if not 1 <= args.drones <= MAX_DRONES:
        raise UsageError(f"--drones must be between 1 and {MAX_DRONES}")
    if not (math.isfinite(args.speedup) and args.speedup >= 0):
        raise UsageError("--speedup must be a finite number >= 0 (0 = as fast as possible)")
    if not (math.isfinite(args.loss) and 0.0 <= args.loss < 100.0):
        raise UsageError("--loss must be a percentage in [0, 100)")
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration >= 0):
        raise UsageError("--duration must be a finite number of seconds >= 0")
    last = port_numbers(args.base_port, args.drones)[-1][-1]
    if args.base_port < 1 or last > 65535:
        raise UsageError(
            f"--base-port {args.base_port}: the vehicles' ports must lie in 1..65535 "
            f"(SERIAL0..2 at +{', +'.join(map(str, SERIAL_PORT_OFFSETS))}, +10 per vehicle; "
            f"{args.drones} vehicle(s) end at {last})"
        )
    if args.udp_out is not None and args.udp_out[1] + 10 * (args.drones - 1) > 65535:
        raise UsageError("--udp-out: the port + 10 per vehicle must stay within 65535")
    for name, path in (("--params-dir", args.params_dir),):
        if path is not None:
            _writable_dir(name, path)
    _writable_dir("--station-feed", args.station_feed.parent)
    if args.station_feed.is_dir():
        raise UsageError(f"--station-feed {args.station_feed}: is a directory")
    try:
        world = load_world(args.world)
    except WorldError as exc:
        raise UsageError(str(exc)) from exc
    try:
        video = video_settings(args, args.drones, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    home = None
    if args.home:
        lat, lon, alt = args.home
        home = (lat, lon, world.origin_alt_m if alt is None else alt)
    config = FleetConfig(
        drones=args.drones,
        home=home,
        speedup=args.speedup,
        seed=args.seed,
        host=HOST,
        base_port=args.base_port,
        udp_out=args.udp_out,
        params_dir=args.params_dir,
        station_feed=args.station_feed,
        loss=args.loss / 100.0,
        signing_key=args.signing_key,
        shared_ports=args.shared_ports,
        firmware=args.firmware,
        video=video,
    )
    return Launch(world, config, args.duration, args.verbose)


def _writable_dir(option: str, path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {path}: {exc.strerror or exc}") from exc
    if not path.is_dir():
        raise UsageError(f"{option} {path}: not a directory")


def main(argv: list[str] | None = None) -> int:
    """Run the fleet until Ctrl-C/SIGTERM (or --duration)."""
    try:
        launch = configure(argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if launch.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    config = launch.config
    try:
        fleet = Fleet(launch.world, config)
    except OSError as exc:
        print(f"error: cannot start the fleet: {exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: fleet.stop())
    signal.signal(signal.SIGINT, lambda *_: fleet.stop())
    ports = ", ".join(f"tcp:{config.host}:{fleet.port_of(i)}" for i in range(config.drones))
    further = ", ".join(str(fleet.port_of(0, k)) for k in range(1, len(SERIAL_PORT_OFFSETS)))
    print(
        f"EcoPatrol SITL: {config.drones} copter(s) in '{launch.world.name}' at "
        f"{config.speedup:g}x; connect to {ports} "
        f"({'clients share each port' if config.shared_ports else 'one client per port'}; "
        f"further ports {further} for vehicle 1, +10 per vehicle)",
        flush=True,
    )
    if config.video is not None:
        print(describe_video(config.video, config.drones), flush=True)
    try:
        fleet.run(until_s=launch.duration_s)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        fleet.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
