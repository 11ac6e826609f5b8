"""A sortie being started or flown: its handle, the ways a start is refused, and what the
dispatcher reads from a mission (take-off height, whether it returns home)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from command.dispatch.tracker import SortieTracker
from command.storage import SortieOutcome
from missions.checks import Finding
from missions.estimate import relative_altitude_m
from missions.items import Cmd, Mission


class DispatchError(Exception):
    """A sortie could not start; nothing moved (the message says why)."""


class PreflightRefused(DispatchError):
    """The mission fails its checks; nothing was sent or stored."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        errors = [f for f in findings if f.severity == "error"]
        lines = "; ".join(_finding_text(f) for f in errors)
        super().__init__(f"mission fails its checks: {lines}")


def _finding_text(f: Finding) -> str:
    where = f"item {f.item_index + 1}: " if f.item_index is not None else ""
    return f"{where}{f.message}"


class VehicleNotReady(DispatchError):
    """The vehicle cannot start a sortie now; nothing was sent or stored."""

    def __init__(self, vehicle: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{vehicle} is not ready: {'; '.join(problems)}")


class ArmDeclined(DispatchError):
    """The pilot did not confirm arming; the mission stays uploaded, the motors stay off."""


@dataclass
class SortieHandle:
    """A sortie in flight: its record id, tracker and monitoring thread."""

    sortie_id: int
    vehicle: str
    tracker: SortieTracker
    thread: threading.Thread | None = None
    start_mah: float | None = None  # charge the vehicle reported used when the sortie began
    last_mah: float | None = None  # and the latest report
    outcome: SortieOutcome | None = None
    reason: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout_s: float | None = None) -> SortieOutcome | None:
        """Block until the sortie is closed (or timeout); returns its outcome."""
        self.done.wait(timeout_s)
        return self.outcome


def takeoff_altitude_m(mission: Mission) -> float:
    """Height above home for a GUIDED take-off: the first navigation item's, else 20 m."""
    nav = [i for i in mission.items if i.command < NAV_LAST and i.latitude_deg != 0.0]
    if nav:
        height = relative_altitude_m(nav[0], mission.home.altitude_m)
        if height > 1.0:
            return height
    return 20.0


NAV_LAST = 95
"""MAV_CMD ids below this are navigation commands (MAV_CMD_NAV_LAST)."""


def returns_home(mission: Mission) -> bool:
    nav = [item for item in mission.items if item.command < NAV_LAST]
    return bool(nav) and nav[-1].command in (Cmd.NAV_RETURN_TO_LAUNCH, Cmd.NAV_LAND)


def clamp_pct(value: float | None) -> float | None:
    return None if value is None else min(max(float(value), 0.0), 100.0)


def used_mah(handle: SortieHandle) -> float | None:
    if handle.start_mah is None or handle.last_mah is None:
        return None
    return max(handle.last_mah - handle.start_mah, 0.0)
