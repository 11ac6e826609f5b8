"""What the pilot sees: fleet status tables, sortie progress lines, sortie history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from command.link import LinkState, VehicleSnapshot
from command.storage import SortieRecord

console = Console(markup=False, highlight=False)
"""What the pilot reads (stdout); text is printed as given (names may hold brackets)."""
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
"""Errors and refusals, one line each (stderr; never wrapped)."""

_LINK_STYLE = {LinkState.OK: "green", LinkState.CONNECTING: "yellow", LinkState.LOST: "bold red"}


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def fleet_table(snapshots: Mapping[str, VehicleSnapshot]) -> Table:
    """One row per vehicle: link, mode, armed, position, altitude, speed, battery, mission."""
    table = Table(title="EcoPatrol fleet", expand=False)
    for col in (
        "vehicle",
        "link",
        "mode",
        "armed",
        "lat",
        "lon",
        "alt m",
        "speed m/s",
        "battery",
        "GPS",
        "mission",
        "last message",
    ):
        table.add_column(col)
    for name, s in snapshots.items():
        progress = s.mission_progress
        mission = "—" if not progress or not progress[1] else f"{progress[0]}/{progress[1]}"
        battery = (
            "—"
            if s.battery_remaining_pct is None
            else (f"{s.battery_remaining_pct}% {_num(s.battery_voltage_v, '.1f')}V")
        )
        table.add_row(
            name,
            Text(s.link.value, style=_LINK_STYLE[s.link]),
            s.mode_name,
            Text("ARMED", style="bold red") if s.armed else "disarmed",
            _num(s.latitude_deg, ".6f"),
            _num(s.longitude_deg, ".6f"),
            _num(s.altitude_relative_m, ".1f"),
            _num(s.groundspeed_mps, ".1f"),
            battery,
            f"{s.gps_fix_label}/{s.satellites}",
            mission,
            s.status_text[:40],
        )
    return table


def progress_line(s: VehicleSnapshot, total_items: int, distance_m: float) -> str:
    """waypoint i/N, distance flown, battery, mode, altitude — one line. The vehicle's own
    progress report is used when it has one (ArduCopter reports item 0 after the end)."""
    seq, total_items = s.mission_progress or (s.mission_seq or 0, total_items)
    battery = "—" if s.battery_remaining_pct is None else f"{s.battery_remaining_pct}%"
    return (
        f"{s.name}: waypoint {min(seq, total_items)}/{total_items}  "
        f"flown {distance_m:,.0f} m  alt {_num(s.altitude_relative_m, '.1f')} m  "
        f"battery {battery}  mode {s.mode_name}  link {s.link.value}"
        f"{'  | ' + s.status_text if s.status_text else ''}"
    )


def history_table(sorties: Iterable[SortieRecord]) -> Table:
    """The sortie log, newest first."""
    table = Table(title="Sorties")
    for col in (
        "id",
        "vehicle",
        "mission",
        "started (UTC)",
        "ended (UTC)",
        "outcome",
        "distance m",
        "battery used",
        "reason",
    ):
        table.add_column(col)
    for s in sorties:
        table.add_row(
            str(s.id),
            s.vehicle_name,
            s.mission_name,
            f"{s.started_at:%Y-%m-%d %H:%M:%S}",
            "—" if s.ended_at is None else f"{s.ended_at:%Y-%m-%d %H:%M:%S}",
            s.outcome,
            _num(s.distance_m, ",.0f"),
            "—" if s.battery_used_pct is None else f"{s.battery_used_pct:.0f}%",
            s.reason[:60],
        )
    return table
