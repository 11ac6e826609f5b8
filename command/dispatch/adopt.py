"""Taking over the sorties another command centre was following when it stopped (a standby
that became the active daemon): the vehicle flies its own mission on, nothing is sent to it;
the sortie's record gets this process as its owner (compare and set: only one process adopts
it) and from then on the vehicle's telemetry drives it here until it lands, when it is closed —
once — like any sortie of this dispatcher. What has landed meanwhile is reconciled instead.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from command.dispatch.ledger import Ledger
from command.dispatch.owner import owner_alive
from command.dispatch.reconcile import Reconciliation, reconcile
from command.dispatch.sortie import Sortie, Stage, Work, returns_home
from command.dispatch.tracker import SortieTracker
from command.link import LinkState, VehicleSnapshot
from command.storage import (
    SortieOutcome,
    SortieRecord,
    StoredMission,
    TrackFormatError,
    TrackWriter,
    get_mission,
    list_open_sorties,
    take_over_sortie,
)
from missions.items import Fence, Mission, MissionItem, Position

log = logging.getLogger("command.dispatch")
AIRBORNE_ABOVE_M = 1.0
"""A vehicle this high above home (or armed) is still flying its sortie."""


@dataclass(frozen=True)
class Adopted:
    """An open sortie looked at after a take-over: followed here now (`adopted`), closed from
    what the vehicle reports (`closed`), or left open with the reason."""

    sortie_id: int
    vehicle: str
    adopted: bool
    reason: str

    def __str__(self) -> str:
        return f"sortie {self.sortie_id} on {self.vehicle}: {self.reason}"


def adoptable(sortie: SortieRecord, snap: VehicleSnapshot) -> str | None:
    """Why an open sortie whose owner has stopped cannot be adopted now (None: it can): its
    vehicle must be linked and in the air, flying the mission (a sortie recorded as still
    uploading is adopted only when the vehicle is in AUTO: it was launched)."""
    if snap.link is not LinkState.OK:
        return f"the link is {snap.link.value}"
    if snap.altitude_relative_m is None:
        return "no telemetry from the vehicle yet"
    if not snap.armed and snap.altitude_relative_m < AIRBORNE_ABOVE_M:
        return "the vehicle is on the ground"
    if sortie.outcome is SortieOutcome.FLYING:
        return None
    if sortie.outcome is SortieOutcome.UPLOADING and snap.mode_name == "AUTO":
        return None
    return f"recorded as {sortie.outcome.value} while the vehicle is in {snap.mode_name}"


def adopt(ledger: Ledger, vehicle: str, gone: Collection[str], now: datetime) -> list[Adopted]:
    """Follow here the open sorties of `vehicle` whose owner stopped (owners in `gone` — the
    active daemon this one replaced — are stopped whatever their process table says: they
    were fenced); close those that have landed (see reconcile). Nothing is sent to the vehicle.
    """

    def running(sortie: SortieRecord, at: datetime) -> bool:
        owner = sortie.owner
        if owner is None or owner == ledger.owner or any(owner.startswith(g) for g in gone):
            return False  # (a name may come cut short from the database's lock holder)
        return owner_alive(sortie.owner, sortie.owner_seen_at, at)

    snap = ledger.fleet.snapshot(vehicle)
    done: list[Adopted] = []
    with ledger.lock:
        mine = set(ledger.by_id)
    for sortie in list_open_sorties(ledger.db, vehicle):
        if sortie.id in mine or running(sortie, now):
            continue
        why = adoptable(sortie, snap)
        if why is not None:
            continue  # reconcile below judges it
        if not take_over_sortie(ledger.db, sortie.id, sortie.owner, ledger.owner, now):
            done.append(Adopted(sortie.id, vehicle, False, "taken over by another process"))
            continue
        followed = _follow(ledger, sortie, snap)
        ledger.note(
            followed,
            "warning",
            f"sortie {sortie.id} adopted by {ledger.owner} from {sortie.owner or 'no one'}: "
            f"the vehicle flies its own mission on ({snap.mode_name}, "
            f"{snap.altitude_relative_m or 0:.0f} m); nothing was sent",
        )
        done.append(Adopted(sortie.id, vehicle, True, "adopted: followed here until it lands"))
    for r in reconcile(ledger.db, vehicle, snap, now, running):
        if r.sortie_id not in {d.sortie_id for d in done}:
            done.append(Adopted(r.sortie_id, vehicle, False, _text(r)))
    for item in done:
        log.info("%s", item)
    return done


def _text(r: Reconciliation) -> str:
    if r.outcome is None:
        return f"left open: {r.reason}"
    return f"closed as {r.outcome.value}: {r.reason}"


def _follow(ledger: Ledger, record: SortieRecord, snap: VehicleSnapshot) -> Sortie:
    """The dispatcher's handle of an adopted sortie, registered as flying."""
    mission = mission_of(get_mission(ledger.db, record.mission_id))
    tracker = SortieTracker(
        len(mission.items) + 1, returns_home(mission), ledger.reserve_pct, ledger.clock()
    )
    tracker.airborne = snap.armed and (snap.altitude_relative_m or 0.0) > AIRBORNE_ABOVE_M
    if record.battery_start_pct is not None:
        tracker.start_battery_pct = round(record.battery_start_pct)
    sortie = Sortie(
        record.id,
        record.vehicle_name,
        record.mission_name,
        mission,
        record.mission_name,
        ledger.actor,
        Work(task_id=record.task_id),
        tracker,
        track_path=record.track_path,
        stage=Stage.FLYING,
        start_mah=None,
        flew=True,
        airborne_sent=True,  # the sortie's earlier owner announced it
    )
    sortie.renewed_s = ledger.clock()
    if record.track_path is not None:
        try:
            sortie.writer = TrackWriter(record.track_path)  # resumes the earlier owner's file
        except (OSError, TrackFormatError):
            log.exception("sortie %s: its track cannot be resumed", record.id)
    with ledger.lock:
        ledger.by_vehicle[sortie.vehicle] = sortie
        ledger.by_id[sortie.sortie_id] = sortie
    return sortie


def mission_of(stored: StoredMission) -> Mission:
    """The mission as it was uploaded, from its record (fence and rally points left out: the
    vehicle holds them; the tracker needs the items)."""
    items = tuple(
        MissionItem(
            command=i.command,
            frame=i.frame,
            param1=i.param1,
            param2=i.param2,
            param3=i.param3,
            param4=i.param4,
            latitude_deg=i.latitude_deg,
            longitude_deg=i.longitude_deg,
            altitude_m=i.altitude_m,
            autocontinue=i.autocontinue,
        )
        for i in stored.items
    )
    home = Position(stored.home_latitude_deg, stored.home_longitude_deg, stored.home_altitude_m)
    return Mission(home=home, items=items, fence=Fence(), cruise_speed_mps=stored.cruise_speed_mps)
