"""``python -m simulator``: a fleet of simulated ArduCopter-like vehicles speaking MAVLink 2."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from simulator.fleet import Fleet, FleetConfig
from simulator.world import WorldError, load_world


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
    return lat, lon, alt


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
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
        "--base-port", type=int, default=5760, help="TCP port of vehicle 1 (+10 per vehicle)"
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
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the fleet until Ctrl-C/SIGTERM (or --duration)."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    if args.drones < 1 or args.drones > 250:
        print("error: --drones must be between 1 and 250", file=sys.stderr)
        return 2
    if not 0.0 <= args.loss < 100.0:
        print("error: --loss must be a percentage in [0, 100)", file=sys.stderr)
        return 2
    try:
        world = load_world(args.world)
    except WorldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    home = None
    if args.home:
        lat, lon, alt = args.home
        home = (lat, lon, world.origin_alt_m if alt is None else alt)
    config = FleetConfig(
        drones=args.drones,
        home=home,
        speedup=args.speedup,
        seed=args.seed,
        base_port=args.base_port,
        udp_out=args.udp_out,
        params_dir=args.params_dir,
        station_feed=args.station_feed,
        loss=args.loss / 100.0,
        signing_key=args.signing_key,
    )
    try:
        fleet = Fleet(world, config)
    except OSError as exc:
        print(f"error: cannot open the vehicles' ports: {exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: fleet.stop())
    signal.signal(signal.SIGINT, lambda *_: fleet.stop())
    ports = ", ".join(f"tcp:{config.host}:{fleet.port_of(i)}" for i in range(args.drones))
    print(
        f"EcoPatrol SITL: {args.drones} copter(s) in '{world.name}' at {args.speedup:g}x; "
        f"connect to {ports}",
        flush=True,
    )
    try:
        fleet.run(until_s=args.duration)
    finally:
        fleet.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
