"""CLI commands that talk to vehicles: fleet, upload, fly, watch, rtl, land, abort, reconcile."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.live import Live

from command.cli.display import console, err, fleet_table, progress_line
from command.cli.session import CliError, Session, confirm, has_telemetry, session
from command.dispatch import Dispatcher, DispatchError, reconcile
from command.dispatch.wire_check import wire_problems
from command.link import CommandError, LinkError, LinkState
from command.storage import SortieOutcome, SortieStateError, close_sortie, list_open_sorties
from missions.checks import Limits, blocks_upload, check_mission
from missions.files import PlanFileError, read_plan_file
from missions.zones import ZoneFileError, load_zones

UNREADABLE = (
    PlanFileError,
    ZoneFileError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    RecursionError,
    MemoryError,
)
"""What reading a mission or zones file may raise on a bad file: bad input, exit 2 (a reader
that trips over a file's shape is refusing that file)."""


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
        tracks_dir=args.tracks_dir,
        report=lambda text: console.print(text),
    )


def _mission(args: argparse.Namespace):
    """The mission file read and checked (and fitting MAVLink), before any link is opened."""
    mission = _read(args.mission, read_plan_file)
    zones = _read(args.zones, lambda path: load_zones(path).zones) if args.zones else ()
    limits = Limits(ceiling_m=args.ceiling)
    findings = check_mission(mission, zones=zones, limits=limits)
    for f in findings:
        where = f"item {f.item_index + 1}: " if f.item_index is not None else ""
        (err if f.severity == "error" else console).print(f"{f.severity}: {where}{f.message}")
    if blocks_upload(findings):
        raise CliError(f"{args.mission} fails its checks: nothing was sent")
    problems = wire_problems(mission)
    if problems:
        raise CliError(f"{args.mission}: {'; '.join(problems[:3])}: nothing was sent", 2)
    return mission, zones, limits


def _read(path: str, reader: Callable[[str], Any]) -> Any:
    try:
        return reader(path)
    except UNREADABLE as exc:
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        if isinstance(exc, PlanFileError | ZoneFileError | OSError) and path in text:
            raise CliError(text, 2) from None
        raise CliError(f"{path}: cannot be read ({text})", 2) from None


def cmd_fleet(args: argparse.Namespace) -> int:
    """The status table, once (after the first telemetry) or live."""
    with _session(args) as s:
        if args.once:
            missing = [n for n in s.names if s.fleet.wait_for(n, has_telemetry, args.wait) is None]
            console.print(fleet_table(s.fleet.snapshots()))
            for name in missing:
                err.print(f"{name}: no telemetry within {args.wait:g} s (only heartbeats)")
            links_ok = all(x.link is LinkState.OK for x in s.fleet.snapshots().values())
            return 0 if links_ok and not missing else 1
        with Live(fleet_table(s.fleet.snapshots()), console=console, refresh_per_second=4) as live:
            while True:
                time.sleep(args.interval)
                live.update(fleet_table(s.fleet.snapshots()))


def cmd_upload(args: argparse.Namespace) -> int:
    """Check, upload, read back and compare."""
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
    """A whole sortie: exit 0 only when it completed and the drone is landed and disarmed."""
    mission, zones, limits = _mission(args)
    if not args.yes and not sys.stdin.isatty():
        raise CliError("arming needs the pilot's confirmation: run it at a terminal or pass --yes")
    with _session(args) as s:
        name = s.names[0]
        dispatcher = Dispatcher(
            s.fleet,
            s.db,
            actor=args.actor,
            zones=zones,
            limits=limits,
            reserve_pct=args.reserve,
            tracks_dir=s.tracks_dir,
        )
        ask = (lambda prompt: True) if args.yes else confirm
        s.fleet.wait_for(
            name,
            lambda x: x.has_position and x.home is not None and x.battery_remaining_pct is not None,
            args.wait,
        )
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
    """Follow progress; with --until-landed, stop (and reconcile its sortie) once landed."""
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
                    break
                time.sleep(0.25)
        for item in reconcile(s.db, name, s.fleet.snapshot(name), datetime.now(UTC)):
            console.print(str(item))
        return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Opening the vehicle reconciles; exit 1 when a sortie had to stay open."""
    with _session(args) as s:
        if not s.reconciled:
            console.print(f"{', '.join(s.names)}: no open sortie")
        return 1 if any(r.outcome is None for r in s.reconciled) else 0


def simple(command: str) -> Callable[[argparse.Namespace], int]:
    """rtl, land or abort: sent only to an armed vehicle (a disarmed one is on the ground)."""

    def run(args: argparse.Namespace) -> int:
        with _session(args) as s:
            name = s.names[0]
            if not s.fleet.snapshot(name).armed:
                if command != "abort":
                    raise CliError(f"{name} is disarmed: {command.upper()} not sent")
                console.print(f"{name} is disarmed: no RTL sent")
                _close_open(s, name, args.reason)
                return 0
            try:
                if command == "land":
                    s.commands.land(name)
                elif command == "abort":
                    s.commands.run(name, "abort", {"reason": args.reason}, lambda: _rtl(s, name))
                else:
                    s.commands.return_to_launch(name)
            except (CommandError, LinkError) as exc:
                raise CliError(f"{name}: {command} refused: {exc}") from exc
            console.print(
                f"{name}: {command.upper()} accepted, mode {s.fleet.snapshot(name).mode_name}"
            )
            if command == "abort":
                _close_open(s, name, args.reason)
        return 0

    return run


def _rtl(s: Session, name: str):
    return s.fleet.return_to_launch(name)


def _close_open(s: Session, name: str, reason: str) -> None:
    for sortie in list_open_sorties(s.db, name):
        try:
            close_sortie(s.db, sortie.id, SortieOutcome.ABORTED, reason, datetime.now(UTC))
            console.print(f"sortie {sortie.id} recorded as aborted")
        except SortieStateError:
            pass  # closed meanwhile
