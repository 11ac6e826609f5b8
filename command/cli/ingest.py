"""``ingest FILE.tlog --vehicle V --sortie S``: a telemetry log's payload readings, into cubes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from command.cli import options as opt
from command.cli.display import console
from command.cli.session import CliError
from command.dispatch.owner import this_process
from command.link.tlog import PAYLOAD_NAMES, TlogError, pair_messages, read_messages, survey_log
from sensors.cubes import TRAJECTORIES
from sensors.cubes.store import CubeError, local_path, writer_lease
from sensors.ingest import ingest_drone


def add_parser(sub: Any) -> None:
    """The ``ingest`` subcommand's arguments."""
    s = sub.add_parser("ingest", help="ingest a telemetry log's payload readings into the cubes")
    s.add_argument("file", type=Path, help="telemetry log (.tlog)")
    s.add_argument("--vehicle", required=True, type=opt.name, help="vehicle id of the samples")
    s.add_argument("--sortie", required=True, type=opt.name, help="sortie id of the samples")
    s.add_argument(
        "--cubes", type=_cubes, default=Path("var/cubes"), help="cube directory (or file:// URL)"
    )
    s.add_argument(
        "--system-id",
        type=opt.number("", 1, 255, integer=True),
        help="MAVLink system id to take (fleet logs), 1..255",
    )


def _cubes(text: str) -> Path:
    try:
        return local_path(text)
    except CubeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Pair, check and store the log's readings; exit 1 if any was quarantined or none exist."""
    path: Path = args.file
    if not path.is_file():
        raise CliError(f"{path}: no such file", 2)
    try:
        survey = survey_log(path)
        if survey.messages == 0:
            raise CliError(
                f"{path}: not a telemetry log: no MAVLink message in it "
                f"({survey.bad_data} unreadable packets)",
                2,
            )
        if not survey.readings:
            console.print(
                f"{path}: {survey.messages} messages but no payload readings "
                f"(NAMED_VALUE_FLOAT {' '.join(PAYLOAD_NAMES)}): nothing ingested"
            )
            for note in survey.notes(-1):
                console.print(f"  {note}")
            return 1
        asked = None if args.system_id is None else int(args.system_id)
        system_id = _system_id(path, asked, survey.readings)
        owner = f"python -m command ingest {this_process()}"
        with writer_lease(Path(args.cubes) / TRAJECTORIES, owner):  # the run is the one writer
            report = ingest_drone(
                pair_messages(read_messages(path), args.vehicle, args.sortie, system_id=system_id),
                path,
                args.cubes,
                layout=f"tlog system {system_id}",
                notes=survey.notes(system_id),
            )
    except (TlogError, CubeError, OSError) as exc:
        raise CliError(str(exc), 2) from exc
    console.print(report.summary())
    return 1 if report.quarantined else 0


def _system_id(path: Path, asked: int | None, readings: dict[int, int]) -> int:
    found = ", ".join(f"{s} ({n} readings)" for s, n in sorted(readings.items()))
    if asked is None:
        if len(readings) > 1:
            raise CliError(
                f"{path} holds payload readings of system ids {found}: choose one with --system-id",
                2,
            )
        return next(iter(readings))
    if asked not in readings:
        raise CliError(f"{path}: no payload readings of system id {asked} (found: {found})", 2)
    return asked
