"""Pilot CLI: `python -m missions plan|check` (exit 0 may fly, 1 check fails, 2 unreadable)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from missions.checks import Finding, Limits, blocks_upload, check_mission
from missions.endurance import battery_needed_pct
from missions.energy import COPTERS, EnergyModel
from missions.estimate import FlightEstimate, estimate_flight
from missions.files import PlanFileError, read_mission_file, write_plan_file
from missions.items import Position
from missions.objective import OBJECTIVES, flight_time
from missions.planner import PlanError, PlanSpec, plan_zone
from missions.zones import ZoneFileError, ZoneSet, load_zones

EXIT_OK, EXIT_CHECK_FAILED, EXIT_UNREADABLE = 0, 1, 2


class _InputError(Exception):
    """Bad input: reported with its reason, exit code 2, nothing written."""


def _number(low: float, high: float, *, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"{text!r} is outside [{low:g}, {high:g}]{' ' + unit if unit else ''}"
            )
        return value

    return parse


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
    altitude = values[2] if len(values) == 3 else 0.0
    if not (math.isfinite(altitude) and abs(altitude) < 10_000):
        raise argparse.ArgumentTypeError(
            f"--home {text!r}: altitude must be metres above sea level"
        )
    return Position(lat, lon, altitude)


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
    plan.add_argument("--altitude", type=_number(5, 500, unit="m"), help="altitude above home, m")
    plan.add_argument("--speed", type=_number(0.5, 30, unit="m/s"), help="cruise speed, m/s")
    plan.add_argument(
        "--sensing-width",
        type=_number(1, 1000, unit="m"),
        help="sensor strip width, m (instead of the camera)",
    )
    plan.add_argument(
        "--side-overlap", type=_number(0, 0.95), default=0.6, help="side overlap 0..0.95"
    )
    plan.add_argument(
        "--forward-overlap", type=_number(0, 0.95), default=0.75, help="forward overlap"
    )
    plan.add_argument(
        "--wind-from", type=_number(-360, 360, unit="deg"), help="wind from (deg) for transects"
    )
    plan.add_argument(
        "--objective",
        choices=sorted(OBJECTIVES),
        default="length",
        help="what a survey minimises: path length, flight time or turns (default length)",
    )
    _limit_options(plan)
    check = sub.add_parser("check", help="check a mission file before flight")
    check.add_argument("file", help="mission file: .plan, .waypoints or .txt")
    check.add_argument("--zones", help="zones GeoJSON: no_fly and fence zones are checked")
    _limit_options(check)
    return parser


def _limit_options(parser: argparse.ArgumentParser) -> None:
    metres = _number(0, 100_000, unit="m")
    parser.add_argument("--ceiling", type=metres, default=120.0, help="ceiling above home, m")
    parser.add_argument("--min-altitude", type=metres, default=10.0, help="minimum altitude, m")
    parser.add_argument(
        "--max-distance", type=metres, default=3000.0, help="max distance from home, m"
    )
    parser.add_argument(
        "--copter",
        choices=sorted(COPTERS),
        default="survey-quad",
        help="the copter's energy model (default survey-quad)",
    )
    parser.add_argument(
        "--battery-mah", type=_number(100, 1e6, unit="mAh"), help="pack capacity, mAh"
    )
    parser.add_argument(
        "--endurance-min",
        type=_number(1, 600, unit="min"),
        help="hover endurance of a full pack, minutes (rescales the energy model)",
    )
    parser.add_argument(
        "--calibration",
        type=_number(0.2, 5.0),
        default=1.0,
        help="measured ÷ estimated battery use of flown sorties (default 1)",
    )
    parser.add_argument(
        "--battery-pct",
        type=_number(0, 100, unit="%"),
        help="battery remaining at take-off, %% (default: a full pack)",
    )
    parser.add_argument(
        "--reserve", type=_number(0, 0.95), default=0.25, help="battery reserve fraction (0.25)"
    )


def _energy(args: argparse.Namespace) -> EnergyModel:
    model = COPTERS[args.copter].calibrated(args.calibration)
    return model.with_capacity(args.battery_mah) if args.battery_mah else model


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        ceiling_m=args.ceiling,
        min_altitude_m=args.min_altitude,
        max_distance_from_home_m=args.max_distance,
        endurance_s=args.endurance_min * 60.0 if args.endurance_min else None,
        reserve_fraction=args.reserve,
        energy=_energy(args),
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
    """Run the CLI; returns the exit code (argument errors: 2, printed by argparse)."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad argument (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_UNREADABLE
    try:
        if args.command == "plan":
            return _plan(args, out)
        return _check(args, out)
    except _InputError as exc:
        print(f"error: {exc}", file=out)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        print("interrupted", file=out)
        return 130
    except Exception as exc:  # the last line of defence: a message, never a traceback
        print(f"error: cannot process this input ({type(exc).__name__}: {exc})", file=out)
        return EXIT_UNREADABLE


def _plan(args: argparse.Namespace, out: TextIO) -> int:
    limits = _limits(args)
    zones = _load(args.zones, out)
    try:
        zone = zones.by_name(args.zone)
    except KeyError as exc:
        rejected = [e for e in zones.errors if f"'{args.zone}'" in e.feature]
        reason = str(rejected[0]) if rejected else exc.args[0]
        raise _InputError(f"{args.zones}: {reason}") from None
    speed = args.speed or zone.speed_mps or PlanSpec().default_speed_mps
    objective = OBJECTIVES[args.objective]
    if args.objective == "time":
        objective = flight_time(speed)
    spec = PlanSpec(
        side_overlap=args.side_overlap,
        forward_overlap=args.forward_overlap,
        ceiling_m=args.ceiling,
        sensing_width_m=args.sensing_width,
        wind_from_deg=args.wind_from,
        objective=objective,
        **({"altitude_m": args.altitude} if args.altitude is not None else {}),
        **({"speed_mps": args.speed} if args.speed is not None else {}),
    )
    try:
        planned = plan_zone(zone, args.home, zones.zones, spec)
    except (PlanError, ValueError) as exc:
        raise _InputError(str(exc)) from exc
    findings = check_mission(
        planned.mission, zones.zones, limits, battery_remaining_pct=args.battery_pct
    )
    try:
        write_plan_file(planned.mission, args.out)
    except PlanFileError as exc:
        raise _InputError(str(exc)) from exc
    estimate = estimate_flight(planned.mission, limits.kinematics, energy=limits.battery)
    print(f"zone      {planned.zone} ({zone.kind.value}, priority {zone.priority})", file=out)
    print(f"pattern   {planned.pattern}", file=out)
    if planned.survey is not None:
        s = planned.survey
        print(
            f"lanes     {len(s.lanes)} lanes, {s.spacing_m:.1f} m apart, {s.cells} cell(s), "
            f"sweep {s.angle_deg:.1f}° from east ({spec.objective.name})",
            file=out,
        )
    if planned.swath is not None and planned.swath.trigger_distance_m:
        print(f"camera    trigger every {planned.swath.trigger_distance_m:.1f} m", file=out)
    print(
        f"length    {planned.pattern_length_m / 1000:.2f} km pattern, "
        f"{estimate.describe_length()} home to home",
        file=out,
    )
    print(
        f"time      {estimate.describe_time()} at {planned.mission.cruise_speed_mps:g} m/s",
        file=out,
    )
    print(f"battery   {_battery(estimate, limits, args.battery_pct)}", file=out)
    print(f"items     {len(planned.mission.items)} (+ home) written to {args.out}", file=out)
    for note in planned.notes:
        print(f"note      {note}", file=out)
    return _report(findings, out)


def _battery(estimate: FlightEstimate, limits: Limits, remaining_pct: float | None) -> str:
    """The battery line: share of the pack needed, of which pack, what is available."""
    model = limits.battery
    start = "a full pack" if remaining_pct is None else f"{remaining_pct:g}% at take-off"
    if not estimate.complete:
        return f"cannot be estimated ({model.name}, {start})"
    needed = battery_needed_pct(estimate, model)
    return (
        f"{_percent(needed)} of the pack ({model.name}, {model.capacity_mah:.0f} mAh, "
        f"calibration {model.calibration:g}); {start}, {limits.reserve_fraction:.0%} reserve"
    )


def _percent(value: float) -> str:
    return f"{value:.0f}%" if value < 1000 else "more than 999%"


def _check(args: argparse.Namespace, out: TextIO) -> int:
    limits = _limits(args)
    try:
        read = read_mission_file(args.file)
    except PlanFileError as exc:
        raise _InputError(str(exc)) from exc
    for warning_text in read.warnings:
        print(f"warning   {warning_text}", file=out)
    mission = read.mission
    zones = _load(args.zones, out).zones if args.zones else ()
    findings = check_mission(mission, zones, limits, battery_remaining_pct=args.battery_pct)
    estimate = estimate_flight(mission, limits.kinematics, energy=limits.battery)
    print(
        f"mission   {args.file}: {len(mission.items)} items (+ home), "
        f"{estimate.describe_length()}, {estimate.describe_time()}",
        file=out,
    )
    print(f"battery   {_battery(estimate, limits, args.battery_pct)}", file=out)
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
