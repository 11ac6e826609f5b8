"""Every command that moves an aircraft goes through here: sent via the fleet link, and its
outcome (accepted, refused with the vehicle's reason, failed, timed out) appended to the audit
log with who sent it and when.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from command.link import CommandRefused, CommandTimeout, Fleet, LinkError, MissionUploadError
from command.storage import CommandResult, Database, record_audit

T = TypeVar("T")


class AuditedFleet:
    """The fleet's commands, each recorded in the audit log as `actor`."""

    def __init__(
        self,
        fleet: Fleet,
        db: Database,
        actor: str,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.fleet = fleet
        self.db = db
        self.actor = actor
        self.utcnow = utcnow

    def run(self, vehicle: str, command: str, params: dict[str, Any], call: Callable[[], T]) -> T:
        """Send one command and audit what came of it; errors propagate after being recorded."""
        try:
            result = call()
        except CommandRefused as exc:
            self._audit(vehicle, command, params, CommandResult.REFUSED, str(exc))
            raise
        except (CommandTimeout, TimeoutError) as exc:
            self._audit(vehicle, command, params, CommandResult.TIMEOUT, str(exc))
            raise
        except (LinkError, MissionUploadError) as exc:
            self._audit(vehicle, command, params, CommandResult.FAILED, str(exc))
            raise
        self._audit(vehicle, command, params, CommandResult.ACCEPTED, "")
        return result

    def _audit(
        self, vehicle: str, command: str, params: dict[str, Any], result: CommandResult, reason: str
    ) -> None:
        record_audit(
            self.db,
            actor=self.actor,
            vehicle_name=vehicle,
            command=command,
            params=params,
            result=result,
            now=self.utcnow(),
            reason=reason,
        )

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

    def upload_mission(self, vehicle: str, mission: Any, name: str) -> Any:
        """Upload mission, fence and rally, and verify them by reading back."""
        return self.run(
            vehicle,
            "upload_mission",
            {"mission": name, "items": len(mission.items)},
            lambda: self.fleet.upload_mission(vehicle, mission),
        )
