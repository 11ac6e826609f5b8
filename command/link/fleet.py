"""The fleet: named vehicle links, their snapshots, and blocking calls for commands and mission
transfers that any thread (dispatcher, web console) may make.

Threading: one thread per link does all I/O for that vehicle. A blocking call here queues an
exchange on that link and waits for its future; exchanges on one link run one at a time in
order; calls on different vehicles run in parallel. No module-level state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from command.link import commands as cmd
from command.link.address import parse_connection_string
from command.link.commands import (
    CommandExchange,
    CommandSpec,
    CommandTiming,
    ParamRead,
    ParamSet,
)
from command.link.errors import (
    CommandError,
    LinkError,
    MissionVerifyError,
    NoHeartbeat,
    UnknownVehicle,
)
from command.link.link_events import TELEMETRY_PERIOD_S
from command.link.mission_transfer import MissionDownload, MissionUpload, TransferTiming
from command.link.mission_wire import (
    FENCE,
    MISSION,
    RALLY,
    WireItem,
    fence_items,
    mission_items,
    rally_items,
)
from command.link.param_names import renamed, vehicle_param_name
from command.link.readback import difference_seq, first_difference
from command.link.signing import SigningKey
from command.link.snapshot import MODE_NUMBERS, LinkState, TrackPoint, VehicleSnapshot
from command.link.telemetry import SampleSink
from command.link.vehicle_link import EventSink, VehicleLink
from missions.items import Mission

CALL_TIMEOUT_S = 600.0
"""Safety net for a blocking call; exchanges time out on their own well before this."""
VERSION_WAIT_S = 3.0
"""How long a parameter call waits for the firmware version when the name depends on it."""
FURTHER_SITL_PORTS = (2, 3)
"""SITL's SERIAL1 and SERIAL2 TCP ports, relative to SERIAL0's."""


@dataclass(frozen=True)
class UploadReport:
    """A verified upload: items per list as the vehicle holds them (mission without home)."""

    mission_items: int
    fence_items: int
    rally_items: int
    duration_s: float


class Fleet:
    """Links to N vehicles by name. Thread-safe."""

    def __init__(
        self,
        on_sample: SampleSink | None = None,
        clock: Callable[[], float] = time.monotonic,
        transfer_timing: TransferTiming | None = None,
        command_timing: CommandTiming | None = None,
        heartbeat_period_s: float = 1.0,
        bus: EventSink | None = None,
        telemetry_period_s: float = TELEMETRY_PERIOD_S,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`heartbeat_period_s`: our GCS heartbeat period (1 Hz; shorter for a simulator
        running faster than real time, whose failsafe counts simulated seconds). `bus`: where
        every link publishes its events (see command.link.link_events), from its own thread."""
        self.on_sample = on_sample
        self.heartbeat_period_s = heartbeat_period_s
        self.bus = bus
        self.telemetry_period_s = telemetry_period_s
        self.utcnow = utcnow
        self.clock = clock
        self.transfer_timing = transfer_timing or TransferTiming()
        self.command_timing = command_timing or CommandTiming()
        self._links: dict[str, VehicleLink] = {}
        self._lock = threading.Lock()

    # --- links -------------------------------------------------------------------------------
    def connect(
        self, name: str, url: str, signing_key: SigningKey | bytes | str | None = None
    ) -> VehicleLink:
        """Start linking to a vehicle; returns at once (state CONNECTING). The connection string
        and key are checked first: ConnectionStringError / SigningKeyError before any I/O."""
        endpoint = parse_connection_string(url)
        key = None if signing_key is None else SigningKey.from_config(signing_key)
        with self._lock:
            if name in self._links:
                raise LinkError(f"vehicle {name!r} is already connected")
            link = VehicleLink(
                name,
                endpoint,
                key,
                self.on_sample,
                self.clock,
                heartbeat_period_s=self.heartbeat_period_s,
                bus=self.bus,
                telemetry_period_s=self.telemetry_period_s,
                utcnow=self.utcnow,
            )
            self._links[name] = link
        link.start()
        return link

    def disconnect(self, name: str) -> None:
        """Close one link."""
        with self._lock:
            link = self._links.pop(name, None)
        if link is None:
            raise UnknownVehicle(name)
        link.close()

    def close(self) -> None:
        """Close every link."""
        with self._lock:
            links, self._links = list(self._links.values()), {}
        for link in links:
            link.close()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def link(self, name: str) -> VehicleLink:
        """The link of a vehicle (UnknownVehicle if none)."""
        try:
            return self._links[name]
        except KeyError:
            raise UnknownVehicle(name) from None

    def names(self) -> list[str]:
        """Names of the connected vehicles."""
        return list(self._links)

    # --- telemetry ---------------------------------------------------------------------------
    def snapshot(self, name: str) -> VehicleSnapshot:
        """The latest snapshot of one vehicle."""
        return self.link(name).snapshot

    def snapshots(self) -> dict[str, VehicleSnapshot]:
        """The latest snapshot of every vehicle."""
        return {name: link.snapshot for name, link in list(self._links.items())}

    def track(self, name: str) -> tuple[TrackPoint, ...]:
        """Recent positions of one vehicle, oldest first."""
        return self.link(name).track()

    def wait_for(
        self, name: str, predicate: Callable[[VehicleSnapshot], bool], timeout_s: float
    ) -> VehicleSnapshot | None:
        """Block until the vehicle's snapshot satisfies predicate; None on timeout."""
        return self.link(name).wait_for(predicate, timeout_s)

    # --- commands ----------------------------------------------------------------------------
    def command(self, name: str, spec: CommandSpec) -> VehicleSnapshot:
        """Run one command; returns the snapshot after it took effect. Raises CommandRefused
        (with the vehicle's reason), ModeNotChanged, CommandTimeout or LinkDown."""
        return _wait(self.link(name).submit(CommandExchange(spec, self.command_timing)))

    def arm(self, name: str) -> VehicleSnapshot:
        """Arm the motors."""
        return self.command(name, cmd.arm_spec())

    def disarm(self, name: str, force: bool = False) -> VehicleSnapshot:
        """Disarm (force: even in flight — the vehicle falls)."""
        return self.command(name, cmd.disarm_spec(force))

    def set_mode(self, name: str, mode: str | int) -> VehicleSnapshot:
        """Change the ArduCopter flight mode (by name, e.g. "GUIDED", or number), read back
        from the heartbeat."""
        number = MODE_NUMBERS.get(mode.upper()) if isinstance(mode, str) else mode
        if number is None:
            raise CommandError("set mode", f"unknown ArduCopter mode {mode!r}")
        label = mode.upper() if isinstance(mode, str) else str(mode)
        return self.command(name, cmd.mode_spec(label, number))

    def takeoff(self, name: str, altitude_m: float) -> VehicleSnapshot:
        """Take off to altitude_m above home (GUIDED, armed)."""
        return self.command(name, cmd.takeoff_spec(altitude_m))

    def start_mission(self, name: str, first_seq: int = 0) -> VehicleSnapshot:
        """MISSION_START (AUTO), optionally from item first_seq."""
        return self.command(name, cmd.mission_start_spec(first_seq))

    def return_to_launch(self, name: str) -> VehicleSnapshot:
        """RTL."""
        return self.command(name, cmd.rtl_spec())

    def land(self, name: str) -> VehicleSnapshot:
        """Land where it is."""
        return self.command(name, cmd.land_spec())

    def go_to(
        self,
        name: str,
        latitude_deg: float,
        longitude_deg: float,
        altitude_m: float,
        speed_mps: float | None = None,
    ) -> VehicleSnapshot:
        """Fly to a point, altitude above home (GUIDED, flying)."""
        speed = -1.0 if speed_mps is None else speed_mps
        return self.command(name, cmd.goto_spec(latitude_deg, longitude_deg, altitude_m, speed))

    def change_speed(self, name: str, speed_mps: float) -> VehicleSnapshot:
        """Set the ground speed."""
        return self.command(name, cmd.speed_spec(speed_mps))

    def pause(self, name: str) -> VehicleSnapshot:
        """Hold position (DO_PAUSE_CONTINUE 0)."""
        return self.command(name, cmd.pause_spec(True))

    def resume(self, name: str) -> VehicleSnapshot:
        """Continue the mission (DO_PAUSE_CONTINUE 1)."""
        return self.command(name, cmd.pause_spec(False))

    def set_current_item(self, name: str, seq: int) -> VehicleSnapshot:
        """Make mission item seq the next one."""
        return self.command(name, cmd.set_current_spec(seq))

    def set_parameter(self, name: str, parameter: str, value: float) -> float:
        """Set a parameter (by its 4.6 or 4.7 name: the vehicle's own is sent); returns the
        value the vehicle echoed."""
        vehicle_name = self._param_name(name, parameter)
        return _wait(self.link(name).submit(ParamSet(vehicle_name, value, self.command_timing)))

    def get_parameter(self, name: str, parameter: str) -> float:
        """Read a parameter (by its 4.6 or 4.7 name); ParameterError if the vehicle has none."""
        vehicle_name = self._param_name(name, parameter)
        return _wait(self.link(name).submit(ParamRead(vehicle_name, self.command_timing)))

    def _param_name(self, name: str, parameter: str) -> str:
        snap = self.snapshot(name)
        if snap.firmware_version is None and renamed(parameter):
            known = self.wait_for(name, lambda s: s.firmware_version is not None, VERSION_WAIT_S)
            snap = known or snap
        return vehicle_param_name(parameter, snap.firmware_version)

    def wait_until_up(self, name: str, timeout_s: float) -> VehicleSnapshot:
        """Block until the vehicle's heartbeat is in (link OK); NoHeartbeat saying why not."""
        snap = self.wait_for(name, lambda s: s.link is LinkState.OK, timeout_s)
        if snap is not None:
            return snap
        link = self.link(name)
        raise NoHeartbeat(name, str(link.endpoint), timeout_s, _no_heartbeat_hint(link))

    # --- missions ----------------------------------------------------------------------------
    def upload_mission(self, name: str, mission: Mission) -> UploadReport:
        """Upload mission (item 0 = home), fence and rally, then read each back and compare.
        Raises MissionUploadError / MissionDownloadError / MissionVerifyError; only a return
        means the vehicle holds this mission."""
        t0 = self.clock()
        lists = {
            MISSION: mission_items(mission),
            FENCE: fence_items(mission.fence),
            RALLY: rally_items(mission.rally),
        }
        for mission_type, items in lists.items():
            self.upload_list(name, items, mission_type)
        for mission_type, items in lists.items():
            self.verify_list(name, items, mission_type)
        return UploadReport(
            len(lists[MISSION]) - 1, len(lists[FENCE]), len(lists[RALLY]), self.clock() - t0
        )

    def upload_list(self, name: str, items: list[WireItem], mission_type: int) -> int:
        """Upload one list (no read-back); returns its length."""
        link = self.link(name)
        return _wait(link.submit(MissionUpload(items, mission_type, self.transfer_timing)))

    def download_list(self, name: str, mission_type: int = MISSION) -> list[WireItem]:
        """Read one list from the vehicle (mission: item 0 is the vehicle's home)."""
        link = self.link(name)
        return _wait(link.submit(MissionDownload(mission_type, self.transfer_timing)))

    def verify_list(self, name: str, items: list[WireItem], mission_type: int) -> None:
        """Read a list back and compare with what was uploaded (MissionVerifyError if not)."""
        got = self.download_list(name, mission_type)
        why = first_difference(items, got, mission_type)
        if why is not None:
            raise MissionVerifyError(1, mission_type, difference_seq(why), why)


def _no_heartbeat_hint(link: VehicleLink) -> str:
    """Why a link may have no heartbeat: no connection at all, or (TCP) a port held by another
    ground station — ArduPilot SITL serves one client per port and leaves others waiting."""
    e = link.endpoint
    if link.connects == 0:
        return f"could not connect: {link.last_error or 'no answer'}"
    if e.scheme == "tcp":
        further = ", ".join(f"tcp:{e.host}:{e.port + k}" for k in FURTHER_SITL_PORTS)
        return (
            "connected, but nothing came back: the port may be taken by another ground station "
            f"(ArduPilot SITL serves one client per TCP port; its further ports are {further})"
        )
    return f"is the vehicle on {e}?"


def _wait(future: Future[Any]) -> Any:
    try:
        return future.result(timeout=CALL_TIMEOUT_S)
    except FutureTimeout:
        future.cancel()
        raise LinkError("link did not answer within the call timeout") from None
