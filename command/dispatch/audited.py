"""Every command that moves an aircraft goes through here: recorded in the audit log (who, what,
when) before it is sent via the fleet link — no record, no command — and its outcome (accepted,
refused with the vehicle's reason, failed, timed out) appended beside that record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from command.dispatch.wire_check import wire_problems
from command.link import (
    CommandError,
    CommandRefused,
    CommandTimeout,
    Fleet,
    LinkError,
    MissionUploadError,
)
from command.storage import CommandResult, Database, StorageError, begin_audit, finish_audit
from missions.checks import Limits
from missions.items import Mission

T = TypeVar("T")

MAX_SPEED_MPS = 20.0
"""Fastest ground speed a command may ask for: ArduCopter's WPNAV_SPEED tops out at 2000 cm/s."""

MIN_GUIDED_ALTITUDE_M = 2.0
"""Lowest GUIDED target above home: lower is a landing, which has its own command."""


class OutsideLimits(CommandError):
    """A command refused here, before sending: it would take the aircraft outside a limit."""


class NotAudited(CommandError):
    """A command not sent because its audit record could not be written first."""


class AuditedFleet:
    """The fleet's commands, each recorded in the audit log as `actor`; commands that set a
    target (go_to, change_speed) are checked against `limits` first."""

    def __init__(
        self,
        fleet: Fleet,
        db: Database,
        actor: str,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
        limits: Limits | None = None,
    ) -> None:
        self.fleet = fleet
        self.limits = limits or Limits()
        self.db = db
        self.actor = actor
        self.utcnow = utcnow

    def run(self, vehicle: str, command: str, params: dict[str, Any], call: Callable[[], T]) -> T:
        """Record the command, send it, and record what came of it; errors propagate after
        being recorded. A command whose record cannot be written is not sent (NotAudited)."""
        try:
            entry = begin_audit(
                self.db,
                actor=self.actor,
                vehicle_name=vehicle,
                command=command,
                params=params,
                now=self.utcnow(),
            )
        except StorageError as exc:
            raise NotAudited(
                command, f"not sent: its audit record cannot be written: {exc}"
            ) from exc
        try:
            result = call()
        except (CommandRefused, OutsideLimits) as exc:
            self._finish(entry.id, CommandResult.REFUSED, str(exc))
            raise
        except (CommandTimeout, TimeoutError) as exc:
            self._finish(entry.id, CommandResult.TIMEOUT, str(exc))
            raise
        except (LinkError, MissionUploadError) as exc:
            self._finish(entry.id, CommandResult.FAILED, str(exc))
            raise
        except Exception as exc:
            self._finish(entry.id, CommandResult.FAILED, f"{type(exc).__name__}: {exc}")
            raise
        self._finish(entry.id, CommandResult.ACCEPTED, "")
        return result

    def _finish(self, audit_id: int, result: CommandResult, reason: str) -> None:
        finish_audit(self.db, audit_id, result, self.utcnow(), reason)

    # The commands pilots and the dispatcher use, by name.
    def set_mode(self, vehicle: str, mode: str) -> Any:
        """Change flight mode (read back from the heartbeat)."""
        return self.run(
            vehicle, "set_mode", {"mode": mode}, lambda: self.fleet.set_mode(vehicle, mode)
        )

    def arm(self, vehicle: str) -> Any:
        """Arm the motors."""
        return self.run(vehicle, "arm", {}, lambda: self.fleet.arm(vehicle))

    def takeoff(self, vehicle: str, altitude_m: float) -> Any:
        """GUIDED take-off to altitude_m above home."""
        return self.run(
            vehicle,
            "takeoff",
            {"altitude_m": altitude_m},
            lambda: self.fleet.takeoff(vehicle, altitude_m),
        )

    def start_mission(self, vehicle: str) -> Any:
        """MISSION_START (AUTO from the first item)."""
        return self.run(vehicle, "mission_start", {}, lambda: self.fleet.start_mission(vehicle))

    def return_to_launch(self, vehicle: str) -> Any:
        """RTL."""
        return self.run(vehicle, "rtl", {}, lambda: self.fleet.return_to_launch(vehicle))

    def land(self, vehicle: str) -> Any:
        """LAND where it is."""
        return self.run(vehicle, "land", {}, lambda: self.fleet.land(vehicle))

    def pause(self, vehicle: str) -> Any:
        """Hold position in the mission."""
        return self.run(vehicle, "pause", {}, lambda: self.fleet.pause(vehicle))

    def resume(self, vehicle: str) -> Any:
        """Carry on with the mission."""
        return self.run(vehicle, "resume", {}, lambda: self.fleet.resume(vehicle))

    def upload_mission(self, vehicle: str, mission: Mission, name: str) -> Any:
        """Upload mission, fence and rally, and verify them by reading back; a mission that does
        not fit MAVLink's items is refused before anything is sent."""

        def call() -> Any:
            problems = wire_problems(mission)
            if problems:
                shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
                raise OutsideLimits("upload_mission", f"{shown}; nothing was sent")
            return self.fleet.upload_mission(vehicle, mission)

        return self.run(
            vehicle, "upload_mission", {"mission": name, "items": len(mission.items)}, call
        )

    def disarm(self, vehicle: str, force: bool = False) -> Any:
        """Disarm (force: even in flight, and the aircraft falls)."""
        return self.run(
            vehicle, "disarm", {"force": force}, lambda: self.fleet.disarm(vehicle, force)
        )

    def go_to(
        self,
        vehicle: str,
        latitude_deg: float,
        longitude_deg: float,
        altitude_m: float,
        speed_mps: float | None = None,
    ) -> Any:
        """GUIDED flight to a point at altitude_m above home, within the ceiling and speed limit."""
        params = {
            "latitude_deg": latitude_deg,
            "longitude_deg": longitude_deg,
            "altitude_m": altitude_m,
            "speed_mps": speed_mps,
        }

        def call() -> Any:
            ceiling = self.limits.ceiling_m
            if not MIN_GUIDED_ALTITUDE_M <= altitude_m <= ceiling:
                raise OutsideLimits(
                    "go_to",
                    f"altitude {altitude_m:g} m above home is outside "
                    f"{MIN_GUIDED_ALTITUDE_M:g}–{ceiling:g} m; nothing was sent",
                )
            if not (-90 <= latitude_deg <= 90 and -180 <= longitude_deg <= 180):
                raise OutsideLimits(
                    "go_to", f"position {latitude_deg}, {longitude_deg} is not on Earth"
                )
            _check_speed("go_to", speed_mps)
            return self.fleet.go_to(vehicle, latitude_deg, longitude_deg, altitude_m, speed_mps)

        return self.run(vehicle, "go_to", params, call)

    def change_speed(self, vehicle: str, speed_mps: float) -> Any:
        """Set the ground speed (within the speed limit)."""

        def call() -> Any:
            _check_speed("change_speed", speed_mps)
            return self.fleet.change_speed(vehicle, speed_mps)

        return self.run(vehicle, "change_speed", {"speed_mps": speed_mps}, call)

    def set_current_item(self, vehicle: str, seq: int) -> Any:
        """Make mission item seq the next one."""
        return self.run(
            vehicle,
            "set_current_item",
            {"seq": seq},
            lambda: self.fleet.set_current_item(vehicle, seq),
        )

    def set_parameter(self, vehicle: str, parameter: str, value: float) -> Any:
        """Set a vehicle parameter; returns the value it echoed."""
        return self.run(
            vehicle,
            "set_parameter",
            {"parameter": parameter, "value": value},
            lambda: self.fleet.set_parameter(vehicle, parameter, value),
        )


def _check_speed(command: str, speed_mps: float | None) -> None:
    if speed_mps is not None and not 0 < speed_mps <= MAX_SPEED_MPS:
        raise OutsideLimits(
            command, f"speed {speed_mps:g} m/s is outside 0–{MAX_SPEED_MPS:g} m/s; nothing was sent"
        )
