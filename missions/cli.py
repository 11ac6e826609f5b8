"""Pilot CLI: `python -m missions plan|check` (exit 0 may fly, 1 check fails, 2 unreadable)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from missions.checks import Finding, Limits, blocks_upload, check_mission
from missions.estimate import estimate_flight
from missions.files import PlanFileError, read_plan_file, write_plan_file
from missions.items import Mission, Position
from missions.planner import PlanError, PlanSpec, plan_zone
from missions.zones import ZoneFileError, ZoneSet, load_zones

EXIT_OK, EXIT_CHECK_FAILED, EXIT_UNREADABLE = 0, 1, 2


class _InputError(Exception):
    """Bad input: reported with its reason, exit code 2, nothing written."""


def _home(text: str) -> Position:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--home {text!r}: expected LAT,LON or LAT,LON,ALT_M"
        ) from None
    if len(values) not in (2, 3):
        raise argparse.ArgumentTypeError(f"--home {text!r}: expected LAT,LON or LAT,LON,ALT_M")
    lat, lon = values[0], values[1]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(
            f"--home {text!r}: latitude/longitude out of range (LAT first)"
        )
    return Position(lat, lon, values[2] if len(values) == 3 else 0.0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m missions", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="plan a zone and write a .plan or .waypoints file")
    plan.add_argument("zones", help="zones GeoJSON file")
    plan.add_argument("--zone", required=True, help="name of the zone to fly")
    plan.add_argument(
        "--home", required=True, type=_home, help="LAT,LON[,ALT_M] of home (take-off)"
    )
    plan.add_argument(
        "--out", required=True, help="output file: .plan (QGC) or .waypoints/.txt (WPL 110)"
    )
    plan.add_argument("--altitude", type=float, help="altitude above home, m (default: zone or 60)")
    plan.add_argument("--speed", type=float, help="cruise speed, m/s (default: zone or 8)")
    plan.add_argument(
        "--sensing-width", type=float, help="sensor strip width, m (instead of the camera)"
    )
    plan.add_argument(
        "--side-overlap", type=float, default=0.6, help="side overlap 0..1 (default 0.6)"
    )
    plan.add_argument(
        "--forward-overlap", type=float, default=0.75, help="forward overlap (default 0.75)"
    )
    plan.add_argument(
        "--wind-from", type=float, help="wind direction (deg, from) for plume transects"
    )
    _limit_options(plan)
    check = sub.add_parser("check", help="check a mission file before flight")
    check.add_argument("file", help="mission file: .plan, .waypoints or .txt")
    check.add_argument("--zones", help="zones GeoJSON: no_fly and fence zones are checked")
    _limit_options(check)
    return parser


def _limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ceiling", type=float, default=120.0, help="ceiling above home, m (default 120)"
    )
    parser.add_argument(
        "--min-altitude", type=float, default=10.0, help="minimum altitude, m (default 10)"
    )
    parser.add_argument(
        "--max-distance", type=float, default=3000.0, help="max distance from home, m"
    )
    parser.add_argument(
        "--endurance-min", type=float, default=25.0, help="battery endurance, minutes"
    )
    parser.add_argument(
        "--reserve", type=float, default=0.25, help="battery reserve fraction (0.25)"
    )


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        ceiling_m=args.ceiling,
        min_altitude_m=args.min_altitude,
        max_distance_from_home_m=args.max_distance,
        endurance_s=args.endurance_min * 60.0,
        reserve_fraction=args.reserve,
    )


def _load(path: str, out: TextIO) -> ZoneSet:
    try:
        zones = load_zones(path)
    except ZoneFileError as exc:
        raise _InputError(f"cannot read zones: {exc}") from exc
    for error in zones.errors:
        print(f"zone rejected: {path}: {error}", file=out)
    return zones


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code."""
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        if args.command == "plan":
            return _plan(args, out)
        return _check(args, out)
    except _InputError as exc:
        print(f"error: {exc}", file=out)
        return EXIT_UNREADABLE


def _plan(args: argparse.Namespace, out: TextIO) -> int:
    zones = _load(args.zones, out)
    try:
        zone = zones.by_name(args.zone)
    except KeyError as exc:
        rejected = [e for e in zones.errors if f"'{args.zone}'" in e.feature]
        reason = str(rejected[0]) if rejected else exc.args[0]
        raise _InputError(f"{args.zones}: {reason}") from None
    spec = PlanSpec(
        side_overlap=args.side_overlap,
        forward_overlap=args.forward_overlap,
        ceiling_m=args.ceiling,
        sensing_width_m=args.sensing_width,
        wind_from_deg=args.wind_from,
        **({"altitude_m": args.altitude} if args.altitude is not None else {}),
        **({"speed_mps": args.speed} if args.speed is not None else {}),
    )
    try:
        planned = plan_zone(zone, args.home, zones.zones, spec)
    except (PlanError, ValueError) as exc:
        raise _InputError(str(exc)) from exc
    limits = _limits(args)
    findings = check_mission(planned.mission, zones.zones, limits)
    try:
        write_plan_file(planned.mission, args.out)
    except PlanFileError as exc:
        raise _InputError(str(exc)) from exc
    estimate = estimate_flight(planned.mission, limits.kinematics)
    print(f"zone      {planned.zone} ({zone.kind.value}, priority {zone.priority})", file=out)
    print(f"pattern   {planned.pattern}", file=out)
    if planned.survey is not None:
        s = planned.survey
        print(
            f"lanes     {len(s.lanes)} lanes, {s.spacing_m:.1f} m apart, {s.cells} cell(s), "
            f"sweep {s.angle_deg:.1f}° from east",
            file=out,
        )
    if planned.swath is not None and planned.swath.trigger_distance_m:
        print(f"camera    trigger every {planned.swath.trigger_distance_m:.1f} m", file=out)
    print(
        f"length    {planned.pattern_length_m / 1000:.2f} km pattern, "
        f"{estimate.horizontal_m / 1000:.2f} km home to home",
        file=out,
    )
    print(
        f"time      {estimate.time_s / 60:.1f} min at {planned.mission.cruise_speed_mps:g} m/s",
        file=out,
    )
    print(
        f"battery   {estimate.time_s / limits.endurance_s:.0%} of {limits.endurance_s / 60:g} min "
        f"(usable {1 - limits.reserve_fraction:.0%})",
        file=out,
    )
    print(f"items     {len(planned.mission.items)} (+ home) written to {args.out}", file=out)
    for note in planned.notes:
        print(f"note      {note}", file=out)
    return _report(findings, out)


def _check(args: argparse.Namespace, out: TextIO) -> int:
    try:
        mission: Mission = read_plan_file(args.file)
    except PlanFileError as exc:
        raise _InputError(str(exc)) from exc
    zones = _load(args.zones, out).zones if args.zones else ()
    limits = _limits(args)
    findings = check_mission(mission, zones, limits)
    estimate = estimate_flight(mission, limits.kinematics)
    print(
        f"mission   {args.file}: {len(mission.items)} items (+ home), "
        f"{estimate.horizontal_m / 1000:.2f} km, {estimate.time_s / 60:.1f} min, "
        f"battery {estimate.time_s / limits.endurance_s:.0%}",
        file=out,
    )
    return _report(findings, out)


def _report(findings: list[Finding], out: TextIO) -> int:
    for finding in findings:
        print(f"finding   {finding}", file=out)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if blocks_upload(findings):
        print(f"result    NOT FLYABLE: {errors} error(s), {warnings} warning(s)", file=out)
        return EXIT_CHECK_FAILED
    print(f"result    may fly: 0 errors, {warnings} warning(s)", file=out)
    return EXIT_OK
