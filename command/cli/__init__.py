"""The pilot's mission CLI: ``python -m command`` (also installed as ``ecopatrol``).

Exit codes: 0 done as asked; 1 refused or failed (the reason is printed); 2 bad input (a file that
cannot be read, a malformed connection string); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.live import Live

from command.cli import ingest
from command.cli.display import fleet_table, history_table, progress_line
from command.cli.session import CliError, confirm, default_actor, open_db, session
from command.dispatch import Dispatcher, DispatchError
from command.link import CommandError, LinkError, LinkState
from command.storage import (
    SortieOutcome,
    StorageError,
    close_sortie,
    list_sorties,
)
from missions import cli as missions_cli
from missions.checks import Limits, blocks_upload, check_mission
from missions.files import PlanFileError, read_plan_file
from missions.zones import ZoneFileError, load_zones

console = Console()
err = Console(stderr=True)


def _link_options(p: argparse.ArgumentParser, many: bool = False) -> None:
    p.add_argument(
        "--connect",
        action="append" if many else "store",
        required=True,
        metavar="CONNECTION",
        help="tcp:HOST:PORT, udp:HOST:PORT, udpout:HOST:PORT or serial:DEVICE:BAUD"
        + (" (repeatable)" if many else ""),
    )
    p.add_argument(
        "--name",
        action="append" if many else "store",
        help="vehicle name in the records (default: the connection string)",
    )
    p.add_argument("--signing-key", help="MAVLink 2 signing key, 64 hex digits")
    p.add_argument(
        "--heartbeat-hz",
        type=float,
        default=1.0,
        help="GCS heartbeat rate (1 Hz; raise it for a sped-up simulator)",
    )
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the link")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="ecopatrol", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", help="database URL (default: DATABASE_URL or var/ecopatrol.sqlite)")
    p.add_argument("--actor", default=default_actor(), help="who is recorded in the audit log")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("fleet", help="live status table of the vehicles")
    _link_options(s, many=True)
    s.add_argument("--once", action="store_true", help="print the table once and exit")
    s.add_argument("--interval", type=float, default=0.5, help="refresh period, s")
    sub.add_parser("plan", help="plan a zone (python -m missions plan …)", add_help=False)
    sub.add_parser(
        "check", help="check a mission file (python -m missions check …)", add_help=False
    )
    for name, text in (
        ("upload", "check, upload and verify a mission"),
        ("fly", "upload, arm, take off and fly a mission to the end"),
    ):
        s = sub.add_parser(name, help=text)
        _link_options(s)
        s.add_argument("--mission", required=True, help=".plan or .waypoints file")
        s.add_argument("--zones", help="zones GeoJSON: also check no-fly zones and fences")
        s.add_argument("--ceiling", type=float, default=120.0, help="height limit above home, m")
        if name == "fly":
            s.add_argument("--yes", action="store_true", help="arm without asking")
            s.add_argument(
                "--reserve",
                type=float,
                default=25.0,
                help="battery %% at which the drone is brought home",
            )
    s = sub.add_parser("watch", help="follow a vehicle's progress")
    _link_options(s)
    s.add_argument("--until-landed", action="store_true", help="stop once it has landed")
    for name, text in (
        ("rtl", "return to launch"),
        ("land", "land where it is"),
        ("abort", "return to launch and record the open sortie as aborted"),
    ):
        s = sub.add_parser(name, help=text)
        _link_options(s)
        if name == "abort":
            s.add_argument("--reason", default="aborted by the pilot")
    s = sub.add_parser("history", help="sorties flown")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--vehicle", help="only this vehicle's sorties")
    ingest.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    rest = _after_global(args_list)
    if rest and rest[0] in ("plan", "check"):
        return missions_cli.main(rest)
    args = parser().parse_args(args_list)
    try:
        return _COMMANDS[args.cmd](args)
    except CliError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


def _after_global(argv: list[str]) -> list[str]:
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        i += 1 if "=" in argv[i] else 2
    return argv[i:]


def _session(args: argparse.Namespace):
    connect = args.connect if isinstance(args.connect, list) else [args.connect]
    names = args.name if isinstance(args.name, list) else ([args.name] if args.name else None)
    return session(
        connect,
        names=names,
        db_url=args.db,
        actor=args.actor,
        heartbeat_hz=args.heartbeat_hz,
        signing_key=args.signing_key,
        wait_s=args.wait,
    )


def _mission(args: argparse.Namespace):
    try:
        mission = read_plan_file(args.mission)
        zones = load_zones(args.zones).zones if args.zones else ()
    except (PlanFileError, ZoneFileError, OSError) as exc:
        raise CliError(str(exc), 2) from exc
    limits = Limits(ceiling_m=args.ceiling)
    findings = check_mission(mission, zones=zones, limits=limits)
    for f in findings:
        where = f"item {f.item_index + 1}: " if f.item_index is not None else ""
        (err if f.severity == "error" else console).print(
            f"{f.severity}: {where}{f.message}", highlight=False
        )
    if blocks_upload(findings):
        raise CliError(f"{args.mission} fails its checks: nothing was sent")
    return mission, zones, limits


def cmd_fleet(args: argparse.Namespace) -> int:
    with _session(args) as s:
        if args.once:
            console.print(fleet_table(s.fleet.snapshots()))
            return 0 if all(x.link is LinkState.OK for x in s.fleet.snapshots().values()) else 1
        with Live(fleet_table(s.fleet.snapshots()), console=console, refresh_per_second=4) as live:
            while True:
                time.sleep(args.interval)
                live.update(fleet_table(s.fleet.snapshots()))


def cmd_upload(args: argparse.Namespace) -> int:
    mission, _, _ = _mission(args)
    with _session(args) as s:
        name = s.names[0]
        try:
            report = s.commands.upload_mission(name, mission, args.mission)
        except LinkError as exc:
            raise CliError(f"{name}: upload failed: {exc}") from exc
        console.print(
            f"{name}: uploaded and verified {report.mission_items} mission items, "
            f"{report.fence_items} fence, {report.rally_items} rally "
            f"in {report.duration_s:.1f} s"
        )
    return 0


def cmd_fly(args: argparse.Namespace) -> int:
    mission, zones, limits = _mission(args)
    if not args.yes and not sys.stdin.isatty():
        raise CliError("arming needs the pilot's confirmation: run it at a terminal or pass --yes")
    with _session(args) as s:
        name = s.names[0]
        dispatcher = Dispatcher(
            s.fleet, s.db, actor=args.actor, zones=zones, limits=limits, reserve_pct=args.reserve
        )
        ask = (lambda prompt: True) if args.yes else confirm
        s.fleet.wait_for(name, lambda x: x.has_position and x.home is not None, args.wait)
        try:
            handle = dispatcher.dispatch(
                mission, name, name=Path(args.mission).stem, confirm=ask, source_file=args.mission
            )
        except DispatchError as exc:
            raise CliError(str(exc)) from exc
        total = len(mission.items)
        console.print(f"{name}: sortie {handle.sortie_id} flying {total} items")
        while not handle.done.is_set():
            try:
                with Live(console=console, refresh_per_second=4, transient=False) as live:
                    while not handle.wait(0.25):
                        live.update(
                            progress_line(s.fleet.snapshot(name), total, handle.tracker.distance_m)
                        )
                console.line()
            except KeyboardInterrupt:
                if not sys.stdin.isatty() or confirm("Return to launch now?"):
                    dispatcher.abort(name, "pilot interrupted the CLI: RTL")
                    console.print(f"{name}: returning to launch")
        snap = s.fleet.snapshot(name)
        console.print(f"{name}: sortie {handle.sortie_id} {handle.outcome}: {handle.reason}")
        landed = not snap.armed and (snap.altitude_relative_m or 0.0) < 1.0
        return 0 if handle.outcome == SortieOutcome.COMPLETED and landed else 1


def cmd_watch(args: argparse.Namespace) -> int:
    with _session(args) as s:
        name = s.names[0]
        airborne = False
        with Live(console=console, refresh_per_second=4) as live:
            while True:
                snap = s.fleet.snapshot(name)
                total = max((snap.mission_total or 1) - 1, 0)
                live.update(progress_line(snap, total, 0.0))
                airborne = airborne or snap.armed
                if args.until_landed and airborne and not snap.armed:
                    return 0
                time.sleep(0.25)


def _simple(command: str):
    def run(args: argparse.Namespace) -> int:
        with _session(args) as s:
            name = s.names[0]
            try:
                if command == "land":
                    s.commands.land(name)
                elif command == "abort":
                    s.commands.run(
                        name,
                        "abort",
                        {"reason": args.reason},
                        lambda: s.fleet.return_to_launch(name),
                    )
                else:
                    s.commands.return_to_launch(name)
            except (CommandError, LinkError) as exc:
                raise CliError(f"{name}: {command} refused: {exc}") from exc
            console.print(
                f"{name}: {command.upper()} accepted, mode {s.fleet.snapshot(name).mode_name}"
            )
            if command == "abort":
                for sortie in list_sorties(s.db, limit=5, vehicle_name=name):
                    if sortie.ended_at is None:
                        try:
                            close_sortie(
                                s.db,
                                sortie.id,
                                SortieOutcome.ABORTED,
                                args.reason,
                                datetime.now(UTC),
                            )
                            console.print(f"sortie {sortie.id} recorded as aborted")
                        except StorageError:
                            pass
        return 0

    return run


def cmd_history(args: argparse.Namespace) -> int:
    db = open_db(args.db)
    try:
        console.print(history_table(list_sorties(db, limit=args.limit, vehicle_name=args.vehicle)))
    finally:
        db.close()
    return 0


_COMMANDS = {
    "fleet": cmd_fleet,
    "upload": cmd_upload,
    "fly": cmd_fly,
    "watch": cmd_watch,
    "rtl": _simple("rtl"),
    "land": _simple("land"),
    "abort": _simple("abort"),
    "history": cmd_history,
    "ingest": ingest.run,
}
