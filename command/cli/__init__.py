"""The pilot's mission CLI: ``python -m command`` (also installed as ``ecopatrol``).

Exit codes: 0 done as asked; 1 refused or failed (the reason is printed); 2 bad input (a file that
cannot be read, a malformed connection string, a value out of range, a database that cannot be
opened); 130 interrupted; 70 an internal error (reported in one line, never a traceback).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from rich.text import Text

from command.cli import daemon, flight, ingest, records
from command.cli import options as opt
from command.cli.display import err
from command.cli.session import CliError, default_actor
from command.link import LinkError
from command.storage import StorageError
from missions import cli as missions_cli

INTERNAL_ERROR = 70
"""Exit code when something unforeseen broke (EX_SOFTWARE); ECOPATROL_DEBUG=1 re-raises it."""


def _link_options(p: argparse.ArgumentParser, many: bool = False) -> None:
    p.add_argument(
        "--connect",
        action="append" if many else "store",
        required=True,
        type=opt.connection,
        metavar="CONNECTION",
        help="tcp:HOST:PORT, udp:HOST:PORT, udpout:HOST:PORT or serial:DEVICE:BAUD"
        + (" (repeatable)" if many else ""),
    )
    p.add_argument(
        "--name",
        action="append" if many else "store",
        type=opt.name,
        help="vehicle name in the records (default: the connection string)",
    )
    p.add_argument("--signing-key", type=opt.signing_key, help="MAVLink 2 signing key, 64 hex")
    p.add_argument(
        "--heartbeat-hz",
        type=opt.HEARTBEAT_HZ,
        default=1.0,
        help="GCS heartbeat rate, (0, 50] Hz (1 Hz; raise it for a sped-up simulator)",
    )
    p.add_argument(
        "--wait", type=opt.WAIT_S, default=30.0, help="seconds to wait for the link, (0, 3600]"
    )


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = opt.OneLineParser(
        prog="ecopatrol", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--db",
        type=opt.database,
        help="database URL (default: DATABASE_URL or var/ecopatrol.sqlite)",
    )
    p.add_argument(
        "--tracks-dir", help="where sortie tracks go (default: tracks/ beside an SQLite file)"
    )
    p.add_argument(
        "--actor", type=opt.name, default=default_actor(), help="who is recorded in the audit log"
    )
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=opt.OneLineParser)
    s = sub.add_parser("fleet", help="live status table of the vehicles")
    _link_options(s, many=True)
    s.add_argument("--once", action="store_true", help="print the table once and exit")
    s.add_argument("--interval", type=opt.INTERVAL_S, default=0.5, help="refresh period, s")
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
        s.add_argument(
            "--ceiling", type=opt.CEILING_M, default=120.0, help="height limit above home, m"
        )
        if name == "fly":
            s.add_argument("--yes", action="store_true", help="arm without asking")
            s.add_argument(
                "--reserve",
                type=opt.RESERVE_PCT,
                default=25.0,
                help="battery %% at which the drone is brought home, [0, 95]",
            )
    s = sub.add_parser("watch", help="follow a vehicle's progress")
    _link_options(s)
    s.add_argument("--until-landed", action="store_true", help="stop once it has landed")
    for name, text in (
        ("rtl", "return to launch"),
        ("land", "land where it is"),
        ("abort", "return to launch and record the open sortie as aborted"),
        ("reconcile", "close the sorties a stopped ground station left open"),
    ):
        s = sub.add_parser(name, help=text)
        _link_options(s)
        if name == "abort":
            s.add_argument("--reason", type=opt.text_value(2000), default="aborted by the pilot")
    s = sub.add_parser("history", help="sorties flown")
    s.add_argument("--limit", type=opt.LIMIT, default=20, help="how many, 1..100000")
    s.add_argument("--vehicle", type=opt.name, help="only this vehicle's sorties")
    ingest.add_parser(sub)
    daemon.add_parser(sub)
    return p


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "fleet": flight.cmd_fleet,
    "upload": flight.cmd_upload,
    "fly": flight.cmd_fly,
    "watch": flight.cmd_watch,
    "rtl": flight.simple("rtl"),
    "land": flight.simple("land"),
    "abort": flight.simple("abort"),
    "reconcile": flight.cmd_reconcile,
    "history": records.cmd_history,
    "ingest": ingest.run,
    "daemon": daemon.run,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; returns the exit code. No traceback ever reaches the pilot."""
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C is how a pilot stops a flight (the drone brought home, exit 130): honoured
        # even when whatever started the CLI ignored SIGINT, as a shell does for a background job.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _run(argv)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # the last guard: report in one line, never a traceback
        if os.environ.get("ECOPATROL_DEBUG"):
            raise
        text = " ".join(str(exc).split())[:300]
        err.print(
            f"ecopatrol: internal error: {type(exc).__name__}: {text} "
            "(ECOPATROL_DEBUG=1 shows where)"
        )
        return INTERNAL_ERROR


def _run(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    rest = _after_global(args_list)
    if rest and rest[0] in ("plan", "check"):
        return missions_cli.main(rest)
    args = parser().parse_args(args_list)
    try:
        return _COMMANDS[args.cmd](args)
    except CliError as exc:
        _error(str(exc))
        return exc.exit_code
    except StorageError as exc:
        _error(f"database: {exc}")
        return 1
    except LinkError as exc:
        _error(str(exc))
        return 1


def _error(text: str) -> None:
    err.print(Text.assemble(("error: ", "bold red"), " ".join(text.split())))


def _after_global(argv: list[str]) -> list[str]:
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        i += 1 if "=" in argv[i] else 2
    return argv[i:]
