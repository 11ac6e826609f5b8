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
from command.dispatch import Dispatcher, DispatchError, Sortie, reconcile
from command.dispatch.wire_check import wire_problems
from command.events import (
    Event,
    SortieEvent,
    SortieFailed,
    SortieInterrupted,
    SortiePrepared,
    SortieStarted,
    Subscription,
    TelemetryUpdated,
)
from command.link import CommandError, LinkError, LinkState
from command.storage import SortieOutcome
from missions.checks import Limits, blocks_upload, check_mission
from missions.files import PlanFileError, read_mission_file
from missions.items import Mission
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
    read = _read(args.mission, read_mission_file)
    for warning in read.warnings:
        console.print(f"warning: {warning}", highlight=False)
    mission = read.mission
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
            raise CliError(f"{text}: nothing was sent", 2) from None
        raise CliError(f"{path}: cannot be read ({text}): nothing was sent", 2) from None


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
        dispatcher = Dispatcher(
            s.fleet,
            s.db,
            bus=s.bus,
            actor=args.actor,
            zones=zones,
            limits=limits,
            reserve_pct=args.reserve,
            tracks_dir=s.tracks_dir,
        )
        try:
            return _fly(args, s, dispatcher, mission)
        finally:
            dispatcher.close()


def _fly(args: argparse.Namespace, s: Session, dispatcher: Dispatcher, mission: Mission) -> int:
    """Prepare, ask, launch, then follow the sortie's events until it ends."""
    name = s.names[0]
    events = s.bus.subscribe("cli", kinds=[SortieEvent, TelemetryUpdated], maxsize=10_000)
    s.fleet.wait_for(
        name,
        lambda x: x.has_position and x.home is not None and x.battery_remaining_pct is not None,
        args.wait,
    )
    try:
        sortie_id = dispatcher.prepare(
            mission, name, name=Path(args.mission).stem, actor=args.actor, source_file=args.mission
        )
    except DispatchError as exc:
        raise CliError(str(exc)) from exc
    sortie = dispatcher.sortie(sortie_id)
    assert sortie is not None
    if not isinstance(_next(events, sortie, SortiePrepared), SortiePrepared):
        raise CliError(f"{name}: {sortie.reason}")
    total = len(mission.items)
    ok = args.yes or confirm(f"Arm {name} and fly '{sortie.name}' ({total} items)?")
    dispatcher.launch(sortie_id, confirmed=ok, actor=args.actor)
    if not ok:
        sortie.wait(CALL_WAIT_S)
        raise CliError(f"arming {name} not confirmed: the mission is uploaded, the motors stay off")
    if not isinstance(_next(events, sortie, SortieStarted), SortieStarted):
        raise CliError(f"{name}: {sortie.reason}")
    console.print(f"{name}: sortie {sortie_id} flying {total} items")
    while not sortie.done.is_set():
        try:
            with Live(console=console, refresh_per_second=4, transient=False) as live:
                while not sortie.done.is_set():
                    event = events.get(0.5)
                    if isinstance(event, TelemetryUpdated) and event.vehicle == name:
                        live.update(progress_line(event.snapshot, total, sortie.tracker.distance_m))
            console.line()
        except KeyboardInterrupt:
            if not sys.stdin.isatty() or confirm("Return to launch now?"):
                dispatcher.abort(name, "pilot interrupted the CLI: RTL", args.actor)
                console.print(f"{name}: returning to launch")
    snap = s.fleet.snapshot(name)
    console.print(f"{name}: sortie {sortie_id} {sortie.outcome}: {sortie.reason}")
    landed = not snap.armed and (snap.altitude_relative_m or 0.0) < 1.0
    return 0 if sortie.outcome == SortieOutcome.COMPLETED and landed else 1


CALL_WAIT_S = 600.0
"""Longest the CLI waits for a step of its sortie (the steps time out well before)."""


def _next(events: Subscription, sortie: Sortie, wanted: type[Event]) -> Event | None:
    """The sortie's next event of type `wanted`, or the one that ended it (None: it ended)."""
    deadline = time.monotonic() + CALL_WAIT_S
    while time.monotonic() < deadline:
        event = events.get(1.0)
        ours = isinstance(event, SortieEvent) and event.sortie_id == sortie.sortie_id
        if ours and isinstance(event, wanted | SortieFailed | SortieInterrupted):
            return event
        if event is None and sortie.done.is_set():
            return None
    return None


def cmd_watch(args: argparse.Namespace) -> int:
    """Follow progress; with --until-landed, stop (and reconcile its sortie) once landed."""
    with _session(args) as s:
        name = s.names[0]
        updates = s.bus.subscribe("cli", kinds=[TelemetryUpdated], maxsize=1000)
        airborne = False
        snap = s.fleet.snapshot(name)
        with Live(console=console, refresh_per_second=4) as live:
            while True:
                total = max((snap.mission_total or 1) - 1, 0)
                live.update(progress_line(snap, total, 0.0))
                airborne = airborne or snap.armed
                if args.until_landed and airborne and not snap.armed:
                    break
                event = updates.get(1.0)
                if isinstance(event, TelemetryUpdated) and event.vehicle == name:
                    snap = event.snapshot
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
    """rtl, land or abort: RTL/LAND sent only to an armed vehicle (a disarmed one is on the
    ground); abort goes through the dispatcher's one abort path."""

    def run(args: argparse.Namespace) -> int:
        with _session(args) as s:
            name = s.names[0]
            if command == "abort":
                return _abort(args, s, name)
            if not s.fleet.snapshot(name).armed:
                raise CliError(f"{name} is disarmed: {command.upper()} not sent")
            try:
                if command == "land":
                    s.commands.land(name)
                else:
                    s.commands.return_to_launch(name)
            except (CommandError, LinkError) as exc:
                raise CliError(f"{name}: {command} refused: {exc}") from exc
            console.print(
                f"{name}: {command.upper()} accepted, mode {s.fleet.snapshot(name).mode_name}"
            )
        return 0

    return run


def _abort(args: argparse.Namespace, s: Session, name: str) -> int:
    dispatcher = Dispatcher(s.fleet, s.db, bus=s.bus, actor=args.actor, tracks_dir=s.tracks_dir)
    try:
        order = dispatcher.abort(name, args.reason, args.actor)
        try:
            sent = order.sent.result(CALL_WAIT_S)
        except (CommandError, LinkError) as exc:
            raise CliError(f"{name}: abort refused: {exc}") from exc
    finally:
        dispatcher.close()
    if sent:
        console.print(f"{name}: ABORT accepted, mode {s.fleet.snapshot(name).mode_name}")
    else:
        console.print(f"{name} is disarmed: no RTL sent")
    for sortie_id in order.sortie_ids:
        console.print(f"sortie {sortie_id} recorded as aborted")
    return 0
